#include <ctime>

#include "authplane/core/log.hpp"
#include "authplane/storage/sqlite/sqlite_store.hpp"
#include "migrations.hpp"

namespace authplane::storage::sqlite {
namespace detail {

result<int> current_version(connection& c) {
  auto st = c.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!st) return st.error();
  int rc = st->step();
  if (rc != SQLITE_ROW) return map_error(rc, "schema_version");
  return static_cast<int>(st->int64(0));
}

result<int> run_migrations(connection& c) {
  if (auto r = c.exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                      " version INTEGER PRIMARY KEY NOT NULL,"
                      " name TEXT NOT NULL,"
                      " applied_at INTEGER NOT NULL)",
                      "migrate");
      !r)
    return r.error();
  for (const migration& m : embedded_migrations()) {
    enum class step { skipped, applied };
    auto applied = in_transaction<step>(c, "migrate", [&]() -> result<step> {
      {
        auto st = c.prepare("SELECT 1 FROM schema_migrations WHERE version = ?");
        if (!st) return st.error();
        st->bind(1, static_cast<std::int64_t>(m.version));
        int rc = st->step();
        if (rc == SQLITE_ROW) return step::skipped;
        if (rc != SQLITE_DONE) return map_error(rc, "migrate");
      }
      if (auto r = c.exec(m.sql, "migrate"); !r) return r.error();
      auto ins = c.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
      if (!ins) return ins.error();
      ins->bind(1, static_cast<std::int64_t>(m.version));
      ins->bind(2, std::string_view(m.name));
      ins->bind(3, static_cast<std::int64_t>(std::time(nullptr)));
      int rc = ins->step();
      if (rc != SQLITE_DONE) return map_error(rc, "migrate");
      return step::applied;
    });
    if (!applied) {
      log::error("storage.sqlite.migration_failed", {{"name", m.name}});
      return applied.error();
    }
    if (*applied == step::applied) log::info("storage.sqlite.migration_applied", {{"name", m.name}});
  }
  return current_version(c);
}

}  // namespace detail

int latest_schema_version() noexcept {
  const auto& all = detail::embedded_migrations();
  return all.empty() ? 0 : all.back().version;
}

result<int> migrate(const std::string& path, bool wal) {
  detail::connection c;
  if (auto r = c.open(path, {.wal = wal, .busy_timeout_ms = 5000, .writer = true}); !r) return r.error();
  return detail::run_migrations(c);
}

}  // namespace authplane::storage::sqlite
