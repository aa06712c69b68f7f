// Error codes of authplane_jose, registered as the "authplane.jose" error category.
//   auto t = jose::parse_jws(text, allowed);
//   if (!t && t.error() == jose::errc::alg_not_allowed) { ... }
// The enum is closed and each value names one precise reason, so tests assert exact codes and
// the HTTP layer maps them to OAuth errors in one place.
#pragma once
#include <boost/system/error_code.hpp>

#include <type_traits>

namespace authplane::jose {

enum class errc {
  // --- compact JWS structure
  malformed = 1,          // not three dot-separated parts, or a part is not strict base64url
  too_large,              // input over its cap (JWS 16 KiB, JWK/JWKS 64 KiB, JWKS > 100 keys)
  header_not_json,        // protected header is not a JSON object
  header_bad_member,      // header "kid", "typ" or "jwk" has the wrong JSON type
  payload_not_json,       // payload is not a JSON object
  alg_missing,            // header has no string "alg"
  alg_not_allowed,        // "alg" unknown, "none", HMAC, or outside the caller's allow-list
  crit_unsupported,       // header carries "crit" (no extension is understood)
  // --- key selection and signature
  alg_key_mismatch,       // the key's type/curve (or its "alg" member) does not fit the alg
  key_use_mismatch,       // the JWK has "use" other than "sig"
  kid_mismatch,           // header "kid" differs from the key's "kid"
  no_matching_key,        // no key in the set has the token's kid / fits its alg
  signature_invalid,      // the signature does not verify (any length or bit error)
  sign_failed,            // signing failed inside the crypto layer
  typ_mismatch,           // header "typ" missing or not the expected media type
  // --- JWK / JWKS
  jwk_not_json,           // JWK text is not a JSON object
  jwk_missing_kty,        // no string "kty"
  jwk_unsupported_kty,    // "kty" other than EC, RSA, OKP
  jwk_missing_crv,        // EC/OKP key without string "crv"
  jwk_unsupported_crv,    // curve other than P-256/P-384/P-521 (EC) or Ed25519 (OKP)
  jwk_missing_x,          // EC/OKP key without "x"
  jwk_missing_y,          // EC key without "y"
  jwk_missing_n,          // RSA key without "n"
  jwk_missing_e,          // RSA key without "e"
  jwk_bad_x,              // "x" not a string, not base64url, or not the curve's size
  jwk_bad_y,              // "y" not a string, not base64url, or not the curve's size
  jwk_bad_n,              // "n" not a string, not base64url, or not a usable modulus
  jwk_bad_e,              // "e" not a string, not base64url, or not an odd exponent in [3, 2^32)
  jwk_bad_point,          // (x, y) is not a point on the named curve
  jwk_bad_member,         // "kid", "alg" or "use" is present but not a string
  jwk_private_material,   // a public key was expected but d/p/q/dp/dq/qi/oth/k is present
  rsa_key_too_small,      // RSA modulus shorter than 2048 bits
  rsa_key_too_large,      // RSA modulus longer than 16384 bits
  jwks_not_json,          // JWKS text is not a JSON object
  jwks_missing_keys,      // JWKS without a "keys" array
  // --- JWT claims (RFC 7519, RFC 9068)
  claim_missing_exp,      // no "exp" claim
  claim_missing_iss,      // no "iss" claim
  claim_missing_aud,      // an audience is required but "aud" is absent
  claim_bad_type,         // exp/nbf/iat not a finite number, iss not a string, aud malformed
  token_expired,          // now >= exp + leeway
  token_not_yet_valid,    // now + leeway < nbf
  token_issued_in_future, // iat > now + leeway
  issuer_mismatch,        // "iss" differs from the expected issuer
  audience_mismatch,      // "aud" does not contain the expected audience
  // --- DPoP proofs (RFC 9449 §4.3)
  dpop_typ,               // "typ" is not "dpop+jwt"
  dpop_jwk_missing,       // header has no "jwk" object
  dpop_jwk_private,       // header "jwk" contains private key members
  dpop_jti_missing,       // "jti" absent, not a string, or empty
  dpop_jti_too_long,      // "jti" longer than 256 characters
  dpop_htm_missing,       // "htm" absent or not a string
  dpop_htm_mismatch,      // "htm" differs from the request method
  dpop_htu_missing,       // "htu" absent or not a string
  dpop_htu_invalid,       // "htu" (or the request URI) is not an absolute URI
  dpop_htu_mismatch,      // "htu" scheme/host/port/path differs from the request URI
  dpop_iat_missing,       // "iat" absent or not a number
  dpop_iat_out_of_window, // "iat" outside [now - max_age, now + max_age]
  dpop_ath_missing,       // an access token is bound but "ath" is absent
  dpop_ath_mismatch,      // "ath" differs from base64url(SHA-256(access token))
  dpop_nonce_invalid,     // "nonce" present but not a string
};

const boost::system::error_category& jose_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), jose_category()};
}

}  // namespace authplane::jose

namespace boost::system {
template <>
struct is_error_code_enum<authplane::jose::errc> : std::true_type {};
}  // namespace boost::system
