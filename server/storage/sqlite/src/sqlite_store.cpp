#include "authplane/storage/sqlite/sqlite_store.hpp"

#include <pthread.h>

#include <algorithm>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <future>
#include <limits>
#include <mutex>
#include <thread>
#include <utility>
#include <variant>

#include "authplane/core/log.hpp"
#include "authplane/core/random.hpp"
#include "codec.hpp"
#include "connection.hpp"
#include "migrations.hpp"
#include "token_chain.hpp"

namespace authplane::storage::sqlite {

using detail::connection;
using detail::fail;
using detail::map_error;
using detail::run;
using detail::statement;
using errc = domain::errc;

namespace {

std::int64_t clamp64(std::size_t v) {
  constexpr auto max = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  return static_cast<std::int64_t>(std::min(v, max));
}

error_code corrupt(std::string_view op) {
  log::error("storage.sqlite.bad_row", {{"op", op}});
  return fail(errc::storage_failure);
}

// ---- clients ----------------------------------------------------------------------------------

constexpr const char* client_cols =
    "id, name, redirect_uris, grant_types, response_types, token_endpoint_auth_method, secret_hash, scope, status, "
    "registration_source, cimd_url, is_agent, agent_description, application_type, issued_at, updated_at, version";

result<domain::client> read_client(const statement& st) {
  domain::client c;
  c.id = st.text(0);
  c.name = st.text(1);
  auto ru = detail::decode_strings(st.text(2));
  auto gt = detail::decode_strings(st.text(3));
  auto rt = detail::decode_strings(st.text(4));
  if (!ru || !gt || !rt) return corrupt("read_client");
  c.redirect_uris = std::move(*ru);
  c.grant_types = std::move(*gt);
  c.response_types = std::move(*rt);
  c.token_endpoint_auth_method = st.text(5);
  c.secret_hash = st.text(6);
  c.scope = st.text(7);
  c.status = st.text(8);
  c.registration_source = st.text(9);
  c.cimd_url = st.text(10);
  c.agent = st.int64(11) != 0;
  c.agent_description = st.text(12);
  c.application_type = st.text(13);
  c.issued_at = st.int64(14);
  c.updated_at = st.int64(15);
  c.version = st.int64(16);
  return c;
}

struct client_lists {
  std::string redirect_uris, grant_types, response_types;
  explicit client_lists(const domain::client& c)
      : redirect_uris(detail::encode_strings(c.redirect_uris)),
        grant_types(detail::encode_strings(c.grant_types)),
        response_types(detail::encode_strings(c.response_types)) {}
};

// Binds every column but id and version, starting at parameter `first`, in client_cols order.
void bind_client_fields(statement& st, int first, const domain::client& c, const client_lists& l) {
  int i = first;
  st.bind(i++, std::string_view(c.name));
  st.bind(i++, std::string_view(l.redirect_uris));
  st.bind(i++, std::string_view(l.grant_types));
  st.bind(i++, std::string_view(l.response_types));
  st.bind(i++, std::string_view(c.token_endpoint_auth_method));
  st.bind(i++, std::string_view(c.secret_hash));
  st.bind(i++, std::string_view(c.scope));
  st.bind(i++, std::string_view(c.status));
  st.bind(i++, std::string_view(c.registration_source));
  st.bind(i++, std::string_view(c.cimd_url));
  st.bind(i++, c.agent);
  st.bind(i++, std::string_view(c.agent_description));
  st.bind(i++, std::string_view(c.application_type));
  st.bind(i++, c.issued_at);
  st.bind(i++, c.updated_at);
}

// ---- resources --------------------------------------------------------------------------------

constexpr const char* resource_cols =
    "id, slug, uri, backend_kind, broker_provider_id, display_name, scopes, exchange_allowed_client_ids, "
    "runtime_client_ids, connect_allowed_return_urls, created_at, updated_at";

result<domain::resource> read_resource(const statement& st) {
  domain::resource r;
  r.id = st.text(0);
  r.slug = st.text(1);
  r.uri = st.text(2);
  r.backend_kind = st.text(3);
  r.broker_provider_id = st.text(4);
  r.display_name = st.text(5);
  auto sc = detail::decode_scopes(st.text(6));
  auto ex = detail::decode_strings(st.text(7));
  auto rt = detail::decode_strings(st.text(8));
  auto cn = detail::decode_strings(st.text(9));
  if (!sc || !ex || !rt || !cn) return corrupt("read_resource");
  r.scopes = std::move(*sc);
  r.exchange_allowed_client_ids = std::move(*ex);
  r.runtime_client_ids = std::move(*rt);
  r.connect_allowed_return_urls = std::move(*cn);
  r.created_at = st.int64(10);
  r.updated_at = st.int64(11);
  return r;
}

struct resource_lists {
  std::string scopes, exchange, runtime, connect;
  explicit resource_lists(const domain::resource& r)
      : scopes(detail::encode_scopes(r.scopes)),
        exchange(detail::encode_strings(r.exchange_allowed_client_ids)),
        runtime(detail::encode_strings(r.runtime_client_ids)),
        connect(detail::encode_strings(r.connect_allowed_return_urls)) {}
};

// slug .. connect_allowed_return_urls (9 parameters) starting at `first`.
void bind_resource_fields(statement& st, int first, const domain::resource& r, const resource_lists& l) {
  int i = first;
  st.bind(i++, std::string_view(r.slug));
  st.bind(i++, std::string_view(r.uri));
  st.bind(i++, std::string_view(r.backend_kind));
  st.bind(i++, std::string_view(r.broker_provider_id));
  st.bind(i++, std::string_view(r.display_name));
  st.bind(i++, std::string_view(l.scopes));
  st.bind(i++, std::string_view(l.exchange));
  st.bind(i++, std::string_view(l.runtime));
  st.bind(i++, std::string_view(l.connect));
}

// ---- issuances and audit ----------------------------------------------------------------------

constexpr const char* issuance_cols =
    "id, jti, subject_user_id, client_id, resource_id, audience, scopes, grant_type, token_type, backend_kind, "
    "revocable, issued_at, expires_at, revoked_at, dpop_jkt, agent_id, parent_jti, consent_client_id";

domain::issuance read_issuance(const statement& st) {
  domain::issuance i;
  i.id = st.text(0);
  i.jti = st.text(1);
  i.subject_user_id = st.text(2);
  i.client_id = st.text(3);
  i.resource_id = st.text(4);
  i.audience = st.text(5);
  i.scopes = st.text(6);
  i.grant_type = st.text(7);
  i.token_type = st.text(8);
  i.backend_kind = st.text(9);
  i.revocable = st.int64(10) != 0;
  i.issued_at = st.int64(11);
  i.expires_at = st.int64(12);
  if (!st.is_null(13)) i.revoked_at = st.int64(13);
  i.dpop_jkt = st.text(14);
  i.agent_id = st.text(15);
  i.parent_jti = st.text(16);
  i.consent_client_id = st.text(17);
  return i;
}

constexpr const char* insert_issuance_sql =
    "INSERT INTO issuances (id, jti, subject_user_id, client_id, resource_id, audience, scopes, grant_type, "
    "token_type, backend_kind, revocable, issued_at, expires_at, revoked_at, dpop_jkt, agent_id, parent_jti, "
    "consent_client_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

void bind_issuance(statement& st, const domain::issuance& i) {
  st.bind(1, std::string_view(i.id));
  st.bind(2, std::string_view(i.jti));
  st.bind(3, std::string_view(i.subject_user_id));
  st.bind(4, std::string_view(i.client_id));
  st.bind(5, std::string_view(i.resource_id));
  st.bind(6, std::string_view(i.audience));
  st.bind(7, std::string_view(i.scopes));
  st.bind(8, std::string_view(i.grant_type));
  st.bind(9, std::string_view(i.token_type));
  st.bind(10, std::string_view(i.backend_kind));
  st.bind(11, i.revocable);
  st.bind(12, i.issued_at);
  st.bind(13, i.expires_at);
  st.bind(14, i.revoked_at);
  st.bind(15, std::string_view(i.dpop_jkt));
  st.bind(16, std::string_view(i.agent_id));
  st.bind(17, std::string_view(i.parent_jti));
  st.bind(18, std::string_view(i.consent_client_id));
}

constexpr const char* audit_cols = "id, action, actor_id, client_id, ip, detail, trace_id, created_at";

constexpr const char* insert_audit_sql =
    "INSERT INTO audit_events (id, action, actor_id, client_id, ip, detail, trace_id, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)";

void bind_audit(statement& st, const domain::audit_event& e) {
  st.bind(1, std::string_view(e.id));
  st.bind(2, std::string_view(e.action));
  st.bind(3, std::string_view(e.actor_id));
  st.bind(4, std::string_view(e.client_id));
  st.bind(5, std::string_view(e.ip));
  st.bind(6, std::string_view(e.detail));
  st.bind(7, std::string_view(e.trace_id));
  st.bind(8, e.created_at);
}

domain::audit_event read_audit(const statement& st) {
  domain::audit_event e;
  e.id = st.text(0);
  e.action = st.text(1);
  e.actor_id = st.text(2);
  e.client_id = st.text(3);
  e.ip = st.text(4);
  e.detail = st.text(5);
  e.trace_id = st.text(6);
  e.created_at = st.int64(7);
  return e;
}

// Fills what the caller left unset: ids (16 random bytes) and the audit time.
void complete(domain::audit_event& e) {
  if (e.id.empty()) e.id = random_token(16);
  if (e.created_at == 0) e.created_at = static_cast<std::int64_t>(std::time(nullptr));
}

// Inserts `e` (already completed) on `c`. conflict when its id exists.
result<void> insert_audit(connection& c, const domain::audit_event& e) {
  auto st = c.prepare(insert_audit_sql);
  if (!st) return st.error();
  bind_audit(*st, e);
  return run(*st, "append_audit");
}

enum class presence { absent, present };

// Whether a row with this key exists (on the given connection).
result<presence> exists(connection& c, const char* sql, std::string_view key) {
  auto st = c.prepare(sql);
  if (!st) return st.error();
  st->bind(1, key);
  int rc = st->step();
  if (rc == SQLITE_ROW) return presence::present;
  if (rc == SQLITE_DONE) return presence::absent;
  return map_error(rc, "exists");
}

// The refresh_store writes, on the writer connection inside an open transaction (defined with
// the refresh_store below): shared by the synchronous methods and the group-commit companions.
result<ports::rotate_outcome> rotate_on(connection& w, std::string_view old_hash, const ports::refresh_token_row& next,
                                        std::string_view access_jti, std::int64_t now);
result<void> create_family_on(connection& w, const ports::refresh_family& f, const ports::refresh_token_row& first,
                              std::string_view access_jti);

}  // namespace

// ---- impl: connections, reader pool, writer thread ---------------------------------------------

struct sqlite_store::impl {
  // One queued write: either a group-committed issuance (with its companion write, if any) or a
  // closure run on the writer.
  struct work {
    std::function<void(connection&)> task;  // set: a synchronous write
    domain::issuance iss;
    domain::audit_event ev;
    ports::issuance_companion companion;  // monostate: a plain issuance
    std::function<void(error_code)> done;                           // record_issuance
    std::function<void(error_code, ports::rotate_outcome)> done_with;  // record_issuance_with
  };

  options opts;
  connection writer;
  std::vector<std::unique_ptr<connection>> readers;

  std::mutex pool_mu;
  std::condition_variable pool_cv;
  std::vector<connection*> free_readers;

  std::mutex q_mu;
  std::condition_variable q_work;   // the writer waits for work
  std::condition_variable q_space;  // producers wait for room
  std::deque<work> queue;
  bool stopping = false;
  std::thread thread;
  std::thread::id writer_id;

  // The background checkpointer (WAL mode): its own connection and thread copy the WAL into the
  // database and wait for the two fsyncs while the writer keeps committing; see checkpoint_step.
  enum class ckpt_state { idle, requested, running, finished };
  connection ckpt_conn;
  std::thread ckpt_thread;
  std::mutex ckpt_mu;
  std::condition_variable ckpt_cv;
  ckpt_state ckpt = ckpt_state::idle;
  int ckpt_backfilled = 0;  // WAL frames the last background checkpoint had copied
  bool ckpt_stopping = false;
  // At most this many frames left over by the background checkpoint are copied by the writer
  // itself; more, and the background checkpointer runs again first.
  static constexpr int kCatchUpFrames = 128;
  // The WAL's hard bound, in rounds of opts.checkpoint_frames: past it the writer stops
  // committing until the background round ended and then copies the rest itself, so a
  // checkpointer that gets no CPU or a slow disk cannot let the WAL grow without limit.
  static constexpr int kHardCapRounds = 4;

  ~impl() { stop(); }

  void stop() {
    {
      std::lock_guard lk(q_mu);
      if (stopping && !thread.joinable() && !ckpt_thread.joinable()) return;
      stopping = true;
    }
    q_work.notify_all();
    q_space.notify_all();
    if (thread.joinable()) thread.join();
    {
      std::lock_guard lk(ckpt_mu);
      ckpt_stopping = true;
    }
    ckpt_cv.notify_all();
    if (ckpt_thread.joinable()) ckpt_thread.join();
  }

  // A PASSIVE checkpoint on `db`; `backfilled` gets the WAL frames copied so far (0 when busy).
  static void passive_checkpoint(sqlite3* db, int* backfilled = nullptr) {
    int rc = sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, backfilled);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) log::warn("storage.sqlite.checkpoint_failed", {{"error", sqlite3_errstr(rc)}});
    if (rc != SQLITE_OK && backfilled) *backfilled = 0;
  }

  void checkpointer_loop() {
    std::unique_lock lk(ckpt_mu);
    for (;;) {
      ckpt_cv.wait(lk, [&] { return ckpt_stopping || ckpt == ckpt_state::requested; });
      if (ckpt_stopping) return;
      ckpt = ckpt_state::running;
      lk.unlock();
      int backfilled = 0;
      passive_checkpoint(ckpt_conn.handle(), &backfilled);
      lk.lock();
      ckpt_backfilled = backfilled;
      ckpt = ckpt_state::finished;
      ckpt_cv.notify_all();  // a writer past the hard cap waits for this
    }
  }

  // Runs on the writer between batches (WAL mode only: wal_frames stays 0 otherwise). Every
  // opts.checkpoint_frames WAL pages the background checkpointer copies the WAL into the database
  // (the long part: reading the frames, writing the pages, an fsync of each file) while the
  // writer goes on committing. Once it finished, the writer itself checkpoints the few frames
  // committed meanwhile, so that the WAL is fully backfilled with no write in between and the next
  // transaction can restart it from the beginning (a WAL that is never fully checkpointed between
  // commits would grow without bound).
  void checkpoint_step() {
    bool start = false, catch_up = false;
    {
      std::unique_lock lk(ckpt_mu);
      const std::int64_t frames = opts.checkpoint_frames;
      const bool over_cap = wal_frames >= kHardCapRounds * frames;
      if (over_cap && (ckpt == ckpt_state::requested || ckpt == ckpt_state::running))
        ckpt_cv.wait(lk, [&] { return ckpt_stopping || ckpt == ckpt_state::finished; });
      if (ckpt == ckpt_state::idle) {
        start = wal_frames >= frames;
      } else if (ckpt == ckpt_state::finished) {
        catch_up = over_cap || wal_frames - ckpt_backfilled <= kCatchUpFrames;
        start = !catch_up;  // too many left over: another background round first
      } else {
        return;  // requested or running, below the cap (or the checkpointer is stopping)
      }
      ckpt = start ? ckpt_state::requested : ckpt_state::idle;
    }
    if (start) {
      ckpt_cv.notify_all();
    } else if (catch_up) {
      wal_frames = 0;
      passive_checkpoint(writer.handle());
    }
  }

  bool on_writer() const { return std::this_thread::get_id() == writer_id; }

  // ---- reads

  class lease {
   public:
    explicit lease(impl& p) : p_(p) {
      std::unique_lock lk(p_.pool_mu);
      p_.pool_cv.wait(lk, [&] { return !p_.free_readers.empty(); });
      c_ = p_.free_readers.back();
      p_.free_readers.pop_back();
    }
    ~lease() {
      {
        std::lock_guard lk(p_.pool_mu);
        p_.free_readers.push_back(c_);
      }
      p_.pool_cv.notify_one();
    }
    lease(const lease&) = delete;
    lease& operator=(const lease&) = delete;
    connection& operator*() const { return *c_; }

   private:
    impl& p_;
    connection* c_ = nullptr;
  };

  // ---- writes

  // false when the store is shutting down.
  bool enqueue(work&& w) {
    {
      std::unique_lock lk(q_mu);
      if (!on_writer()) q_space.wait(lk, [&] { return stopping || queue.size() < opts.max_queue; });
      if (stopping) return false;
      queue.push_back(std::move(w));
    }
    q_work.notify_one();
    return true;
  }

  // Runs `fn(writer)` on the writer thread and waits for its result.
  template <class F>
  auto write(F&& fn) -> decltype(fn(writer)) {
    using R = decltype(fn(writer));
    if (on_writer()) return fn(writer);
    std::promise<R> p;
    auto fut = p.get_future();
    work w;
    w.task = [&](connection& c) { p.set_value(fn(c)); };
    if (!enqueue(std::move(w))) return fail(errc::storage_failure);
    return fut.get();
  }

  void writer_loop() {
    std::deque<work> batch;
    for (;;) {
      {
        std::unique_lock lk(q_mu);
        q_work.wait(lk, [&] { return stopping || !queue.empty(); });
        if (queue.empty()) return;  // stopping and drained
        // Group commit: a commit costs the same few pages whether it carries one issuance or
        // fifty, so when work trickles in, wait a moment for companions (bounded: adds at most
        // coalesce_wait to a request's latency).
        if (!stopping && queue.size() < opts.coalesce_min && opts.coalesce_wait.count() > 0) {
          lk.unlock();
          std::this_thread::sleep_for(opts.coalesce_wait);
          lk.lock();
        }
        batch.swap(queue);
      }
      q_space.notify_all();
      process(batch);
      batch.clear();
      // Checkpoint after the batch's callbacks ran, so no answered request waits for it.
      checkpoint_step();
    }
  }

  // WAL frames written since the last checkpoint, reported by SQLite after each commit.
  int wal_frames = 0;
  static int on_wal_commit(void* self, sqlite3*, const char*, int frames) {
    static_cast<impl*>(self)->wal_frames = frames;
    return SQLITE_OK;
  }

  void process(std::deque<work>& items) {
    std::size_t i = 0;
    while (i < items.size()) {
      if (items[i].task) {
        items[i].task(writer);
        ++i;
        continue;
      }
      std::size_t j = i;
      while (j < items.size() && !items[j].task && j - i < opts.max_batch) ++j;
      commit_group(items, i, j);
      i = j;
    }
  }

  // Writes items [from, to) in one transaction, then reports to every `done`.
  //
  // Items with a companion first run without savepoints: every refusal a companion normally gives
  // (reused, family_revoked, not_found, a code that already has a family) is decided before the
  // item writes anything, so it needs no rollback. Only an item refused after it wrote (a unique
  // key collision on a random id: practically never) makes the whole batch roll back and run
  // again with a savepoint per item, which undoes exactly that item. Savepoints cost every item
  // a sub-journal copy of each page it touches, so the fast path is the common one.
  void commit_group(std::deque<work>& items, std::size_t from, std::size_t to) {
    std::vector<error_code> outcome(to - from);
    std::vector<ports::rotate_outcome> rotation(to - from, ports::rotate_outcome::rotated);
    error_code batch_error;
    for (bool savepoints : {false, true}) {
      std::fill(outcome.begin(), outcome.end(), error_code{});
      std::fill(rotation.begin(), rotation.end(), ports::rotate_outcome::rotated);
      batch_error = {};
      bool dirty_refusal = false;
      if (auto r = writer.exec("BEGIN IMMEDIATE", "record_issuance"); !r) batch_error = r.error();
      for (std::size_t k = from; k < to && !batch_error && !dirty_refusal; ++k) {
        const bool plain = items[k].companion.index() == 0;
        const auto changes_before = sqlite3_total_changes64(writer.handle());
        error_code ec = plain ? insert_one(items[k])
                              : insert_with_companion(items[k], rotation[k - from], savepoints);
        const bool refused = plain ? ec == errc::conflict
                                   : (ec == errc::conflict || ec == errc::not_found ||
                                      (!ec && rotation[k - from] != ports::rotate_outcome::rotated));
        // Refusals of one item (nothing of it stored); anything else fails the whole batch.
        if (refused) {
          if (!plain && !savepoints && sqlite3_total_changes64(writer.handle()) != changes_before)
            dirty_refusal = true;  // it wrote before it was refused: redo the batch with savepoints
          else if (ec)
            outcome[k - from] = ec;
        } else if (ec) {
          batch_error = ec;
        }
      }
      if (dirty_refusal) {
        (void)writer.exec("ROLLBACK", "record_issuance");
        continue;
      }
      if (!batch_error) {
        if (auto r = writer.exec("COMMIT", "record_issuance"); !r) batch_error = r.error();
      }
      break;
    }
    if (batch_error) {
      if (!sqlite3_get_autocommit(writer.handle())) (void)writer.exec("ROLLBACK", "record_issuance");
      batch_error = fail(errc::storage_failure);
    }
    for (std::size_t k = from; k < to; ++k) {
      auto& w = items[k];
      try {
        if (w.done) w.done(batch_error ? batch_error : outcome[k - from]);
        if (w.done_with) w.done_with(batch_error ? batch_error : outcome[k - from], rotation[k - from]);
      } catch (...) {
        log::error("storage.sqlite.done_threw");
      }
    }
  }

  // Runs one cached statement without results (SAVEPOINT / RELEASE / ROLLBACK TO).
  error_code step_sql(const char* sql) {
    auto st = writer.prepare(sql);
    if (!st) return st.error();
    if (auto r = run(*st, "record_issuance"); !r) return r.error();
    return {};
  }

  // The companion write, then the issuance and its audit event; with `savepoint`, under a
  // savepoint: an item the companion refuses (reused, family_revoked, not_found) or that
  // conflicts is rolled back to it, so nothing of it is stored and the rest of the batch is
  // unaffected. Without, the caller checks that a refused item wrote nothing (commit_group).
  // `o` gets the companion's outcome. Errors other than conflict / not_found fail the batch.
  error_code insert_with_companion(work& w, ports::rotate_outcome& o, bool savepoint) {
    if (savepoint) {
      if (auto ec = step_sql("SAVEPOINT issuance_item")) return ec;
    }
    error_code ec;
    o = ports::rotate_outcome::rotated;
    if (const auto* rot = std::get_if<ports::refresh_rotation>(&w.companion)) {
      auto r = rotate_on(writer, rot->old_hash, rot->next, w.iss.jti, rot->now);
      if (!r)
        ec = r.error();
      else
        o = *r;
    } else if (const auto* fc = std::get_if<ports::family_creation>(&w.companion)) {
      if (auto r = create_family_on(writer, fc->family, fc->first, w.iss.jti); !r) ec = r.error();
    }
    if (!ec && o == ports::rotate_outcome::rotated) ec = insert_one(w);
    if (!savepoint) return ec;
    if (ec || o != ports::rotate_outcome::rotated) {
      if (auto rb = step_sql("ROLLBACK TO issuance_item")) return rb;
    }
    if (auto rel = step_sql("RELEASE issuance_item")) return rel;
    return ec;
  }

  // conflict: the item's jti/id (or its audit id) exists, nothing of it was stored.
  error_code insert_one(work& w) {
    {
      auto st = writer.prepare(insert_issuance_sql);
      if (!st) return st.error();
      bind_issuance(*st, w.iss);
      if (auto r = run(*st, "record_issuance"); !r) return r.error();
    }
    if (w.ev.action.empty()) return {};
    sqlite3_int64 rowid = sqlite3_last_insert_rowid(writer.handle());
    auto r = insert_audit(writer, w.ev);
    if (r) return {};
    if (r.error() != errc::conflict) return r.error();
    // Undo this item's issuance so the item is all-or-nothing.
    auto del = writer.prepare("DELETE FROM issuances WHERE seq = ?");
    if (!del) return del.error();
    del->bind(1, static_cast<std::int64_t>(rowid));
    if (auto d = run(*del, "record_issuance"); !d) return d.error();
    return fail(errc::conflict);
  }
};

// ---- open / close ------------------------------------------------------------------------------

sqlite_store::sqlite_store(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

sqlite_store::~sqlite_store() { impl_->stop(); }

result<std::unique_ptr<sqlite_store>> sqlite_store::open(const options& opts) {
  if (opts.path.empty() || opts.path == ":memory:" || opts.path.rfind("file:", 0) == 0) {
    log::error("storage.sqlite.open_failed", {{"error", "a database file path is required"}});
    return fail(errc::storage_failure);
  }
  // No global allocation statistics: they put one mutex around every sqlite3_malloc in the
  // process (effective only before the library initializes; later calls are harmless no-ops).
  static const int memstatus_off = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)memstatus_off;
  auto p = std::make_unique<impl>();
  p->opts = opts;
  if (p->opts.max_batch == 0) p->opts.max_batch = 1;
  if (p->opts.checkpoint_frames == 0) p->opts.checkpoint_frames = 1;
  if (p->opts.max_queue == 0) p->opts.max_queue = 1;
  detail::connection_config wcfg{.wal = opts.wal, .busy_timeout_ms = opts.busy_timeout_ms, .writer = true};
  if (auto r = p->writer.open(opts.path, wcfg); !r) return r.error();
  if (auto r = detail::run_migrations(p->writer); !r) return r.error();
  // Savepoint rollback data (the sub-journal of each group-committed item with a companion) stays
  // in memory instead of a temp file written page by page: it only serves ROLLBACK TO within the
  // open transaction, never crash recovery, so durability is unchanged. Bounded by max_batch items.
  if (auto r = p->writer.exec("PRAGMA temp_store=MEMORY", "open"); !r) return r.error();
  // Replaces SQLite's automatic checkpoint: the writer thread checkpoints between batches.
  if (opts.wal) sqlite3_wal_hook(p->writer.handle(), &impl::on_wal_commit, p.get());

  unsigned n = std::max(1u, opts.reader_connections);
  detail::connection_config rcfg{.wal = opts.wal, .busy_timeout_ms = opts.busy_timeout_ms, .writer = false};
  for (unsigned i = 0; i < n; ++i) {
    auto c = std::make_unique<connection>();
    if (auto r = c->open(opts.path, rcfg); !r) return r.error();
    p->free_readers.push_back(c.get());
    p->readers.push_back(std::move(c));
  }
  impl* raw = p.get();
  if (opts.wal) {
    detail::connection_config ccfg{.wal = true, .busy_timeout_ms = opts.busy_timeout_ms, .checkpointer = true};
    if (auto r = p->ckpt_conn.open(opts.path, ccfg); !r) return r.error();
    p->ckpt_thread = std::thread([raw] {
      ::pthread_setname_np(::pthread_self(), "sqlite-ckpt");
      raw->checkpointer_loop();
    });
  }
  p->thread = std::thread([raw] {
    ::pthread_setname_np(::pthread_self(), "sqlite-writer");
    raw->writer_loop();
  });
  p->writer_id = p->thread.get_id();
  return std::unique_ptr<sqlite_store>(new sqlite_store(std::move(p)));
}

result<ports::change_versions> sqlite_store::versions() {
  impl::lease c(*impl_);
  auto st = (*c).prepare("SELECT name, version FROM change_counters");
  if (!st) return st.error();
  ports::change_versions v;
  int rc;
  while ((rc = st->step()) == SQLITE_ROW) {
    std::string name = st->text(0);
    if (name == "clients") v.clients = st->int64(1);
    else if (name == "resources") v.resources = st->int64(1);
    else if (name == "users") v.users = st->int64(1);
  }
  if (rc != SQLITE_DONE) return map_error(rc, "change_versions");
  return v;
}

result<int> sqlite_store::schema_version() {
  impl::lease c(*impl_);
  return detail::current_version(*c);
}

// ---- client_store -------------------------------------------------------------------------------

result<std::optional<domain::client>> sqlite_store::find_client(std::string_view id) {
  impl::lease c(*impl_);
  auto st = (*c).prepare(std::string("SELECT ") + client_cols + " FROM clients WHERE id = ?");
  if (!st) return st.error();
  st->bind(1, id);
  int rc = st->step();
  if (rc == SQLITE_DONE) return std::optional<domain::client>();
  if (rc != SQLITE_ROW) return map_error(rc, "find_client");
  auto cl = read_client(*st);
  if (!cl) return cl.error();
  return std::optional<domain::client>(std::move(*cl));
}

result<void> sqlite_store::create_client(const domain::client& cl) {
  client_lists lists(cl);
  return impl_->write([&](connection& c) -> result<void> {
    auto st = c.prepare(std::string("INSERT INTO clients (") + client_cols +
                        ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st) return st.error();
    st->bind(1, std::string_view(cl.id));
    bind_client_fields(*st, 2, cl, lists);
    st->bind(17, cl.version);
    return run(*st, "create_client");
  });
}

result<void> sqlite_store::update_client(const domain::client& cl) {
  client_lists lists(cl);
  return impl_->write([&](connection& c) -> result<void> {
    {
      auto st = c.prepare(
          "UPDATE clients SET name = ?, redirect_uris = ?, grant_types = ?, response_types = ?, "
          "token_endpoint_auth_method = ?, secret_hash = ?, scope = ?, status = ?, registration_source = ?, "
          "cimd_url = ?, is_agent = ?, agent_description = ?, application_type = ?, issued_at = ?, updated_at = ?, "
          "version = version + 1 WHERE id = ? AND version = ?");
      if (!st) return st.error();
      bind_client_fields(*st, 1, cl, lists);
      st->bind(16, std::string_view(cl.id));
      st->bind(17, cl.version);
      if (auto r = run(*st, "update_client"); !r) return r;
      if (st->changes() > 0) return {};
    }
    auto found = exists(c, "SELECT 1 FROM clients WHERE id = ?", cl.id);
    if (!found) return found.error();
    return fail(*found == presence::present ? errc::conflict : errc::not_found);
  });
}

result<std::vector<domain::client>> sqlite_store::list_clients(std::string_view status, std::string_view source,
                                                               ports::list_page page) {
  std::string sql = std::string("SELECT ") + client_cols + " FROM clients WHERE 1 = 1";
  if (!status.empty()) sql += " AND status = ?";
  if (!source.empty()) sql += " AND registration_source = ?";
  sql += " ORDER BY issued_at DESC, id ASC LIMIT ? OFFSET ?";
  impl::lease c(*impl_);
  auto st = (*c).prepare(sql);
  if (!st) return st.error();
  int i = 1;
  if (!status.empty()) st->bind(i++, status);
  if (!source.empty()) st->bind(i++, source);
  st->bind(i++, clamp64(page.limit));
  st->bind(i++, clamp64(page.offset));
  std::vector<domain::client> out;
  for (;;) {
    int rc = st->step();
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return map_error(rc, "list_clients");
    auto cl = read_client(*st);
    if (!cl) return cl.error();
    out.push_back(std::move(*cl));
  }
  return out;
}

result<void> sqlite_store::delete_client(std::string_view id) {
  return impl_->write([&](connection& c) -> result<void> {
    return detail::in_transaction<void>(c, "delete_client", [&]() -> result<void> {
      {
        auto st = c.prepare("DELETE FROM issuances WHERE client_id = ?");
        if (!st) return st.error();
        st->bind(1, id);
        if (auto r = run(*st, "delete_client"); !r) return r;
      }
      auto st = c.prepare("DELETE FROM clients WHERE id = ?");
      if (!st) return st.error();
      st->bind(1, id);
      if (auto r = run(*st, "delete_client"); !r) return r;
      if (st->changes() == 0) return fail(errc::not_found);
      return {};
    });
  });
}

// ---- resource_store -----------------------------------------------------------------------------

namespace {
result<std::vector<domain::resource>> collect_resources(statement& st, std::string_view op) {
  std::vector<domain::resource> out;
  for (;;) {
    int rc = st.step();
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return map_error(rc, op);
    auto r = read_resource(st);
    if (!r) return r.error();
    out.push_back(std::move(*r));
  }
  return out;
}

result<std::optional<domain::resource>> find_one_resource(connection& c, const char* where, std::string_view key) {
  auto st = c.prepare(std::string("SELECT ") + resource_cols + " FROM resources WHERE " + where);
  if (!st) return st.error();
  st->bind(1, key);
  auto all = collect_resources(*st, "find_resource");
  if (!all) return all.error();
  if (all->empty()) return std::optional<domain::resource>();
  return std::optional<domain::resource>(std::move(all->front()));
}
}  // namespace

result<std::optional<domain::resource>> sqlite_store::find_resource_by_id(std::string_view id) {
  impl::lease c(*impl_);
  return find_one_resource(*c, "id = ?", id);
}

result<std::optional<domain::resource>> sqlite_store::find_resource_by_slug(std::string_view slug) {
  impl::lease c(*impl_);
  return find_one_resource(*c, "slug = ?", slug);
}

result<std::vector<domain::resource>> sqlite_store::find_resources_by_uri(std::string_view uri) {
  impl::lease c(*impl_);
  auto st = (*c).prepare(std::string("SELECT ") + resource_cols + " FROM resources WHERE uri = ? ORDER BY slug");
  if (!st) return st.error();
  st->bind(1, uri);
  return collect_resources(*st, "find_resources_by_uri");
}

result<void> sqlite_store::create_resource(const domain::resource& r) {
  resource_lists lists(r);
  return impl_->write([&](connection& c) -> result<void> {
    auto st = c.prepare(std::string("INSERT INTO resources (") + resource_cols +
                        ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st) return st.error();
    st->bind(1, std::string_view(r.id));
    bind_resource_fields(*st, 2, r, lists);
    st->bind(11, r.created_at);
    st->bind(12, r.updated_at);
    return run(*st, "create_resource");
  });
}

result<void> sqlite_store::update_resource(const domain::resource& r) {
  resource_lists lists(r);
  return impl_->write([&](connection& c) -> result<void> {
    auto st = c.prepare(
        "UPDATE resources SET slug = ?, uri = ?, backend_kind = ?, broker_provider_id = ?, display_name = ?, "
        "scopes = ?, exchange_allowed_client_ids = ?, runtime_client_ids = ?, connect_allowed_return_urls = ?, "
        "updated_at = ? WHERE id = ?");
    if (!st) return st.error();
    bind_resource_fields(*st, 1, r, lists);
    st->bind(10, r.updated_at);
    st->bind(11, std::string_view(r.id));
    if (auto res = run(*st, "update_resource"); !res) return res;
    if (st->changes() == 0) return fail(errc::not_found);
    return {};
  });
}

result<void> sqlite_store::delete_resource(std::string_view id) {
  return impl_->write([&](connection& c) -> result<void> {
    auto st = c.prepare("DELETE FROM resources WHERE id = ?");
    if (!st) return st.error();
    st->bind(1, id);
    if (auto r = run(*st, "delete_resource"); !r) return r;
    if (st->changes() == 0) return fail(errc::not_found);
    return {};
  });
}

result<std::vector<domain::resource>> sqlite_store::list_resources(ports::list_page page) {
  impl::lease c(*impl_);
  auto st = (*c).prepare(std::string("SELECT ") + resource_cols + " FROM resources ORDER BY slug LIMIT ? OFFSET ?");
  if (!st) return st.error();
  st->bind(1, clamp64(page.limit));
  st->bind(2, clamp64(page.offset));
  return collect_resources(*st, "list_resources");
}

// ---- issuance_store -----------------------------------------------------------------------------

void sqlite_store::record_issuance(domain::issuance iss, domain::audit_event ev,
                                   std::function<void(boost::system::error_code)> done) {
  if (iss.id.empty()) iss.id = random_token(16);
  if (!ev.action.empty()) complete(ev);
  impl::work w;
  w.iss = std::move(iss);
  w.ev = std::move(ev);
  w.done = std::move(done);
  // On refusal `w` was not moved from (enqueue moves only on success).
  if (!impl_->enqueue(std::move(w)) && w.done) w.done(fail(errc::storage_failure));
}

void sqlite_store::record_issuance_with(domain::issuance iss, domain::audit_event ev,
                                        ports::issuance_companion companion,
                                        std::function<void(boost::system::error_code, ports::rotate_outcome)> done) {
  if (iss.id.empty()) iss.id = random_token(16);
  if (!ev.action.empty()) complete(ev);
  impl::work w;
  w.iss = std::move(iss);
  w.ev = std::move(ev);
  w.companion = std::move(companion);
  w.done_with = std::move(done);
  if (!impl_->enqueue(std::move(w)) && w.done_with)
    w.done_with(fail(errc::storage_failure), ports::rotate_outcome::rotated);
}

result<std::optional<domain::issuance>> sqlite_store::find_issuance_by_jti(std::string_view jti) {
  impl::lease c(*impl_);
  auto st = (*c).prepare(std::string("SELECT ") + issuance_cols + " FROM issuances WHERE jti = ?");
  if (!st) return st.error();
  st->bind(1, jti);
  int rc = st->step();
  if (rc == SQLITE_DONE) return std::optional<domain::issuance>();
  if (rc != SQLITE_ROW) return map_error(rc, "find_issuance_by_jti");
  return std::optional<domain::issuance>(read_issuance(*st));
}

result<void> sqlite_store::revoke_issuance(std::string_view jti, std::int64_t at) {
  return impl_->write([&](connection& c) -> result<void> {
    {
      auto st = c.prepare("UPDATE issuances SET revoked_at = ? WHERE jti = ? AND revoked_at IS NULL");
      if (!st) return st.error();
      st->bind(1, at);
      st->bind(2, jti);
      if (auto r = run(*st, "revoke_issuance"); !r) return r;
      if (st->changes() > 0) return {};
    }
    auto found = exists(c, "SELECT 1 FROM issuances WHERE jti = ?", jti);
    if (!found) return found.error();
    if (*found == presence::absent) return fail(errc::not_found);
    return {};  // already revoked: keeps its first time
  });
}

result<std::size_t> sqlite_store::revoke_client_issuances(std::string_view client_id, std::int64_t at) {
  return impl_->write([&](connection& c) -> result<std::size_t> {
    auto st = c.prepare("UPDATE issuances SET revoked_at = ? WHERE client_id = ? AND revoked_at IS NULL");
    if (!st) return st.error();
    st->bind(1, at);
    st->bind(2, client_id);
    if (auto r = run(*st, "revoke_client_issuances"); !r) return r.error();
    return static_cast<std::size_t>(st->changes());
  });
}

result<std::vector<domain::issuance>> sqlite_store::list_issuances(const ports::issuance_filter& f,
                                                                   ports::list_page page) {
  std::string sql = std::string("SELECT ") + issuance_cols + " FROM issuances WHERE 1 = 1";
  if (!f.client_id.empty()) sql += " AND client_id = ?";
  if (!f.user_id.empty()) sql += " AND subject_user_id = ?";
  if (!f.jti.empty()) sql += " AND jti = ?";
  if (!f.resource_id.empty()) sql += " AND resource_id = ?";
  if (f.active_only) sql += " AND revoked_at IS NULL AND expires_at > ?";
  sql += " ORDER BY issued_at DESC, seq DESC LIMIT ? OFFSET ?";
  impl::lease c(*impl_);
  auto st = (*c).prepare(sql);
  if (!st) return st.error();
  int i = 1;
  if (!f.client_id.empty()) st->bind(i++, std::string_view(f.client_id));
  if (!f.user_id.empty()) st->bind(i++, std::string_view(f.user_id));
  if (!f.jti.empty()) st->bind(i++, std::string_view(f.jti));
  if (!f.resource_id.empty()) st->bind(i++, std::string_view(f.resource_id));
  if (f.active_only) st->bind(i++, f.now);
  st->bind(i++, clamp64(page.limit));
  st->bind(i++, clamp64(page.offset));
  std::vector<domain::issuance> out;
  for (;;) {
    int rc = st->step();
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return map_error(rc, "list_issuances");
    out.push_back(read_issuance(*st));
  }
  return out;
}

result<std::size_t> sqlite_store::count_active_issuances(std::string_view client_id, std::int64_t now) {
  impl::lease c(*impl_);
  auto st = (*c).prepare(
      "SELECT COUNT(*) FROM issuances WHERE client_id = ? AND revoked_at IS NULL AND expires_at > ?");
  if (!st) return st.error();
  st->bind(1, client_id);
  st->bind(2, now);
  int rc = st->step();
  if (rc != SQLITE_ROW) return map_error(rc, "count_active_issuances");
  return static_cast<std::size_t>(st->int64(0));
}

// ---- user_store ---------------------------------------------------------------------------------

namespace {
constexpr const char* user_cols =
    "id, email, name, password_hash, role, status, provider, provider_sub, created_at, updated_at, "
    "session_generation, version";

domain::user read_user(const statement& st) {
  domain::user u;
  u.id = st.text(0);
  u.email = st.text(1);  // NULL reads as ""
  u.name = st.text(2);
  u.password_hash = st.text(3);
  u.role = st.text(4);
  u.status = st.text(5);
  u.provider = st.text(6);
  u.provider_sub = st.text(7);
  u.created_at = st.int64(8);
  u.updated_at = st.int64(9);
  u.session_generation = st.int64(10);
  u.version = st.int64(11);
  return u;
}

// email .. session_generation (10 parameters) starting at `first`. An empty email is stored as
// NULL so that many federated users without one do not collide on the unique index.
void bind_user_fields(statement& st, int first, const domain::user& u) {
  int i = first;
  if (u.email.empty()) st.bind_null(i++);
  else st.bind(i++, std::string_view(u.email));
  st.bind(i++, std::string_view(u.name));
  st.bind(i++, std::string_view(u.password_hash));
  st.bind(i++, std::string_view(u.role));
  st.bind(i++, std::string_view(u.status));
  st.bind(i++, std::string_view(u.provider));
  st.bind(i++, std::string_view(u.provider_sub));
  st.bind(i++, u.created_at);
  st.bind(i++, u.updated_at);
  st.bind(i++, u.session_generation);
}

result<std::optional<domain::user>> find_one_user(connection& c, const char* where, std::string_view key) {
  auto st = c.prepare(std::string("SELECT ") + user_cols + " FROM users WHERE " + where);
  if (!st) return st.error();
  st->bind(1, key);
  int rc = st->step();
  if (rc == SQLITE_DONE) return std::optional<domain::user>();
  if (rc != SQLITE_ROW) return map_error(rc, "find_user");
  return std::optional<domain::user>(read_user(*st));
}
}  // namespace

result<std::optional<domain::user>> sqlite_store::find_user(std::string_view id) {
  impl::lease c(*impl_);
  return find_one_user(*c, "id = ?", id);
}

result<std::optional<domain::user>> sqlite_store::find_user_by_email(std::string_view email) {
  if (email.empty()) return std::optional<domain::user>();
  impl::lease c(*impl_);
  return find_one_user(*c, "email = ?", email);  // the column's NOCASE collation applies
}

result<void> sqlite_store::create_user(const domain::user& u) {
  return impl_->write([&](connection& c) -> result<void> {
    auto st = c.prepare(std::string("INSERT INTO users (") + user_cols +
                        ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st) return st.error();
    st->bind(1, std::string_view(u.id));
    bind_user_fields(*st, 2, u);
    st->bind(12, u.version);
    return run(*st, "create_user");
  });
}

result<void> sqlite_store::update_user(const domain::user& u) {
  return impl_->write([&](connection& c) -> result<void> {
    {
      auto st = c.prepare(
          "UPDATE users SET email = ?, name = ?, password_hash = ?, role = ?, status = ?, provider = ?, "
          "provider_sub = ?, created_at = ?, updated_at = ?, session_generation = ?, version = version + 1 "
          "WHERE id = ? AND version = ?");
      if (!st) return st.error();
      bind_user_fields(*st, 1, u);
      st->bind(11, std::string_view(u.id));
      st->bind(12, u.version);
      if (auto r = run(*st, "update_user"); !r) return r;  // a taken email maps to conflict
      if (st->changes() > 0) return {};
    }
    auto found = exists(c, "SELECT 1 FROM users WHERE id = ?", u.id);
    if (!found) return found.error();
    return fail(*found == presence::present ? errc::conflict : errc::not_found);
  });
}

result<std::vector<domain::user>> sqlite_store::list_users(const ports::user_filter& f, ports::list_page page) {
  std::string sql = std::string("SELECT ") + user_cols + " FROM users WHERE 1 = 1";
  if (!f.status.empty()) sql += " AND status = ?";
  if (!f.role.empty()) sql += " AND role = ?";
  sql += " ORDER BY created_at DESC, id ASC LIMIT ? OFFSET ?";
  impl::lease c(*impl_);
  auto st = (*c).prepare(sql);
  if (!st) return st.error();
  int i = 1;
  if (!f.status.empty()) st->bind(i++, std::string_view(f.status));
  if (!f.role.empty()) st->bind(i++, std::string_view(f.role));
  st->bind(i++, clamp64(page.limit));
  st->bind(i++, clamp64(page.offset));
  std::vector<domain::user> out;
  for (;;) {
    int rc = st->step();
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return map_error(rc, "list_users");
    out.push_back(read_user(*st));
  }
  return out;
}

result<void> sqlite_store::delete_user(std::string_view id) {
  return impl_->write([&](connection& c) -> result<void> {
    auto st = c.prepare("DELETE FROM users WHERE id = ?");
    if (!st) return st.error();
    st->bind(1, id);
    if (auto r = run(*st, "delete_user"); !r) return r;
    if (st->changes() == 0) return fail(errc::not_found);
    return {};
  });
}

result<std::size_t> sqlite_store::count_active_user_tokens(std::string_view user_id, std::int64_t now) {
  impl::lease c(*impl_);
  auto st = (*c).prepare(
      "SELECT COUNT(*) FROM issuances WHERE subject_user_id = ? AND subject_user_id <> '' AND revoked_at IS NULL "
      "AND expires_at > ?");
  if (!st) return st.error();
  st->bind(1, user_id);
  st->bind(2, now);
  int rc = st->step();
  if (rc != SQLITE_ROW) return map_error(rc, "count_active_user_tokens");
  return static_cast<std::size_t>(st->int64(0));
}

result<std::size_t> sqlite_store::end_user_sessions(std::string_view user_id, std::int64_t at) {
  return impl_->write([&](connection& c) -> result<std::size_t> {
    return detail::in_transaction<std::size_t>(c, "end_user_sessions", [&]() -> result<std::size_t> {
      {
        auto st = c.prepare(
            "UPDATE users SET session_generation = session_generation + 1, version = version + 1, updated_at = ? "
            "WHERE id = ?");
        if (!st) return st.error();
        st->bind(1, at);
        st->bind(2, user_id);
        if (auto r = run(*st, "end_user_sessions"); !r) return r.error();
        if (st->changes() == 0) return fail(errc::not_found);
      }
      // The repeated `<> ''` lets SQLite use the partial index issuances_subject_idx.
      auto st = c.prepare(
          "UPDATE issuances SET revoked_at = ? WHERE subject_user_id = ? AND subject_user_id <> '' "
          "AND revoked_at IS NULL");
      if (!st) return st.error();
      st->bind(1, at);
      st->bind(2, user_id);
      if (auto r = run(*st, "end_user_sessions"); !r) return r.error();
      return static_cast<std::size_t>(st->changes());
    });
  });
}

// ---- audit_store --------------------------------------------------------------------------------

result<void> sqlite_store::append_audit(const domain::audit_event& ev) {
  domain::audit_event e = ev;
  complete(e);
  return impl_->write([&](connection& c) { return insert_audit(c, e); });
}

result<std::vector<domain::audit_event>> sqlite_store::query_audit(const ports::audit_query& q) {
  std::string sql = std::string("SELECT ") + audit_cols + " FROM audit_events WHERE created_at >= ?";
  if (q.until != 0) sql += " AND created_at <= ?";
  if (!q.action.empty()) sql += " AND action = ?";
  if (!q.actor_id.empty()) sql += " AND actor_id = ?";
  if (!q.client_id.empty()) sql += " AND client_id = ?";
  sql += " ORDER BY created_at DESC, seq DESC LIMIT ? OFFSET ?";
  impl::lease c(*impl_);
  auto st = (*c).prepare(sql);
  if (!st) return st.error();
  int i = 1;
  st->bind(i++, q.since);
  if (q.until != 0) st->bind(i++, q.until);
  if (!q.action.empty()) st->bind(i++, std::string_view(q.action));
  if (!q.actor_id.empty()) st->bind(i++, std::string_view(q.actor_id));
  if (!q.client_id.empty()) st->bind(i++, std::string_view(q.client_id));
  st->bind(i++, clamp64(q.limit));
  st->bind(i++, clamp64(q.offset));
  std::vector<domain::audit_event> out;
  for (;;) {
    int rc = st->step();
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return map_error(rc, "query_audit");
    out.push_back(read_audit(*st));
  }
  return out;
}

// ---- settings_store -----------------------------------------------------------------------------

result<std::optional<std::string>> sqlite_store::get_setting(std::string_view key) {
  impl::lease c(*impl_);
  auto st = (*c).prepare("SELECT value FROM runtime_settings WHERE key = ?");
  if (!st) return st.error();
  st->bind(1, key);
  int rc = st->step();
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  if (rc != SQLITE_ROW) return map_error(rc, "get_setting");
  return std::optional<std::string>(st->text(0));
}

result<void> sqlite_store::put_setting(std::string_view key, std::string_view value) {
  auto now = static_cast<std::int64_t>(std::time(nullptr));
  return impl_->write([&](connection& c) -> result<void> {
    auto st = c.prepare(
        "INSERT INTO runtime_settings (key, value, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at");
    if (!st) return st.error();
    st->bind(1, key);
    st->bind(2, value);
    st->bind(3, now);
    return run(*st, "put_setting");
  });
}

// ---- consent_store ------------------------------------------------------------------------------

namespace {
result<std::optional<domain::consent_grant>> find_one_consent(connection& c, std::string_view user_id,
                                                              std::string_view client_id, std::string_view resource,
                                                              bool include_revoked) {
  auto st = c.prepare(std::string("SELECT id, user_id, client_id, resource, scopes, created_at, updated_at, revoked_at "
                                  "FROM consent_grants WHERE user_id = ? AND client_id = ? AND resource = ?") +
                      (include_revoked ? "" : " AND revoked_at IS NULL"));
  if (!st) return st.error();
  st->bind(1, user_id);
  st->bind(2, client_id);
  st->bind(3, resource);
  int rc = st->step();
  if (rc == SQLITE_DONE) return std::optional<domain::consent_grant>();
  if (rc != SQLITE_ROW) return map_error(rc, "find_consent");
  domain::consent_grant g;
  g.id = st->text(0);
  g.user_id = st->text(1);
  g.client_id = st->text(2);
  g.resource = st->text(3);
  g.scopes = st->text(4);
  g.created_at = st->int64(5);
  g.updated_at = st->int64(6);
  if (!st->is_null(7)) g.revoked_at = st->int64(7);
  return std::optional<domain::consent_grant>(std::move(g));
}
}  // namespace

result<std::optional<domain::consent_grant>> sqlite_store::find_consent(std::string_view user_id,
                                                                        std::string_view client_id,
                                                                        std::string_view resource) {
  impl::lease c(*impl_);
  return find_one_consent(*c, user_id, client_id, resource, false);
}

result<domain::consent_grant> sqlite_store::upsert_consent(const domain::consent_grant& g) {
  return impl_->write([&](connection& c) -> result<domain::consent_grant> {
    auto st = c.prepare(
        "INSERT INTO consent_grants (id, user_id, client_id, resource, scopes, created_at, updated_at, revoked_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, NULL) ON CONFLICT (user_id, client_id, resource) DO UPDATE SET "
        "scopes = excluded.scopes, updated_at = excluded.updated_at, revoked_at = NULL");
    if (!st) return st.error();
    st->bind(1, std::string_view(g.id));
    st->bind(2, std::string_view(g.user_id));
    st->bind(3, std::string_view(g.client_id));
    st->bind(4, std::string_view(g.resource));
    st->bind(5, std::string_view(g.scopes));
    st->bind(6, g.created_at);
    st->bind(7, g.updated_at);
    if (auto r = run(*st, "upsert_consent"); !r) return r.error();
    auto back = find_one_consent(c, g.user_id, g.client_id, g.resource, false);
    if (!back) return back.error();
    if (!*back) return fail(errc::storage_failure);
    return std::move(**back);
  });
}

// ---- health_store -------------------------------------------------------------------------------

result<void> sqlite_store::ping() {
  impl::lease c(*impl_);
  auto st = (*c).prepare("SELECT 1");
  if (!st) return st.error();
  int rc = st->step();
  if (rc != SQLITE_ROW) return map_error(rc, "ping");
  return {};
}

result<ports::store_stats> sqlite_store::stats(std::int64_t now) {
  impl::lease c(*impl_);
  // One statement, so one read snapshot for all four numbers.
  auto st = (*c).prepare(
      "SELECT (SELECT COUNT(*) FROM clients), (SELECT COUNT(*) FROM users), "
      "(SELECT COUNT(*) FROM issuances WHERE issued_at >= ? AND revoked_at IS NULL AND expires_at > ?), "
      "(SELECT COUNT(*) FROM issuances WHERE revoked_at IS NOT NULL)");
  if (!st) return st.error();
  st->bind(1, now - 86400);
  st->bind(2, now);
  int rc = st->step();
  if (rc != SQLITE_ROW) return map_error(rc, "stats");
  ports::store_stats s;
  s.clients = st->int64(0);
  s.users = st->int64(1);
  s.active_tokens_24h = st->int64(2);
  s.revoked_tokens = st->int64(3);
  return s;
}

// ---- code_store, refresh_store (migration 0005) -----------------------------------------------

namespace {

constexpr const char* family_cols =
    "id, client_id, user_id, scope, resource, resource_id, dpop_jkt, code_hash, consent_grant_id, created_at, "
    "revoked_at";

ports::refresh_family read_family(const statement& st, int first) {
  ports::refresh_family f;
  f.id = st.text(first);
  f.client_id = st.text(first + 1);
  f.user_id = st.text(first + 2);
  f.scope = st.text(first + 3);
  f.resource = st.text(first + 4);
  f.resource_id = st.text(first + 5);
  f.dpop_jkt = st.text(first + 6);
  f.code_hash = st.text(first + 7);
  f.consent_grant_id = st.text(first + 8);
  f.created_at = st.int64(first + 9);
  if (!st.is_null(first + 10)) f.revoked_at = st.int64(first + 10);
  return f;
}

std::optional<std::int64_t> opt_int(const statement& st, int col) {
  if (st.is_null(col)) return std::nullopt;
  return st.int64(col);
}

// `access_jti`: the access token minted with this token by a rotation ('' for a family's first).
result<void> insert_refresh(connection& c, const ports::refresh_token_row& t, std::string_view access_jti) {
  auto st = c.prepare(
      "INSERT INTO refresh_tokens (token_hash, family_id, created_at, expires_at, consumed_at, access_jti) "
      "VALUES (?, ?, ?, ?, NULL, ?)");
  if (!st) return st.error();
  st->bind(1, t.token_hash);
  st->bind(2, t.family_id);
  st->bind(3, t.created_at);
  st->bind(4, t.expires_at);
  st->bind(5, access_jti);
  return run(*st, "insert_refresh");
}

result<void> link_access(connection& c, std::string_view jti, std::string_view family_id) {
  if (jti.empty()) return {};
  auto st = c.prepare("INSERT INTO family_access_tokens (jti, family_id) VALUES (?, ?)");
  if (!st) return st.error();
  st->bind(1, jti);
  st->bind(2, family_id);
  return run(*st, "link_access");
}

// Revokes the issuance with this jti unless it is already revoked: 1 when it did.
result<std::size_t> revoke_jti_on(connection& c, std::string_view jti, std::int64_t now) {
  if (jti.empty()) return std::size_t{0};
  auto st = c.prepare("UPDATE issuances SET revoked_at = ? WHERE jti = ? AND revoked_at IS NULL");
  if (!st) return st.error();
  st->bind(1, now);
  st->bind(2, jti);
  if (auto r = run(*st, "revoke_family"); !r) return r.error();
  return static_cast<std::size_t>(st->changes());
}

// Marks the family revoked (first time kept) and revokes its access tokens' issuances: the code
// redemption's (first_jti), then each rotation's, walking the token chain from first_token along
// successor (migration 0006), then the family's links from before that migration (legacy).
// Returns how many issuances it revoked now.
result<std::size_t> revoke_family_on(connection& c, std::string_view family_id, std::int64_t now,
                                     std::string_view reason) {
  {
    auto st = c.prepare("UPDATE refresh_families SET revoked_at = ?, revoke_reason = ? WHERE id = ? AND revoked_at IS NULL");
    if (!st) return st.error();
    st->bind(1, now);
    st->bind(2, reason);
    st->bind(3, family_id);
    if (auto r = run(*st, "revoke_family"); !r) return r.error();
  }
  std::string token, jti;
  {
    auto st = c.prepare("SELECT first_token, first_jti FROM refresh_families WHERE id = ?");
    if (!st) return st.error();
    st->bind(1, family_id);
    int rc = st->step();
    if (rc == SQLITE_DONE) return std::size_t{0};
    if (rc != SQLITE_ROW) return map_error(rc, "revoke_family");
    token = st->text(0);
    jti = st->text(1);
  }
  auto first = revoke_jti_on(c, jti, now);
  if (!first) return first.error();
  std::size_t revoked = *first;
  error_code failed;
  auto walked = detail::walk_chain(c, family_id, std::move(token), [&](const detail::chain_link& l) {
    auto n = revoke_jti_on(c, l.access_jti, now);
    if (!n) failed = n.error();
    else revoked += *n;
    return !failed;
  });
  if (!walked) return walked.error();
  if (failed) return failed;
  auto st = c.prepare(
      "UPDATE issuances SET revoked_at = ? WHERE revoked_at IS NULL AND jti IN "
      "(SELECT jti FROM family_access_tokens WHERE family_id = ? AND legacy = 1)");
  if (!st) return st.error();
  st->bind(1, now);
  st->bind(2, family_id);
  if (auto r = run(*st, "revoke_family"); !r) return r.error();
  return revoked + static_cast<std::size_t>(st->changes());
}

}  // namespace

result<void> sqlite_store::put_code(const ports::stored_code& c) {
  return impl_->write([&](connection& w) -> result<void> {
    auto st = w.prepare(
        "INSERT INTO authorization_codes (code_hash, client_id, user_id, redirect_uri, code_challenge, scope, resource, "
        "consent_grant_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st) return st.error();
    st->bind(1, c.code_hash);
    st->bind(2, c.grant.client_id);
    st->bind(3, c.grant.user_id);
    st->bind(4, c.grant.redirect_uri);
    st->bind(5, c.grant.code_challenge);
    st->bind(6, c.grant.scope);
    st->bind(7, c.grant.resource);
    st->bind(8, c.grant.consent_grant_id);
    st->bind(9, c.created_at);
    st->bind(10, c.expires_at);
    return run(*st, "put_code");
  });
}

result<std::optional<ports::stored_code>> sqlite_store::consume_code(std::string_view code_hash, std::int64_t now) {
  using out_t = std::optional<ports::stored_code>;
  // Runs on the single writer thread inside one transaction: of two concurrent redemptions
  // exactly one sees consumed_at unset.
  return impl_->write([&](connection& w) -> result<out_t> {
    return detail::in_transaction<out_t>(w, "consume_code", [&]() -> result<out_t> {
      ports::stored_code c;
      {
        auto st = w.prepare(
            "SELECT code_hash, client_id, user_id, redirect_uri, code_challenge, scope, resource, consent_grant_id, "
            "created_at, expires_at, consumed_at, family_id FROM authorization_codes WHERE code_hash = ?");
        if (!st) return st.error();
        st->bind(1, code_hash);
        int rc = st->step();
        if (rc == SQLITE_DONE) return out_t();
        if (rc != SQLITE_ROW) return map_error(rc, "consume_code");
        c.code_hash = st->text(0);
        c.grant.client_id = st->text(1);
        c.grant.user_id = st->text(2);
        c.grant.redirect_uri = st->text(3);
        c.grant.code_challenge = st->text(4);
        c.grant.scope = st->text(5);
        c.grant.resource = st->text(6);
        c.grant.consent_grant_id = st->text(7);
        c.created_at = st->int64(8);
        c.expires_at = st->int64(9);
        c.consumed_at = opt_int(*st, 10);
        c.family_id = st->text(11);
      }
      if (!c.consumed_at) {
        auto st = w.prepare("UPDATE authorization_codes SET consumed_at = ? WHERE code_hash = ? AND consumed_at IS NULL");
        if (!st) return st.error();
        st->bind(1, now);
        st->bind(2, code_hash);
        if (auto r = run(*st, "consume_code"); !r) return r.error();
      }
      return out_t(std::move(c));
    });
  });
}

namespace {
result<void> create_family_on(connection& w, const ports::refresh_family& f, const ports::refresh_token_row& first,
                              std::string_view access_jti) {
  std::optional<std::int64_t> replayed;
  if (!f.code_hash.empty()) {
    {
      auto st = w.prepare("SELECT replayed_at FROM authorization_codes WHERE code_hash = ?");
      if (!st) return st.error();
      st->bind(1, f.code_hash);
      int rc = st->step();
      if (rc == SQLITE_ROW) replayed = opt_int(*st, 0);
      else if (rc != SQLITE_DONE) return map_error(rc, "create_family");
    }
    auto st = w.prepare("UPDATE authorization_codes SET family_id = ? WHERE code_hash = ? AND family_id = ''");
    if (!st) return st.error();
    st->bind(1, f.id);
    st->bind(2, f.code_hash);
    if (auto r = run(*st, "create_family"); !r) return r;
    if (st->changes() == 0) return fail(errc::conflict);  // the code already has a family
  }
  {
    auto st = w.prepare(
        "INSERT INTO refresh_families (id, client_id, user_id, scope, resource, resource_id, dpop_jkt, code_hash, "
        "consent_grant_id, created_at, revoked_at, revoke_reason, first_token, first_jti) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st) return st.error();
    st->bind(1, f.id);
    st->bind(2, f.client_id);
    st->bind(3, f.user_id);
    st->bind(4, f.scope);
    st->bind(5, f.resource);
    st->bind(6, f.resource_id);
    st->bind(7, f.dpop_jkt);
    st->bind(8, f.code_hash);
    st->bind(9, f.consent_grant_id);
    st->bind(10, f.created_at);
    st->bind(11, replayed);  // replayed while in flight: born revoked
    st->bind(12, std::string_view(replayed ? "code_replay" : ""));
    st->bind(13, first.token_hash);
    st->bind(14, access_jti);
    if (auto r = run(*st, "create_family"); !r) return r;
  }
  if (!first.token_hash.empty()) {
    if (auto r = insert_refresh(w, first, ""); !r) return r;
  }
  return link_access(w, access_jti, f.id);
}
}  // namespace

result<void> sqlite_store::create_family(const ports::refresh_family& f, const ports::refresh_token_row& first,
                                         std::string_view access_jti) {
  return impl_->write([&](connection& w) -> result<void> {
    return detail::in_transaction<void>(w, "create_family", [&]() { return create_family_on(w, f, first, access_jti); });
  });
}

result<std::optional<ports::refresh_lookup>> sqlite_store::find_refresh(std::string_view token_hash) {
  impl::lease c(*impl_);
  auto st = (*c).prepare(std::string("SELECT t.token_hash, t.family_id, t.created_at, t.expires_at, t.consumed_at, ") +
                         "f.id, f.client_id, f.user_id, f.scope, f.resource, f.resource_id, f.dpop_jkt, f.code_hash, "
                         "f.consent_grant_id, f.created_at, f.revoked_at FROM refresh_tokens t JOIN refresh_families f "
                         "ON f.id = t.family_id WHERE t.token_hash = ?");
  if (!st) return st.error();
  st->bind(1, token_hash);
  int rc = st->step();
  if (rc == SQLITE_DONE) return std::optional<ports::refresh_lookup>();
  if (rc != SQLITE_ROW) return map_error(rc, "find_refresh");
  ports::refresh_lookup out;
  out.token.token_hash = st->text(0);
  out.token.family_id = st->text(1);
  out.token.created_at = st->int64(2);
  out.token.expires_at = st->int64(3);
  out.token.consumed_at = opt_int(*st, 4);
  out.family = read_family(*st, 5);
  return std::optional<ports::refresh_lookup>(std::move(out));
}

namespace {
result<ports::rotate_outcome> rotate_on(connection& w, std::string_view old_hash, const ports::refresh_token_row& next,
                                        std::string_view access_jti, std::int64_t now) {
  using ports::rotate_outcome;
  std::optional<std::int64_t> consumed, revoked;
  bool chain_started = false, user_active = false, expired = false;
  {
    auto st = w.prepare(
        "SELECT t.consumed_at, f.revoked_at, f.first_token, u.status, t.expires_at FROM refresh_tokens t "
        "JOIN refresh_families f "
        "ON f.id = t.family_id LEFT JOIN users u ON u.id = f.user_id WHERE t.token_hash = ? AND t.family_id = ?");
    if (!st) return st.error();
    st->bind(1, old_hash);
    st->bind(2, next.family_id);
    int rc = st->step();
    if (rc == SQLITE_DONE) return fail(errc::not_found);
    if (rc != SQLITE_ROW) return map_error(rc, "rotate_refresh");
    consumed = opt_int(*st, 0);
    revoked = opt_int(*st, 1);
    chain_started = !st->text(2).empty();
    user_active = !st->is_null(3) && st->text(3) == "active";
    expired = now >= st->int64(4);
  }
  if (expired) return rotate_outcome::expired;
  if (revoked) return rotate_outcome::family_revoked;
  if (consumed) return rotate_outcome::reused;
  if (!user_active) return rotate_outcome::user_inactive;
  {
    auto st = w.prepare(
        "UPDATE refresh_tokens SET consumed_at = ?, successor = ? WHERE token_hash = ? AND consumed_at IS NULL");
    if (!st) return st.error();
    st->bind(1, now);
    st->bind(2, next.token_hash);
    st->bind(3, old_hash);
    if (auto r = run(*st, "rotate_refresh"); !r) return r.error();
  }
  if (auto r = insert_refresh(w, next, access_jti); !r) return r.error();
  if (!chain_started) {
    // A family from before migration 0006: its chain starts here (its earlier access tokens are
    // found through the legacy links).
    auto st = w.prepare("UPDATE refresh_families SET first_token = ? WHERE id = ? AND first_token = ''");
    if (!st) return st.error();
    st->bind(1, next.token_hash);
    st->bind(2, next.family_id);
    if (auto r = run(*st, "rotate_refresh"); !r) return r.error();
  }
  if (auto r = link_access(w, access_jti, next.family_id); !r) return r.error();
  return rotate_outcome::rotated;
}
}  // namespace

result<ports::rotate_outcome> sqlite_store::rotate_refresh(std::string_view old_hash, const ports::refresh_token_row& next,
                                                           std::string_view access_jti, std::int64_t now) {
  return impl_->write([&](connection& w) -> result<ports::rotate_outcome> {
    return detail::in_transaction<ports::rotate_outcome>(w, "rotate_refresh",
                                                         [&]() { return rotate_on(w, old_hash, next, access_jti, now); });
  });
}

result<std::size_t> sqlite_store::revoke_family(std::string_view family_id, std::int64_t now, std::string_view reason) {
  return impl_->write([&](connection& w) -> result<std::size_t> {
    return detail::in_transaction<std::size_t>(w, "revoke_family",
                                                [&]() { return revoke_family_on(w, family_id, now, reason); });
  });
}

result<std::size_t> sqlite_store::revoke_code_redemption(std::string_view code_hash, std::int64_t now) {
  return impl_->write([&](connection& w) -> result<std::size_t> {
    return detail::in_transaction<std::size_t>(w, "revoke_code_redemption", [&]() -> result<std::size_t> {
      std::string family;
      {
        auto st = w.prepare("SELECT family_id FROM authorization_codes WHERE code_hash = ?");
        if (!st) return st.error();
        st->bind(1, code_hash);
        int rc = st->step();
        if (rc == SQLITE_DONE) return fail(errc::not_found);
        if (rc != SQLITE_ROW) return map_error(rc, "revoke_code_redemption");
        family = st->text(0);
      }
      {
        auto st = w.prepare("UPDATE authorization_codes SET replayed_at = ? WHERE code_hash = ? AND replayed_at IS NULL");
        if (!st) return st.error();
        st->bind(1, now);
        st->bind(2, code_hash);
        if (auto r = run(*st, "revoke_code_redemption"); !r) return r.error();
      }
      if (family.empty()) return std::size_t{0};
      return revoke_family_on(w, family, now, "code_replay");
    });
  });
}

result<std::optional<ports::refresh_family>> sqlite_store::find_family(std::string_view id) {
  impl::lease c(*impl_);
  auto st = (*c).prepare(std::string("SELECT ") + family_cols + " FROM refresh_families WHERE id = ?");
  if (!st) return st.error();
  st->bind(1, id);
  int rc = st->step();
  if (rc == SQLITE_DONE) return std::optional<ports::refresh_family>();
  if (rc != SQLITE_ROW) return map_error(rc, "find_family");
  return std::optional<ports::refresh_family>(read_family(*st, 0));
}

result<std::optional<ports::refresh_family>> sqlite_store::family_of_access_token(std::string_view jti) {
  impl::lease c(*impl_);
  auto st = (*c).prepare(std::string("SELECT ") + family_cols +
                         " FROM refresh_families WHERE id = (SELECT family_id FROM family_access_tokens WHERE jti = ?)");
  if (!st) return st.error();
  st->bind(1, jti);
  int rc = st->step();
  if (rc == SQLITE_DONE) return std::optional<ports::refresh_family>();
  if (rc != SQLITE_ROW) return map_error(rc, "family_of_access_token");
  return std::optional<ports::refresh_family>(read_family(*st, 0));
}


// ---- consent_admin_store ------------------------------------------------------------------------

namespace {
constexpr const char* consent_cols = "id, user_id, client_id, resource, scopes, created_at, updated_at, revoked_at";

domain::consent_grant read_consent(const statement& st) {
  domain::consent_grant g;
  g.id = st.text(0);
  g.user_id = st.text(1);
  g.client_id = st.text(2);
  g.resource = st.text(3);
  g.scopes = st.text(4);
  g.created_at = st.int64(5);
  g.updated_at = st.int64(6);
  if (!st.is_null(7)) g.revoked_at = st.int64(7);
  return g;
}

result<std::optional<domain::consent_grant>> consent_by_id(connection& c, std::string_view id) {
  auto st = c.prepare(std::string("SELECT ") + consent_cols + " FROM consent_grants WHERE id = ?");
  if (!st) return st.error();
  st->bind(1, id);
  int rc = st->step();
  if (rc == SQLITE_DONE) return std::optional<domain::consent_grant>();
  if (rc != SQLITE_ROW) return map_error(rc, "find_consent_by_id");
  return std::optional<domain::consent_grant>(read_consent(*st));
}
}  // namespace

result<std::optional<domain::consent_grant>> sqlite_store::find_consent_by_id(std::string_view id) {
  impl::lease c(*impl_);
  return consent_by_id(*c, id);
}

result<std::vector<domain::consent_grant>> sqlite_store::list_consents(const ports::consent_filter& f,
                                                                       ports::list_page page) {
  std::string sql = std::string("SELECT ") + consent_cols + " FROM consent_grants WHERE 1 = 1";
  if (!f.user_id.empty()) sql += " AND user_id = ?";
  if (!f.client_id.empty()) sql += " AND client_id = ?";
  sql += " ORDER BY created_at DESC, id ASC LIMIT ? OFFSET ?";
  impl::lease c(*impl_);
  auto st = (*c).prepare(sql);
  if (!st) return st.error();
  int i = 1;
  if (!f.user_id.empty()) st->bind(i++, std::string_view(f.user_id));
  if (!f.client_id.empty()) st->bind(i++, std::string_view(f.client_id));
  st->bind(i++, clamp64(page.limit));
  st->bind(i++, clamp64(page.offset));
  std::vector<domain::consent_grant> out;
  for (;;) {
    int rc = st->step();
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return map_error(rc, "list_consents");
    out.push_back(read_consent(*st));
  }
  return out;
}

result<ports::consent_revocation> sqlite_store::revoke_consent(std::string_view id, std::int64_t now) {
  if (id.empty()) return fail(errc::not_found);
  return impl_->write([&](connection& w) -> result<ports::consent_revocation> {
    return detail::in_transaction<ports::consent_revocation>(w, "revoke_consent", [&]() -> result<ports::consent_revocation> {
      {
        auto st = w.prepare("UPDATE consent_grants SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL");
        if (!st) return st.error();
        st->bind(1, now);
        st->bind(2, id);
        if (auto r = run(*st, "revoke_consent"); !r) return r.error();
      }
      auto grant = consent_by_id(w, id);
      if (!grant) return grant.error();
      if (!*grant) return fail(errc::not_found);
      ports::consent_revocation out;
      out.grant = std::move(**grant);
      // Codes issued under the grant but not redeemed yet must not mint tokens after it.
      {
        auto st = w.prepare(
            "UPDATE authorization_codes SET expires_at = MIN(expires_at, ?) WHERE consent_grant_id = ? AND "
            "consumed_at IS NULL");
        if (!st) return st.error();
        st->bind(1, now);
        st->bind(2, id);
        if (auto r = run(*st, "revoke_consent"); !r) return r.error();
      }
      std::vector<std::string> families;
      {
        auto st = w.prepare("SELECT id FROM refresh_families WHERE consent_grant_id = ? AND revoked_at IS NULL");
        if (!st) return st.error();
        st->bind(1, id);
        for (;;) {
          int rc = st->step();
          if (rc == SQLITE_DONE) break;
          if (rc != SQLITE_ROW) return map_error(rc, "revoke_consent");
          families.push_back(st->text(0));
        }
      }
      for (const auto& fam : families) {
        auto n = revoke_family_on(w, fam, now, "consent_revoked");
        if (!n) return n.error();
        out.revoked_issuances += *n;
      }
      out.revoked_families = families.size();
      return out;
    });
  });
}

}  // namespace authplane::storage::sqlite
