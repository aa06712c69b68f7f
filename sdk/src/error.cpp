#include <authplane/sdk/error.hpp>

#include <string>

namespace authplane::sdk {
namespace {

class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "authplane.sdk"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::invalid_options: return "invalid SDK options";
      case errc::token_missing: return "no access token";
      case errc::invalid_request: return "malformed Authorization header";
      case errc::token_malformed: return "access token is not a well-formed JWS";
      case errc::kid_missing: return "token header has no kid";
      case errc::alg_not_allowed: return "token algorithm not allowed";
      case errc::typ_mismatch: return "token typ is not at+jwt";
      case errc::unknown_kid: return "token kid not found in JWKS";
      case errc::signature_invalid: return "token signature invalid";
      case errc::claim_missing: return "token lacks a required claim";
      case errc::issuer_mismatch: return "token issuer mismatch";
      case errc::audience_mismatch: return "token audience mismatch";
      case errc::token_expired: return "token expired";
      case errc::token_not_yet_valid: return "token not yet valid";
      case errc::token_issued_in_future: return "token issued in the future";
      case errc::cnf_missing_jkt: return "token cnf lacks jkt";
      case errc::insufficient_scope: return "insufficient scope";
      case errc::dpop_not_supported: return "DPoP not supported by this resource";
      case errc::dpop_binding_mismatch: return "DPoP binding mismatch";
      case errc::dpop_proof_missing: return "DPoP proof missing";
      case errc::dpop_proof_invalid: return "DPoP proof invalid";
      case errc::dpop_multiple_proofs: return "multiple DPoP proofs";
      case errc::dpop_replay: return "DPoP proof replayed";
      case errc::keys_unavailable: return "signing keys unavailable";
      case errc::ssrf_blocked: return "fetch blocked by the SSRF policy";
      case errc::response_too_large: return "fetched document exceeds its size limit";
      case errc::metadata_fetch_failed: return "failed to fetch authorization server metadata";
      case errc::metadata_issuer_missing: return "AS metadata missing required 'issuer' field";
      case errc::metadata_issuer_mismatch: return "AS metadata issuer mismatch";
      case errc::metadata_endpoint_missing: return "AS metadata missing required 'jwks_uri' field";
      case errc::metadata_endpoint_invalid: return "AS metadata endpoint URL is not absolute or not https";
      case errc::jwks_fetch_failed: return "failed to fetch jwks";
      case errc::token_revoked: return "token revoked";
      case errc::verifier_failure: return "verifier runtime failure";
    }
    return "unknown authplane.sdk error";
  }
};

}  // namespace

const boost::system::error_category& sdk_category() noexcept {
  static const category c;
  return c;
}

}  // namespace authplane::sdk
