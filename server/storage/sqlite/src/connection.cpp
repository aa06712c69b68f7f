#include "connection.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
#include <string>

#include "authplane/core/log.hpp"

namespace authplane::storage::sqlite::detail {

error_code map_error(int rc, std::string_view op) {
  switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return fail(domain::errc::conflict);
    case SQLITE_CONSTRAINT_CHECK:
    case SQLITE_CONSTRAINT_NOTNULL:
      return fail(domain::errc::invalid);
    default:
      break;
  }
  // sqlite3_errstr gives the static text of the code: no SQL, no bound values.
  log::warn("storage.sqlite.error", {{"op", op}, {"error", sqlite3_errstr(rc)}});
  return fail(domain::errc::storage_failure);
}

connection::~connection() {
  for (auto& [sql, st] : cache_) sqlite3_finalize(st);
  if (db_) sqlite3_close_v2(db_);
}

namespace {
// Creates the missing parent directories of `path`, each with mode 0700.
bool make_parent_dirs(const std::string& path) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return true;
  std::filesystem::path prefix;
  for (const auto& part : parent) {
    prefix /= part;
    if (::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) return false;
  }
  return true;
}
}  // namespace

result<void> connection::open(const std::string& path, const connection_config& cfg) {
  if (cfg.writer) {
    if (!make_parent_dirs(path)) {
      log::warn("storage.sqlite.open_failed", {{"error", "cannot create parent directory"}});
      return fail(domain::errc::storage_failure);
    }
    // Create the file ourselves so it starts as 0600 (SQLite gives -wal/-shm the same mode).
    // Only when it does not exist yet: closing any descriptor of the database file drops every
    // POSIX lock this process holds on it, including the SHARED lock another open connection
    // keeps; without it, another process closing its last connection believes it is the last
    // one anywhere and deletes the WAL and the shared memory under us.
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      if (fd < 0 && errno != EEXIST) {
        log::warn("storage.sqlite.open_failed", {{"error", "cannot create database file"}});
        return fail(domain::errc::storage_failure);
      }
      if (fd >= 0) ::close(fd);
    }
  }
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (cfg.writer ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) return map_error(rc, "open");
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, cfg.busy_timeout_ms);

  if (cfg.checkpointer) {
    // Runs only sqlite3_wal_checkpoint_v2; synchronous decides the checkpoint's fsyncs.
    return exec("PRAGMA synchronous=NORMAL;", "configure");
  }
  std::string pragmas = "PRAGMA foreign_keys=ON;";
  if (cfg.writer) {
    // journal_mode is persistent in the file; readers inherit it.
    pragmas += cfg.wal ? "PRAGMA journal_mode=WAL;" : "PRAGMA journal_mode=DELETE;";
    // The writer keeps the hot index pages cached (64 MiB). In the store, checkpoints run
    // between batches, on a background connection finished by the writer (sqlite_store.cpp,
    // checkpoint_step), never inside a COMMIT.
    pragmas += "PRAGMA cache_size=-65536;PRAGMA journal_size_limit=67108864;";
  }
  pragmas += cfg.wal ? "PRAGMA synchronous=NORMAL;" : "PRAGMA synchronous=FULL;";
  if (!cfg.writer) pragmas += "PRAGMA query_only=ON;";
  return exec(pragmas.c_str(), "configure");
}

result<statement> connection::prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* st = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &st,
                                nullptr);
    if (rc != SQLITE_OK) return map_error(rc, "prepare");
    it = cache_.emplace(std::string(sql), st).first;
  }
  return statement(it->second, db_);
}

result<void> connection::exec(const char* sql, std::string_view op) {
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return map_error(sqlite3_extended_errcode(db_), op);
  return {};
}

}  // namespace authplane::storage::sqlite::detail
