// Output ports for the token side of the authorization code flow: stored codes and refresh
// token families. Implemented by server/storage/* adapters; every method is thread-safe.
// Only SHA-256 hashes (base64url) of codes and refresh tokens are ever passed here.
//
//   auto before = codes.consume_code(hash, now);   // atomic: exactly one caller sees it unconsumed
//   if (*before && !(*before)->consumed_at) { /* this call redeemed it */ }
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "authplane/core/result.hpp"
#include "authplane/ports/authorization.hpp"

namespace authplane::ports {

struct stored_code {
  std::string code_hash;
  code_grant grant;
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;
  std::optional<std::int64_t> consumed_at;
  std::string family_id;  // what the redemption produced (empty until then)
};

class code_store {
 public:
  virtual ~code_store() = default;
  // conflict when the hash exists.
  virtual result<void> put_code(const stored_code& c) = 0;
  // Sets consumed_at = now when it is unset, atomically, and returns the row as it was before
  // the call: an empty consumed_at means this call redeemed the code; a set one is a replay.
  // nullopt for an unknown hash.
  virtual result<std::optional<stored_code>> consume_code(std::string_view code_hash, std::int64_t now) = 0;
};

struct refresh_family {
  std::string id;
  std::string client_id;
  std::string user_id;
  std::string scope;        // the scope the code granted (ceiling for every refresh)
  std::string resource;     // canonical resource URI, empty when none
  std::string resource_id;
  std::string dpop_jkt;     // non-empty: DPoP-bound (RFC 9449 §5), refreshes need the same key
  std::string code_hash;    // the code whose redemption created the family
  std::string consent_grant_id;
  std::int64_t created_at = 0;
  std::optional<std::int64_t> revoked_at;
};

struct refresh_token_row {
  std::string token_hash;
  std::string family_id;
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;
  std::optional<std::int64_t> consumed_at;
};

struct refresh_lookup {
  refresh_token_row token;
  refresh_family family;
};

enum class rotate_outcome {
  rotated,         // old token spent, new one stored, access token linked
  reused,          // the old token was already spent (reuse: the caller revokes the family)
  family_revoked,  // the family was revoked meanwhile
  user_inactive,   // the family's user is deleted or not active (nothing is written)
  expired,         // the old token expired (nothing is written)
};

// Companion writes: a refresh store's write carried by an issuance, performed by the issuance
// store in the issuance's own group-committed transaction, before the issuance row, all or nothing
// with it (issuance_store::record_issuance_with). The access token's jti is the issuance's.
//
// rotate_refresh semantics: spends old_hash (consumed_at = now) if it is unexpired and unspent,
// its family is unrevoked and the family's user exists and is active (checked in that order;
// not_found when old_hash is not a token of next.family_id), stores `next` and links the jti to
// next.family_id. The user is checked here, at the write, rather than read before it: one read
// less per refresh, and a user disabled while the refresh is in flight cannot slip through.
struct refresh_rotation {
  std::string old_hash;
  refresh_token_row next;  // next.family_id is the family old_hash must belong to
  std::int64_t now = 0;
};
// create_family semantics: the family, its first token (skipped when first.token_hash is
// empty), the jti link and the code's family_id; born revoked when the code was replayed.
struct family_creation {
  refresh_family family;
  refresh_token_row first;
};
using issuance_companion = std::variant<std::monostate, refresh_rotation, family_creation>;

class refresh_store {
 public:
  virtual ~refresh_store() = default;
  // One transaction: the family, its first refresh token (skipped when first.token_hash is
  // empty), the link access_jti → family, and the code's family_id. When the code was replayed
  // while this redemption was in flight, the family is stored already revoked (its tokens are
  // dead on arrival: a replay revokes whatever the first redemption produced, whatever the timing).
  virtual result<void> create_family(const refresh_family& f, const refresh_token_row& first,
                                     std::string_view access_jti) = 0;
  virtual result<std::optional<refresh_lookup>> find_refresh(std::string_view token_hash) = 0;
  // The family with this id (its revoked_at as stored now); nullopt when there is none.
  virtual result<std::optional<refresh_family>> find_family(std::string_view id) = 0;
  // One transaction, with the rotate_refresh semantics above (expired, family_revoked, reused,
  // user_inactive are refused in that order and write nothing).
  virtual result<rotate_outcome> rotate_refresh(std::string_view old_hash, const refresh_token_row& next,
                                                std::string_view access_jti, std::int64_t now) = 0;
  // Revokes the family and every access token minted from it (issuances.revoked_at).
  // Idempotent (keeps the first time). Returns the number of access tokens it revoked.
  virtual result<std::size_t> revoke_family(std::string_view family_id, std::int64_t now, std::string_view reason) = 0;
  // A replayed code: marks it replayed and revokes the family its first redemption created, if
  // any (a family created later is created revoked). not_found for unknown codes.
  virtual result<std::size_t> revoke_code_redemption(std::string_view code_hash, std::int64_t now) = 0;
  // The family an access token was minted from; nullopt for tokens outside any family.
  virtual result<std::optional<refresh_family>> family_of_access_token(std::string_view jti) = 0;
};

}  // namespace authplane::ports
