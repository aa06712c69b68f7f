#include "authplane/jose/error.hpp"

#include <string>

namespace authplane::jose {
namespace {
class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "authplane.jose"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::malformed: return "not three dot-separated parts, or a part is not strict base64url";
      case errc::too_large: return "input over its cap (JWS 16 KiB, JWK/JWKS 64 KiB, JWKS > 100 keys)";
      case errc::header_not_json: return "protected header is not a JSON object";
      case errc::header_bad_member: return "header \"kid\", \"typ\" or \"jwk\" has the wrong JSON type";
      case errc::payload_not_json: return "payload is not a JSON object";
      case errc::alg_missing: return "header has no string \"alg\"";
      case errc::alg_not_allowed: return "\"alg\" unknown, \"none\", HMAC, or outside the caller's allow-list";
      case errc::crit_unsupported: return "header carries \"crit\" (no extension is understood)";
      case errc::alg_key_mismatch: return "the key's type/curve (or its \"alg\" member) does not fit the alg";
      case errc::key_use_mismatch: return "the JWK has \"use\" other than \"sig\"";
      case errc::kid_mismatch: return "header \"kid\" differs from the key's \"kid\"";
      case errc::no_matching_key: return "no key in the set has the token's kid / fits its alg";
      case errc::signature_invalid: return "the signature does not verify (any length or bit error)";
      case errc::sign_failed: return "signing failed inside the crypto layer";
      case errc::typ_mismatch: return "header \"typ\" missing or not the expected media type";
      case errc::jwk_not_json: return "JWK text is not a JSON object";
      case errc::jwk_missing_kty: return "no string \"kty\"";
      case errc::jwk_unsupported_kty: return "\"kty\" other than EC, RSA, OKP";
      case errc::jwk_missing_crv: return "EC/OKP key without string \"crv\"";
      case errc::jwk_unsupported_crv: return "curve other than P-256/P-384/P-521 (EC) or Ed25519 (OKP)";
      case errc::jwk_missing_x: return "EC/OKP key without \"x\"";
      case errc::jwk_missing_y: return "EC key without \"y\"";
      case errc::jwk_missing_n: return "RSA key without \"n\"";
      case errc::jwk_missing_e: return "RSA key without \"e\"";
      case errc::jwk_bad_x: return "\"x\" not a string, not base64url, or not the curve's size";
      case errc::jwk_bad_y: return "\"y\" not a string, not base64url, or not the curve's size";
      case errc::jwk_bad_n: return "\"n\" not a string, not base64url, or not a usable modulus";
      case errc::jwk_bad_e: return "\"e\" not a string, not base64url, or not an odd exponent in [3, 2^32)";
      case errc::jwk_bad_point: return "(x, y) is not a point on the named curve";
      case errc::jwk_bad_member: return "\"kid\", \"alg\" or \"use\" is present but not a string";
      case errc::jwk_private_material: return "a public key was expected but d/p/q/dp/dq/qi/oth/k is present";
      case errc::rsa_key_too_small: return "RSA modulus shorter than 2048 bits";
      case errc::rsa_key_too_large: return "RSA modulus longer than 16384 bits";
      case errc::jwks_not_json: return "JWKS text is not a JSON object";
      case errc::jwks_missing_keys: return "JWKS without a \"keys\" array";
      case errc::claim_missing_exp: return "no \"exp\" claim";
      case errc::claim_missing_iss: return "no \"iss\" claim";
      case errc::claim_missing_aud: return "an audience is required but \"aud\" is absent";
      case errc::claim_bad_type: return "exp/nbf/iat not a finite number, iss not a string, aud malformed";
      case errc::token_expired: return "now >= exp + leeway";
      case errc::token_not_yet_valid: return "now + leeway < nbf";
      case errc::token_issued_in_future: return "iat > now + leeway";
      case errc::issuer_mismatch: return "\"iss\" differs from the expected issuer";
      case errc::audience_mismatch: return "\"aud\" does not contain the expected audience";
      case errc::dpop_typ: return "\"typ\" is not \"dpop+jwt\"";
      case errc::dpop_jwk_missing: return "header has no \"jwk\" object";
      case errc::dpop_jwk_private: return "header \"jwk\" contains private key members";
      case errc::dpop_jti_missing: return "\"jti\" absent, not a string, or empty";
      case errc::dpop_jti_too_long: return "\"jti\" longer than 256 characters";
      case errc::dpop_htm_missing: return "\"htm\" absent or not a string";
      case errc::dpop_htm_mismatch: return "\"htm\" differs from the request method";
      case errc::dpop_htu_missing: return "\"htu\" absent or not a string";
      case errc::dpop_htu_invalid: return "\"htu\" (or the request URI) is not an absolute URI";
      case errc::dpop_htu_mismatch: return "\"htu\" scheme/host/port/path differs from the request URI";
      case errc::dpop_iat_missing: return "\"iat\" absent or not a number";
      case errc::dpop_iat_out_of_window: return "\"iat\" outside [now - max_age, now + max_age]";
      case errc::dpop_ath_missing: return "an access token is bound but \"ath\" is absent";
      case errc::dpop_ath_mismatch: return "\"ath\" differs from base64url(SHA-256(access token))";
      case errc::dpop_nonce_invalid: return "\"nonce\" present but not a string";
    }
    return "unknown authplane.jose error";
  }
};
}  // namespace

const boost::system::error_category& jose_category() noexcept {
  static const category c;
  return c;
}
}  // namespace authplane::jose
