// Output ports: what services need from storage. Implemented by server/storage/* adapters.
// Every method is thread-safe. Failures are domain::errc values (not_found, conflict,
// storage_failure); SQL never leaves the adapter.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "authplane/core/result.hpp"
#include "authplane/domain/entities.hpp"
#include "authplane/ports/refresh.hpp"

namespace authplane::ports {

struct list_page {
  std::size_t limit = 50;
  std::size_t offset = 0;
};

class client_store {
 public:
  virtual ~client_store() = default;
  // nullopt when absent (not an error).
  virtual result<std::optional<domain::client>> find_client(std::string_view id) = 0;
  // conflict when the id exists.
  virtual result<void> create_client(const domain::client& c) = 0;
  // Replaces the stored row whose id and version match `c.id`/`c.version`, storing version+1.
  // not_found when absent; conflict when the version moved on.
  virtual result<void> update_client(const domain::client& c) = 0;
  // Filters: empty string = any.
  virtual result<std::vector<domain::client>> list_clients(std::string_view status, std::string_view source,
                                                           list_page page) = 0;
  // Deletes the client and (cascade) its issuance rows. not_found when absent.
  virtual result<void> delete_client(std::string_view id) = 0;
};

class resource_store {
 public:
  virtual ~resource_store() = default;
  virtual result<std::optional<domain::resource>> find_resource_by_id(std::string_view id) = 0;
  virtual result<std::optional<domain::resource>> find_resource_by_slug(std::string_view slug) = 0;
  // Every resource whose uri equals `uri` byte-for-byte (more than one = ambiguous).
  virtual result<std::vector<domain::resource>> find_resources_by_uri(std::string_view uri) = 0;
  // conflict when the slug or id exists.
  virtual result<void> create_resource(const domain::resource& r) = 0;
  // not_found when absent; conflict when the new slug is taken.
  virtual result<void> update_resource(const domain::resource& r) = 0;
  virtual result<void> delete_resource(std::string_view id) = 0;
  virtual result<std::vector<domain::resource>> list_resources(list_page page) = 0;
};

struct user_filter {
  std::string status;  // empty = any
  std::string role;    // empty = any
};

class user_store {
 public:
  virtual ~user_store() = default;
  virtual result<std::optional<domain::user>> find_user(std::string_view id) = 0;
  // Case-insensitive (ASCII) match on email.
  virtual result<std::optional<domain::user>> find_user_by_email(std::string_view email) = 0;
  // conflict when the id or the email (case-insensitively) exists.
  virtual result<void> create_user(const domain::user& u) = 0;
  // Replaces the row whose id and version match, storing version+1. not_found when absent;
  // conflict when the version moved on or the new email belongs to another user.
  virtual result<void> update_user(const domain::user& u) = 0;
  // Newest first (created_at, then id).
  virtual result<std::vector<domain::user>> list_users(const user_filter& f, list_page page) = 0;
  // Deletes the user row only: its issuances stay (revoked or not) as the forensic record.
  // not_found when absent.
  virtual result<void> delete_user(std::string_view id) = 0;
  // Unrevoked, unexpired issuances whose subject is this user.
  virtual result<std::size_t> count_active_user_tokens(std::string_view user_id, std::int64_t now) = 0;
  // Force logout, atomically: bumps session_generation (and version, updated_at = at) and revokes
  // every unrevoked issuance of the user. Returns how many issuances it revoked. not_found when
  // the user does not exist.
  virtual result<std::size_t> end_user_sessions(std::string_view user_id, std::int64_t at) = 0;
};

struct issuance_filter {
  std::string client_id;
  std::string user_id;
  std::string jti;
  std::string resource_id;
  bool active_only = false;  // not revoked and not expired at `now`
  std::int64_t now = 0;
};

class issuance_store {
 public:
  virtual ~issuance_store() = default;
  // Durably records an issued token together with its audit event. Concurrent calls are batched
  // into one transaction (group commit); `done` runs once the batch is committed (on the
  // store's writer thread; keep it short) with the outcome. A token must never be handed out
  // before `done` reported success: after kill -9 it must still be introspectable.
  virtual void record_issuance(domain::issuance iss, domain::audit_event ev,
                               std::function<void(boost::system::error_code)> done) = 0;
  // record_issuance with a companion write (refresh.hpp) in the same transaction, before the
  // issuance, batched with concurrent calls like record_issuance; never blocks on the write.
  // `done` (on the writer thread, after the commit) gets:
  //   {}, rotated                    everything was stored (also the answer for a monostate
  //                                  companion and for family_creation);
  //   {}, reused | family_revoked    refresh_rotation only: the old token was already spent, or
  //                                  its family revoked; NOTHING of the item was stored;
  //   not_found                      refresh_rotation: old_hash unknown (or of another family);
  //   conflict                       the jti/audit id exists, or family_creation: the code has a
  //                                  family already; nothing of the item was stored;
  //   storage_failure                the batch did not commit; nothing of it was stored.
  // The outcome is meaningful only when the error_code is clear. As with record_issuance, the
  // token must not be handed out before `done` reported ({}, rotated).
  virtual void record_issuance_with(domain::issuance iss, domain::audit_event ev, issuance_companion companion,
                                    std::function<void(boost::system::error_code, rotate_outcome)> done) = 0;
  virtual result<std::optional<domain::issuance>> find_issuance_by_jti(std::string_view jti) = 0;
  // Sets revoked_at (idempotent: an already revoked row keeps its first time). not_found when absent.
  virtual result<void> revoke_issuance(std::string_view jti, std::int64_t at) = 0;
  // Revokes every unrevoked issuance of a client; returns how many.
  virtual result<std::size_t> revoke_client_issuances(std::string_view client_id, std::int64_t at) = 0;
  virtual result<std::vector<domain::issuance>> list_issuances(const issuance_filter& f, list_page page) = 0;
  virtual result<std::size_t> count_active_issuances(std::string_view client_id, std::int64_t now) = 0;
};

struct audit_query {
  std::string action;
  std::string actor_id;
  std::string client_id;
  std::int64_t since = 0;   // inclusive
  std::int64_t until = 0;   // inclusive; 0 = no bound
  std::size_t limit = 50;
  std::size_t offset = 0;
};

class audit_store {
 public:
  virtual ~audit_store() = default;
  // Synchronous, durable write. Callers treat failure as best-effort (log and count).
  virtual result<void> append_audit(const domain::audit_event& ev) = 0;
  // Newest first.
  virtual result<std::vector<domain::audit_event>> query_audit(const audit_query& q) = 0;
};

struct store_stats {
  std::int64_t clients = 0;
  std::int64_t users = 0;
  std::int64_t active_tokens_24h = 0;  // issued in the last 24h and not revoked nor expired
  std::int64_t revoked_tokens = 0;
};

// Settings changed at run time through the admin API (e.g. dcr.mode), persisted.
class settings_store {
 public:
  virtual ~settings_store() = default;
  virtual result<std::optional<std::string>> get_setting(std::string_view key) = 0;
  virtual result<void> put_setting(std::string_view key, std::string_view value) = 0;
};

class health_store {
 public:
  virtual ~health_store() = default;
  // A cheap round trip to the database (SELECT 1).
  virtual result<void> ping() = 0;
  virtual result<store_stats> stats(std::int64_t now) = 0;
};

// Counters that move whenever clients or resources change, in this process or another one
// sharing the database (the `authserver admin` CLI). In-memory caches compare them to decide
// when to reload.
struct change_versions {
  std::int64_t clients = 0;
  std::int64_t resources = 0;
  std::int64_t users = 0;
};

class change_feed {
 public:
  virtual ~change_feed() = default;
  virtual result<change_versions> versions() = 0;
};

// Signing keys. The keyfile adapter keeps `current.pem` and `rotated-<unix>.pem` files, mode 0600.
class key_store {
 public:
  virtual ~key_store() = default;
  // All keys, current first, then previous ones newest first. Empty when none exist yet.
  virtual result<std::vector<domain::signing_key>> load_keys() = 0;
  // Makes `k` the current key; the old current key becomes a previous key (kept for the JWKS).
  virtual result<void> rotate_in(const domain::signing_key& k) = 0;
};

// Single-use markers (DPoP proof jti). Bounded; entries expire.
class replay_cache {
 public:
  virtual ~replay_cache() = default;
  // True when `key` was not present (and is now recorded until `expires_at`); false on replay.
  // Atomic: of two concurrent calls with one key exactly one returns true.
  virtual bool insert_if_absent(std::string_view key, std::int64_t expires_at, std::int64_t now) = 0;
};

// Consent given on the /consent page (reference §2.8).
class consent_store {
 public:
  virtual ~consent_store() = default;
  // The unrevoked grant for (user, client, resource); nullopt when none.
  virtual result<std::optional<domain::consent_grant>> find_consent(std::string_view user_id, std::string_view client_id,
                                                                    std::string_view resource) = 0;
  // Inserts, or replaces scopes/updated_at (and clears revoked_at) of the row for the same
  // (user, client, resource). Returns the stored grant (its id is kept on replace).
  virtual result<domain::consent_grant> upsert_consent(const domain::consent_grant& g) = 0;
};

// Consent grants as the admin API sees them: every row, revoked or not, and the revocation
// cascade (reference §3.2 DELETE /admin/grants/consent/{id}).
struct consent_filter {
  std::string user_id;    // empty = any
  std::string client_id;  // empty = any
};

struct consent_revocation {
  domain::consent_grant grant;  // as stored after the revocation (revoked_at set)
  std::size_t revoked_families = 0;   // refresh families issued under the grant, newly revoked
  std::size_t revoked_issuances = 0;  // access tokens minted from those families, newly revoked
};

class consent_admin_store {
 public:
  virtual ~consent_admin_store() = default;
  // Revoked rows included. nullopt when absent.
  virtual result<std::optional<domain::consent_grant>> find_consent_by_id(std::string_view id) = 0;
  // Newest first (created_at, then id); revoked rows included.
  virtual result<std::vector<domain::consent_grant>> list_consents(const consent_filter& f, list_page page) = 0;
  // One transaction: sets revoked_at (first time kept), revokes every refresh family whose
  // consent_grant_id is `id` together with the access tokens minted from them, and expires the
  // grant's unredeemed authorization codes. Idempotent. not_found when absent.
  virtual result<consent_revocation> revoke_consent(std::string_view id, std::int64_t now) = 0;
};

}  // namespace authplane::ports
