// DPoP proof validation (RFC 9449 §4.3), pure: no I/O, no replay cache, no nonce store.
//   jose::dpop_options o{.htm = "POST", .htu = "https://as.example/token", .now = now};
//   auto p = jose::validate_dpop_proof(header_value, o);
//   if (p) { replay_cache.insert(p->jti); bind_token_to(p->jkt); }
// The caller checks the returned nonce and jti (replay) against its own state.
#pragma once
#include <authplane/core/result.hpp>
#include <authplane/jose/alg.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace authplane::jose {

struct dpop_options {
  std::string_view htm;                          // request method, e.g. "POST"
  std::string_view htu;                          // absolute request URI
  std::int64_t now = 0;                          // seconds since the epoch
  std::int64_t max_age = 60;                     // accepted |iat - now|, seconds
  std::optional<std::string_view> expected_ath;  // base64url(SHA-256(access token)) when bound
  alg_set allowed = {alg::ES256, alg::RS256, alg::PS256};
};

struct dpop_proof {
  std::string jkt;                   // RFC 7638 thumbprint of the header "jwk"
  std::string jti;
  std::int64_t iat = 0;
  std::optional<std::string> nonce;  // for the caller to compare with the nonce it issued
  std::string htm;
  std::string htu;
};

// Check order: size, compact JWS shape, typ, alg, jwk, signature, jti, htm, htu, iat, ath.
result<dpop_proof> validate_dpop_proof(std::string_view proof, const dpop_options& opts);

// The "ath" value for an access token: base64url(SHA-256(ASCII(token))) (RFC 9449 §4.2).
std::string dpop_ath(std::string_view access_token);

}  // namespace authplane::jose
