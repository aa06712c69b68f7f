// Private: one SQLite connection with a prepared-statement cache, RAII statement use, and the
// mapping of SQLite result codes onto domain::errc. Nothing here leaves the adapter.
//   connection c; if (auto r = c.open(path, cfg); !r) ...
//   auto st = c.prepare("SELECT name FROM clients WHERE id = ?");   // cached; reset on scope exit
//   st.bind(1, id); if (st.step() == SQLITE_ROW) name = st.text(0);
#pragma once
#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "authplane/core/result.hpp"
#include "authplane/domain/error.hpp"

namespace authplane::storage::sqlite::detail {

// not_found/conflict/invalid/storage_failure as an error_code.
inline error_code fail(domain::errc e) { return domain::make_error_code(e); }

// Maps a SQLite (extended) result code: UNIQUE/PRIMARY KEY → conflict, CHECK/NOT NULL →
// invalid, anything else → storage_failure. Logs the failure class (never values).
error_code map_error(int rc, std::string_view op);

struct connection_config {
  bool wal = true;
  int busy_timeout_ms = 5000;
  bool writer = false;        // readers are opened with query_only
  bool checkpointer = false;  // the background checkpoint connection: opens an existing file, no pragmas but synchronous
};

class statement {
 public:
  statement(sqlite3_stmt* s, sqlite3* db) : s_(s), db_(db) {}
  statement(statement&& o) noexcept : s_(o.s_), db_(o.db_) { o.s_ = nullptr; }
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;
  statement& operator=(statement&&) = delete;
  ~statement() {
    if (!s_) return;
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  // Strings are bound SQLITE_STATIC: they must outlive this statement object.
  void bind(int i, std::string_view v) { sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC); }
  void bind(int i, std::int64_t v) { sqlite3_bind_int64(s_, i, v); }
  void bind(int i, bool v) { sqlite3_bind_int(s_, i, v ? 1 : 0); }
  void bind_null(int i) { sqlite3_bind_null(s_, i); }
  void bind(int i, const std::optional<std::int64_t>& v) {
    if (v) bind(i, *v); else bind_null(i);
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return sqlite3_step(s_); }
  std::string text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, col))) : std::string();
  }
  std::int64_t int64(int col) const { return sqlite3_column_int64(s_, col); }
  bool is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  int changes() const { return sqlite3_changes(db_); }

 private:
  sqlite3_stmt* s_;
  sqlite3* db_;
};

class connection {
 public:
  connection() = default;
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;
  ~connection();

  result<void> open(const std::string& path, const connection_config& cfg);
  // A cached prepared statement for `sql` (prepared on first use); storage_failure (logged) on error.
  // One statement object per SQL text at a time: do not nest two uses of the same text.
  result<statement> prepare(std::string_view sql);
  // Runs statements without results (may contain several; not cached).
  result<void> exec(const char* sql, std::string_view op);
  sqlite3* handle() const { return db_; }

 private:
  struct text_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*, text_hash, std::equal_to<>> cache_;
};

// Steps a statement that returns no rows; the mapped error unless it ran to SQLITE_DONE.
inline result<void> run(statement& st, std::string_view op) {
  int rc = st.step();
  if (rc != SQLITE_DONE) return map_error(rc, op);
  return {};
}

// Writes `op`'s transaction: BEGIN IMMEDIATE ... COMMIT, or ROLLBACK when `fn` fails.
template <class T, class F>
result<T> in_transaction(connection& c, std::string_view op, F&& fn) {
  if (auto r = c.exec("BEGIN IMMEDIATE", op); !r) return result<T>(boost::system::in_place_error, r.error());
  result<T> out = fn();
  if (!out) {
    (void)c.exec("ROLLBACK", op);
    return out;
  }
  if (auto r = c.exec("COMMIT", op); !r) {
    (void)c.exec("ROLLBACK", op);
    return result<T>(boost::system::in_place_error, r.error());
  }
  return out;
}

}  // namespace authplane::storage::sqlite::detail
