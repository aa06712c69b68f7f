// Authorization codes (the token side's half of the ports::authorization_codes seam) and the
// PKCE check (RFC 7636).
//
//   code_issuer codes{store, clk};                       // constructed in the composition root
//   auto code = codes.issue(grant);                      // 43 chars; the store sees only its hash
//   pkce_verify(verifier, grant.code_challenge);         // S256 only
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "authplane/core/clock.hpp"
#include "authplane/ports/authorization.hpp"
#include "authplane/ports/refresh.hpp"

namespace authplane::services {

// base64url(SHA-256(secret)): how codes and refresh tokens are stored and looked up.
std::string secret_hash(std::string_view secret);

// A new refresh token of the family `family_id` (22 base64url chars): 12 lowercase hex digits of
// its issue time (Unix ms), the family id, then 32 random bytes base64url (77 chars). Neither
// the time nor the family id is secret (an access token carries iat anyway; a family id is an
// opaque random name); the time prefix makes the storage key below time-ordered, so the rows of
// recently issued tokens share a few B-tree pages and a rotation writes those pages instead of
// one random page per token; the family id lets the token endpoint find the family (immutable
// but for revocation, which the store checks at the write) without a lookup by token
// (docs/performance.md, "Refresh token grant").
std::string new_refresh_token(std::string_view family_id);
// The key a refresh token is stored and looked up under: for a token of the shape above, its
// 12-digit time prefix then secret_hash(token); for any other string (tokens issued before the
// prefix existed: 43 chars), secret_hash(token). Only the hash of the secret part is stored.
std::string refresh_token_key(std::string_view token);
// The family id a token of the shape above names; empty for any other string. Unverified: the
// token is only a token of that family if the store finds its key in that family.
std::string_view refresh_token_family(std::string_view token);

// RFC 7636 §4.1: 43–128 characters of [A-Za-z0-9-._~].
bool pkce_verifier_well_formed(std::string_view verifier);
// RFC 7636 §4.6, S256 only: base64url(SHA-256(verifier)) == challenge, compared in constant
// time. False for a malformed verifier.
bool pkce_verify(std::string_view verifier, std::string_view challenge);

class code_issuer final : public ports::authorization_codes {
 public:
  static constexpr std::int64_t default_ttl = 600;  // reference §6: codes live 10 minutes
  code_issuer(ports::code_store& store, const clock& clk, std::int64_t ttl = default_ttl)
      : store_(store), clk_(clk), ttl_(ttl) {}
  // domain::errc::invalid when client_id, user_id, redirect_uri or code_challenge is empty.
  result<std::string> issue(const ports::code_grant& g) override;

 private:
  ports::code_store& store_;
  const clock& clk_;
  std::int64_t ttl_;
};

}  // namespace authplane::services
