// SQLite adapter for the storage ports: clients, resources, users, issuances, audit, runtime
// settings and health, in one database file.
//
//   auto s = sqlite_store::open({.path = "data/authserver.db"});
//   if (!s) return s.error();                       // domain::errc::storage_failure
//   ports::client_store& clients = **s;
//   (*s)->record_issuance(iss, ev, [](error_code ec) { /* committed (or failed) */ });
//
// Durability. The database runs in WAL mode with `PRAGMA synchronous=NORMAL`. A COMMIT appends
// the transaction's frames to the -wal file with write(2) before it returns; it does not fsync
// (fsync happens at checkpoints). Once write(2) returned, the frames are in the kernel's page
// cache, which belongs to the kernel, not to the process: they survive the process crashing or
// being killed with SIGKILL, and the next open replays them. They do NOT necessarily survive a
// kernel panic or power loss: then the last transactions committed since the previous checkpoint
// may be lost (the database stays consistent, it is never corrupted). So "done reported success"
// means "survives kill -9", which is what the issuance port promises. With wal=false the store
// uses a rollback journal with synchronous=FULL (fsync on every commit; slower, power-safe).
//
// Threads. Exactly one connection writes: it belongs to the store's writer thread, and every
// write (group-committed issuances and the synchronous writes: create/update/delete, revoke,
// append_audit, put_setting) is a work item that thread runs. Synchronous writers enqueue a
// closure and block until it has committed, so there is never SQLITE_BUSY between our own
// writers, and a value written is visible to every read that starts after the call returned.
// Reads use a pool of `reader_connections` connections (checked out per call; WAL lets them
// read while the writer writes). Every connection caches its prepared statements.
//
// Group commit. record_issuance enqueues (issuance, audit event, done). The writer drains the
// queue and writes up to `max_batch` items (INSERT issuance + INSERT audit event each) in ONE
// transaction, commits, then calls each `done` on the writer thread: success, conflict (this
// item's jti already exists: nothing of the item was stored; the rest of the batch is) or
// storage_failure (the batch did not commit: nothing of it was stored). An audit event whose
// `action` is empty is not written. Empty ids are filled with 16 random bytes (base64url), an
// audit created_at of 0 with the current time. Issuance and audit ids are unique by construction
// (random) and not indexed: only jti is (one random-key index per token is what bounds the write
// rate; time-ordered jti values would turn it into appends). A `done` callback may call
// the store again (it then runs inline on the writer thread) but must not block on another
// thread that waits for the store. The queue is bounded (`max_queue`); record_issuance blocks
// while it is full.
//
// Companions. record_issuance_with queues an issuance with a refresh write (a rotation or a
// family creation) that joins the same group commit: inside the batch transaction the writer
// runs SAVEPOINT, the companion (exactly rotate_refresh's / create_family's statements: the
// spent-check reads the writer's own view, so two rotations of one token in one batch see each
// other), the issuance and its audit event, then RELEASE; an item the companion refuses (reused,
// family_revoked, not_found) or that conflicts is rolled back to its savepoint alone. A refresh
// thus costs one batched write and no caller ever waits for the writer. rotate_refresh and
// create_family stay as synchronous one-transaction writes (tests, tools).
//
// Shutdown. The destructor stops accepting work (new calls fail with storage_failure), lets the
// writer drain and commit everything already queued, calls every pending `done`, and joins.
//
// Ordering of lists: clients newest first (issued_at, then id); users newest first (created_at,
// then id); resources by slug; issuances
// and audit events newest first (issued_at / created_at, then insertion order). A page limit of
// 0 returns no rows. update_resource keeps the stored created_at.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "authplane/core/result.hpp"
#include "authplane/ports/refresh.hpp"
#include "authplane/ports/stores.hpp"

namespace authplane::storage::sqlite {

struct options {
  std::string path;                  // database file; parent directories are created (0700)
  bool wal = true;                   // WAL + synchronous=NORMAL (see above); false: DELETE journal + FULL
  int busy_timeout_ms = 5000;        // how long a connection waits for a lock held by another process
  unsigned reader_connections = 4;   // read pool size (at least 1)
  std::size_t max_batch = 1024;      // issuances per group-commit transaction
  std::size_t max_queue = 65536;     // pending write items before record_issuance blocks
  // Fewer queued items than coalesce_min: wait coalesce_wait first. Each commit writes the tail
  // page of every B-tree it touches (about a dozen for a refresh) whatever the batch size, so
  // larger batches write fewer pages per item; 16 / 400 µs gave 21 items per batch and ~20 %
  // more refreshes per second than 8 / 200 µs (docs/performance.md).
  std::size_t coalesce_min = 16;
  std::chrono::microseconds coalesce_wait{400};
  // WAL mode: WAL pages between checkpoints. A background thread on its own connection copies the
  // WAL into the database (and waits for the fsyncs) while the writer goes on committing; the
  // writer then copies the few pages committed meanwhile itself, so the WAL restarts from the
  // beginning instead of growing.
  unsigned checkpoint_frames = 1000;
};

// Applies every embedded migration not yet recorded in schema_migrations (each in its own
// transaction) and returns the resulting schema version. Idempotent. Creates the file if needed.
// `wal`: the journal mode to leave the file in (storage.sqlite.wal), as the server would.
result<int> migrate(const std::string& path, bool wal = true);
// Housekeeping (`authserver purge`): deletes rows that can no longer be used by anything, in
// short transactions of `batch` items so that a running server keeps writing. Only what expired
// (or was revoked) more than `grace` seconds before `now` goes:
//   codes           authorization codes past their expiry
//   issuances       access-token records past their expiry (and their family links)
//   refresh_tokens  families revoked before the cutoff, or whose newest refresh token and access
//                   tokens all expired before it, with all their rows; in live families, the
//                   expired head of the token chain (the family then starts at its first live token)
// A refresh token or access token that is still valid, or a family that still has one, is never
// touched. Families from before migration 0006 that have not rotated since are kept unless
// revoked. Audit events are never purged. Runs pending migrations first.
struct purge_options {
  bool wal = true;  // storage.sqlite.wal: the journal mode the file is kept in
  std::int64_t now = 0;
  std::int64_t grace = 86400;
  bool codes = true;
  bool issuances = true;
  bool refresh_tokens = true;
  std::size_t batch = 500;
  // No batch starts after this (steady clock); what was purged before it stays purged.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};
struct purge_counts {
  std::size_t codes = 0;
  std::size_t issuances = 0;
  std::size_t refresh_families = 0;
  std::size_t refresh_tokens = 0;
  bool complete = true;  // false: stopped at the deadline before it was done
};
result<purge_counts> purge(const std::string& path, const purge_options& opts);
// The newest schema version embedded in this binary.
int latest_schema_version() noexcept;

class sqlite_store final : public ports::client_store,
                           public ports::resource_store,
                           public ports::issuance_store,
                           public ports::audit_store,
                           public ports::settings_store,
                           public ports::health_store,
                           public ports::change_feed,
                           public ports::user_store,
                           public ports::code_store,
                           public ports::refresh_store,
                           public ports::consent_store,
                           public ports::consent_admin_store {
 public:
  // Opens (creating if needed, file mode 0600), configures the connections, runs the
  // migrations and starts the writer thread. storage_failure when any step fails.
  static result<std::unique_ptr<sqlite_store>> open(const options& opts);
  ~sqlite_store() override;
  sqlite_store(const sqlite_store&) = delete;
  sqlite_store& operator=(const sqlite_store&) = delete;

  // Highest version recorded in schema_migrations.
  result<int> schema_version();

  // client_store
  result<std::optional<domain::client>> find_client(std::string_view id) override;
  result<void> create_client(const domain::client& c) override;
  result<void> update_client(const domain::client& c) override;
  result<std::vector<domain::client>> list_clients(std::string_view status, std::string_view source,
                                                   ports::list_page page) override;
  result<void> delete_client(std::string_view id) override;

  // resource_store
  result<std::optional<domain::resource>> find_resource_by_id(std::string_view id) override;
  result<std::optional<domain::resource>> find_resource_by_slug(std::string_view slug) override;
  result<std::vector<domain::resource>> find_resources_by_uri(std::string_view uri) override;
  result<void> create_resource(const domain::resource& r) override;
  result<void> update_resource(const domain::resource& r) override;
  result<void> delete_resource(std::string_view id) override;
  result<std::vector<domain::resource>> list_resources(ports::list_page page) override;

  // issuance_store
  void record_issuance(domain::issuance iss, domain::audit_event ev,
                       std::function<void(boost::system::error_code)> done) override;
  void record_issuance_with(domain::issuance iss, domain::audit_event ev, ports::issuance_companion companion,
                            std::function<void(boost::system::error_code, ports::rotate_outcome)> done) override;
  result<std::optional<domain::issuance>> find_issuance_by_jti(std::string_view jti) override;
  result<void> revoke_issuance(std::string_view jti, std::int64_t at) override;
  result<std::size_t> revoke_client_issuances(std::string_view client_id, std::int64_t at) override;
  result<std::vector<domain::issuance>> list_issuances(const ports::issuance_filter& f,
                                                       ports::list_page page) override;
  result<std::size_t> count_active_issuances(std::string_view client_id, std::int64_t now) override;

  // user_store
  result<std::optional<domain::user>> find_user(std::string_view id) override;
  result<std::optional<domain::user>> find_user_by_email(std::string_view email) override;
  result<void> create_user(const domain::user& u) override;
  result<void> update_user(const domain::user& u) override;
  result<std::vector<domain::user>> list_users(const ports::user_filter& f, ports::list_page page) override;
  result<void> delete_user(std::string_view id) override;
  result<std::size_t> count_active_user_tokens(std::string_view user_id, std::int64_t now) override;
  result<std::size_t> end_user_sessions(std::string_view user_id, std::int64_t at) override;

  // consent_store
  result<std::optional<domain::consent_grant>> find_consent(std::string_view user_id, std::string_view client_id,
                                                            std::string_view resource) override;
  result<domain::consent_grant> upsert_consent(const domain::consent_grant& g) override;

  // consent_admin_store
  result<std::optional<domain::consent_grant>> find_consent_by_id(std::string_view id) override;
  result<std::vector<domain::consent_grant>> list_consents(const ports::consent_filter& f,
                                                           ports::list_page page) override;
  result<ports::consent_revocation> revoke_consent(std::string_view id, std::int64_t now) override;

  // audit_store
  result<void> append_audit(const domain::audit_event& ev) override;
  result<std::vector<domain::audit_event>> query_audit(const ports::audit_query& q) override;

  // settings_store
  result<std::optional<std::string>> get_setting(std::string_view key) override;
  result<void> put_setting(std::string_view key, std::string_view value) override;

  // health_store
  result<ports::change_versions> versions() override;

  result<void> ping() override;
  result<ports::store_stats> stats(std::int64_t now) override;

  // code_store (migration 0005)
  result<void> put_code(const ports::stored_code& c) override;
  result<std::optional<ports::stored_code>> consume_code(std::string_view code_hash, std::int64_t now) override;

  // refresh_store (migration 0005)
  result<void> create_family(const ports::refresh_family& f, const ports::refresh_token_row& first,
                             std::string_view access_jti) override;
  result<std::optional<ports::refresh_lookup>> find_refresh(std::string_view token_hash) override;
  result<std::optional<ports::refresh_family>> find_family(std::string_view id) override;
  result<ports::rotate_outcome> rotate_refresh(std::string_view old_hash, const ports::refresh_token_row& next,
                                               std::string_view access_jti, std::int64_t now) override;
  result<std::size_t> revoke_family(std::string_view family_id, std::int64_t now, std::string_view reason) override;
  result<std::size_t> revoke_code_redemption(std::string_view code_hash, std::int64_t now) override;
  result<std::optional<ports::refresh_family>> family_of_access_token(std::string_view jti) override;

  struct impl;

 private:
  explicit sqlite_store(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace authplane::storage::sqlite
