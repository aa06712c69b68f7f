// Error codes of authplane_sdk ("authplane.sdk" category): one value per reason a request is
// refused, plus configuration errors. Each maps to one HTTP status and challenge (see guard.hpp).
//   auto out = guard->check("GET", url, headers);
//   if (!out && out.denied.code == sdk::errc::token_expired) { ... }
#pragma once
#include <boost/system/error_code.hpp>
#include <type_traits>

namespace authplane::sdk {

enum class errc {
  // --- configuration (returned by resource_guard::create)
  invalid_options = 1,      // an option is out of range or malformed
  // --- Authorization header (401 without error code / 400 invalid_request)
  token_missing,            // no Authorization header, or a scheme other than Bearer/DPoP
  invalid_request,          // two Authorization headers, or a malformed Bearer/DPoP credential
  // --- access token (401 invalid_token)
  token_malformed,          // not a compact JWS, or an undecodable header/payload
  kid_missing,              // header has no "kid"
  alg_not_allowed,          // header "alg" outside the allow-list (none/HS* never allowed)
  typ_mismatch,             // header "typ" is not exactly "at+jwt"
  unknown_kid,              // no key with this kid, even after one forced refresh
  signature_invalid,        // the signature does not verify with the selected key
  claim_missing,            // iss, aud, sub, client_id, exp, iat or jti absent (or wrong type)
  issuer_mismatch,          // "iss" differs from the configured issuer (byte-exact)
  audience_mismatch,        // "aud" does not contain the resource (byte-exact)
  token_expired,            // now >= exp + leeway
  token_not_yet_valid,      // nbf > now + leeway
  token_issued_in_future,   // iat > now + leeway
  cnf_missing_jkt,          // "cnf" present but without a non-empty string "jkt"
  // --- scopes (403 insufficient_scope)
  insufficient_scope,       // the token lacks a required scope
  // --- DPoP (401; DPoP challenge except dpop_not_supported)
  dpop_not_supported,       // DPoP disabled, but the token is bound or a proof was sent
  dpop_binding_mismatch,    // unbound token with a proof/DPoP scheme, bound token under Bearer,
                            // bearer token where DPoP is required, or proof key != cnf.jkt
  dpop_proof_missing,       // bound token without a DPoP proof
  dpop_proof_invalid,       // the proof fails RFC 9449 §4.3 validation
  dpop_multiple_proofs,     // more than one DPoP proof (invalid_dpop_proof)
  dpop_replay,              // the proof's jti was already used
  // --- availability (503)
  keys_unavailable,         // no signing keys could be obtained
  // --- revocation and runtime
  token_revoked,            // the revocation checker says revoked, or failed while fail-closed (401)
  verifier_failure,         // an unexpected exception inside the guard (500, never an auth failure)
  // --- network: discovery and document fetches (503 when they reach a request; see fetch.hpp)
  ssrf_blocked,               // URL scheme not allowed, or a resolved address is blocked
  response_too_large,         // a fetched document exceeds its size cap
  metadata_fetch_failed,      // the RFC 8414 metadata could not be fetched (transport, status, JSON)
  metadata_issuer_missing,    // metadata has no non-empty string "issuer"
  metadata_issuer_mismatch,   // metadata "issuer" differs from the configured issuer (byte-exact)
  metadata_endpoint_missing,  // metadata has no "jwks_uri" (never synthesised)
  metadata_endpoint_invalid,  // an endpoint URL is not absolute, or not https when http is not allowed
  jwks_fetch_failed,          // the JWKS could not be fetched or is not a valid JWKS
};

const boost::system::error_category& sdk_category() noexcept;
inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), sdk_category()};
}

}  // namespace authplane::sdk

namespace boost::system {
template <>
struct is_error_code_enum<authplane::sdk::errc> : std::true_type {};
}  // namespace boost::system
