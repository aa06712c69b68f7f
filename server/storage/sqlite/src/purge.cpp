// `authserver purge`: deletes expired and long-revoked rows (see purge_options in
// sqlite_store.hpp). Every batch is its own BEGIN IMMEDIATE transaction on a separate connection,
// so a running server's writer waits at most one batch (its busy timeout covers that).
//
// Refresh families form chains (migration 0006): first_token → successor → … → the live token,
// and revoking a family walks that chain to revoke every access token it minted. Purging must keep
// the walk complete for everything still valid, so a live family only loses an expired prefix of
// its chain, and first_token moves to the first token kept.
#include <sqlite3.h>

#include <chrono>
#include <string>
#include <tuple>
#include <vector>

#include "authplane/storage/sqlite/sqlite_store.hpp"
#include "connection.hpp"
#include "migrations.hpp"
#include "token_chain.hpp"

namespace authplane::storage::sqlite {
namespace {
using detail::connection;
using detail::map_error;
using detail::run;

result<std::size_t> purge_codes_batch(connection& c, std::int64_t cutoff, std::size_t batch) {
  auto st = c.prepare(
      "DELETE FROM authorization_codes WHERE code_hash IN "
      "(SELECT code_hash FROM authorization_codes WHERE expires_at < ? LIMIT ?)");
  if (!st) return st.error();
  st->bind(1, cutoff);
  st->bind(2, static_cast<std::int64_t>(batch));
  if (auto r = run(*st, "purge_codes"); !r) return r.error();
  return static_cast<std::size_t>(st->changes());
}

result<void> unlink_access(connection& c, std::string_view jti) {
  if (jti.empty()) return {};
  auto st = c.prepare("DELETE FROM family_access_tokens WHERE jti = ?");
  if (!st) return st.error();
  st->bind(1, jti);
  return run(*st, "purge_unlink");
}

// Expired issuances after the cursor (issued_at, seq), in that order: issued_at ≤ expires_at, so
// the issued_at index bounds the scan, and the cursor skips rows kept by earlier batches (tokens
// issued before the cutoff that are still valid).
struct issuance_cursor {
  std::int64_t issued_at = -1, seq = -1;
};
result<std::size_t> purge_issuances_batch(connection& c, std::int64_t cutoff, std::size_t batch, issuance_cursor& at) {
  std::vector<std::tuple<std::int64_t, std::int64_t, std::string>> rows;
  {
    auto st = c.prepare(
        "SELECT issued_at, seq, jti FROM issuances WHERE issued_at < ?1 AND expires_at < ?1 "
        "AND (issued_at > ?2 OR (issued_at = ?2 AND seq > ?3)) ORDER BY issued_at, seq LIMIT ?4");
    if (!st) return st.error();
    st->bind(1, cutoff);
    st->bind(2, at.issued_at);
    st->bind(3, at.seq);
    st->bind(4, static_cast<std::int64_t>(batch));
    int rc;
    while ((rc = st->step()) == SQLITE_ROW) rows.emplace_back(st->int64(0), st->int64(1), st->text(2));
    if (rc != SQLITE_DONE) return map_error(rc, "purge_issuances");
  }
  for (const auto& [issued_at, seq, jti] : rows) {
    auto st = c.prepare("DELETE FROM issuances WHERE seq = ?");
    if (!st) return st.error();
    st->bind(1, seq);
    if (auto r = run(*st, "purge_issuances"); !r) return r.error();
    if (auto r = unlink_access(c, jti); !r) return r.error();
    at = {issued_at, seq};
  }
  return rows.size();
}

// An access token that can no longer be presented: none, never recorded (or purged), or expired
// before the cutoff.
result<bool> access_gone(connection& c, std::string_view jti, std::int64_t cutoff) {
  if (jti.empty()) return true;
  auto st = c.prepare("SELECT expires_at FROM issuances WHERE jti = ?");
  if (!st) return result<bool>(boost::system::in_place_error, st.error());
  st->bind(1, jti);
  int rc = st->step();
  if (rc == SQLITE_DONE) return true;
  if (rc != SQLITE_ROW) return result<bool>(boost::system::in_place_error, map_error(rc, "purge_refresh"));
  return st->int64(0) < cutoff;
}

using detail::chain_link;

result<std::vector<chain_link>> chain_of(connection& c, const std::string& family_id, std::string token) {
  std::vector<chain_link> out;
  auto r = detail::walk_chain(c, family_id, std::move(token), [&](const chain_link& l) {
    out.push_back(l);
    return true;
  });
  if (!r) return r.error();
  return out;
}

result<void> delete_token(connection& c, const chain_link& l, purge_counts& n) {
  auto st = c.prepare("DELETE FROM refresh_tokens WHERE token_hash = ?");
  if (!st) return st.error();
  st->bind(1, l.key);
  if (auto r = run(*st, "purge_refresh"); !r) return r.error();
  n.refresh_tokens += static_cast<std::size_t>(st->changes());
  return unlink_access(c, l.access_jti);
}

struct family_row {
  std::string id, first_token, first_jti;
  std::optional<std::int64_t> revoked_at;
  std::int64_t created_at = 0;
};

// One family: deleted whole when dead, else its expired chain head.
result<void> purge_family(connection& c, const family_row& f, std::int64_t cutoff, purge_counts& n) {
  bool legacy = false;
  {
    auto st = c.prepare("SELECT 1 FROM family_access_tokens WHERE family_id = ? AND legacy = 1 LIMIT 1");
    if (!st) return st.error();
    st->bind(1, f.id);
    int rc = st->step();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return map_error(rc, "purge_refresh");
    legacy = rc == SQLITE_ROW;
  }
  const bool revoked_long_ago = f.revoked_at && *f.revoked_at < cutoff;
  // Unrotated families from before 0006: their tokens are not on a chain, so it cannot be told
  // whether one is still valid.
  if (legacy && f.first_token.empty() && !revoked_long_ago) return {};
  auto chain = chain_of(c, f.id, f.first_token);
  if (!chain) return chain.error();

  // How many chain links (from the head) can go: each expired before the cutoff, as did the access
  // token minted with it (the first link's is the family's first_jti).
  std::size_t dead = 0;
  if (!revoked_long_ago) {
    auto first = access_gone(c, f.first_jti, cutoff);
    if (!first) return first.error();
    if (!*first || f.created_at >= cutoff) return {};
    for (const auto& l : *chain) {
      if (l.expires_at >= cutoff) break;
      auto gone = access_gone(c, l.access_jti, cutoff);
      if (!gone) return gone.error();
      if (!*gone) break;
      ++dead;
    }
  }
  const bool whole = revoked_long_ago || (dead == chain->size() && !legacy);
  if (whole) {
    for (const auto& l : *chain)
      if (auto r = delete_token(c, l, n); !r) return r.error();
    if (auto r = unlink_access(c, f.first_jti); !r) return r.error();
    auto st = c.prepare("DELETE FROM family_access_tokens WHERE family_id = ? AND legacy = 1");
    if (!st) return st.error();
    st->bind(1, f.id);
    if (auto r = run(*st, "purge_refresh"); !r) return r.error();
    auto del = c.prepare("DELETE FROM refresh_families WHERE id = ?");
    if (!del) return del.error();
    del->bind(1, f.id);
    if (auto r = run(*del, "purge_refresh"); !r) return r.error();
    ++n.refresh_families;
    return {};
  }
  if (dead == 0) return {};
  // A live family: its chain now starts at the first token kept (never '' here: a rotation would
  // restart the chain from its new token and lose the rest).
  for (std::size_t i = 0; i < dead; ++i)
    if (auto r = delete_token(c, (*chain)[i], n); !r) return r.error();
  if (auto r = unlink_access(c, f.first_jti); !r) return r.error();
  auto st = c.prepare("UPDATE refresh_families SET first_token = ?, first_jti = '' WHERE id = ?");
  if (!st) return st.error();
  st->bind(1, (*chain)[dead].key);
  st->bind(2, f.id);
  return run(*st, "purge_refresh");
}

// Families with id > `after`, in id order; returns the last id seen ('' when none were left).
result<std::string> purge_families_batch(connection& c, const std::string& after, std::int64_t cutoff,
                                         std::size_t batch, purge_counts& n) {
  std::vector<family_row> rows;
  {
    auto st = c.prepare(
        "SELECT id, first_token, first_jti, revoked_at, created_at FROM refresh_families WHERE id > ? ORDER BY id LIMIT ?");
    if (!st) return st.error();
    st->bind(1, after);
    st->bind(2, static_cast<std::int64_t>(batch));
    int rc;
    while ((rc = st->step()) == SQLITE_ROW) {
      family_row f{st->text(0), st->text(1), st->text(2), std::nullopt, st->int64(4)};
      if (!st->is_null(3)) f.revoked_at = st->int64(3);
      rows.push_back(std::move(f));
    }
    if (rc != SQLITE_DONE) return map_error(rc, "purge_refresh");
  }
  for (const auto& f : rows)
    if (auto r = purge_family(c, f, cutoff, n); !r) return r.error();
  return rows.empty() ? std::string() : rows.back().id;
}

}  // namespace

result<purge_counts> purge(const std::string& path, const purge_options& opts) {
  connection c;
  if (auto r = c.open(path, {.wal = opts.wal, .busy_timeout_ms = 5000, .writer = true}); !r) return r.error();
  if (auto r = detail::run_migrations(c); !r) return r.error();
  const std::int64_t cutoff = opts.now - opts.grace;
  const std::size_t batch = opts.batch == 0 ? 1 : opts.batch;
  purge_counts n;
  // Before each batch: false once the deadline passed (the purge then reports itself incomplete).
  auto go_on = [&] {
    if (std::chrono::steady_clock::now() < opts.deadline) return true;
    n.complete = false;
    return false;
  };
  if (opts.codes) {
    while (go_on()) {
      auto k = detail::in_transaction<std::size_t>(c, "purge_codes", [&] { return purge_codes_batch(c, cutoff, batch); });
      if (!k) return k.error();
      n.codes += *k;
      if (*k < batch) break;
    }
  }
  // Families before issuances: a family's chain head is purged only once the access tokens it
  // minted are gone or expired, which their issuance rows tell.
  if (opts.refresh_tokens) {
    std::string after;
    while (go_on()) {
      auto last = detail::in_transaction<std::string>(
          c, "purge_refresh", [&] { return purge_families_batch(c, after, cutoff, batch, n); });
      if (!last) return last.error();
      if (last->empty()) break;
      after = std::move(*last);
    }
  }
  if (opts.issuances) {
    issuance_cursor at;
    while (go_on()) {
      auto k = detail::in_transaction<std::size_t>(c, "purge_issuances",
                                                   [&] { return purge_issuances_batch(c, cutoff, batch, at); });
      if (!k) return k.error();
      n.issuances += *k;
      if (*k < batch) break;
    }
  }
  return n;
}

}  // namespace authplane::storage::sqlite
