// JWT access-token verification (RFC 7519, RFC 9068) for introspection and resource servers.
//   jose::jwt_check c{.issuer = "https://as.example", .audience = "https://mcp.example",
//                     .now = clock.now()};
//   auto claims = jose::verify_jwt(token, keys, {jose::alg::ES256}, c);   // result<object>
// Pure and thread-safe; the caller supplies keys and time.
#pragma once
#include <authplane/core/result.hpp>
#include <authplane/jose/alg.hpp>
#include <authplane/jose/jwk.hpp>

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string_view>

namespace authplane::jose {

struct jwt_check {
  std::string_view issuer;                   // "iss" must equal this exactly
  std::optional<std::string_view> audience;  // when set, "aud" (string or array) must contain it
  std::int64_t now = 0;                      // seconds since the epoch
  std::int64_t leeway = 30;                  // clock skew tolerated on exp/nbf/iat, seconds
  std::string_view typ = "at+jwt";           // header typ (case-insensitive, "application/"
                                             // prefix allowed); empty disables the check
};

// Order: parse (parse_jws errors), typ_mismatch, key selection (no_matching_key), signature,
// exp (claim_missing_exp, token_expired), nbf (token_not_yet_valid), iat
// (token_issued_in_future), iss (claim_missing_iss, issuer_mismatch), aud (claim_missing_aud,
// audience_mismatch); claim_bad_type for a claim of the wrong JSON type.
result<boost::json::object> verify_jwt(std::string_view compact, const jwks& keys,
                                       const alg_set& allowed, const jwt_check& check);

// The claim steps of verify_jwt alone (exp, nbf, iat, iss, aud, in that order, same errors), for
// a caller that already parsed the token and verified its signature with verify_jws (one parse
// instead of two). check.typ is not looked at here.
result<void> check_claims(const boost::json::object& claims, const jwt_check& check);

// Reads a NumericDate claim; nullopt when absent; claim_bad_type when not a finite number.
result<std::optional<std::int64_t>> numeric_date(const boost::json::object& claims,
                                                 std::string_view name);

}  // namespace authplane::jose
