// Configuration of a protected resource (one audience). Defaults follow shared/reference/sdk.md.
//   sdk::options o{.issuer = "https://as.example", .base_url = "https://mcp.example",
//                  .scopes = {"mcp:echo"}};
//   o.resource();   // "https://mcp.example/mcp": the audience tokens must carry
//   auto err = sdk::validate(o);   // empty error_code when usable
#pragma once
#include <authplane/core/result.hpp>
#include <authplane/jose/alg.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace authplane::sdk {

struct verified_claims;  // guard.hpp

// Asks whether a verified token was revoked: true = revoked, false = still valid, an error =
// the check itself failed (then options::revocation_fail_closed decides). May throw; a throw
// counts as a failed check. Called on every request the signature check accepted (also for
// tokens served from the verified-token cache), never for a token that failed verification.
using revocation_checker = std::function<result<bool>(const verified_claims&, std::string_view raw_token)>;

enum class dpop_mode {
  disabled,  // bound tokens and DPoP proofs are refused (dpop_not_supported)
  optional,  // bearer tokens accepted; bound tokens need a valid proof
  required,  // only DPoP-bound tokens with a valid proof are accepted
};

struct options {
  std::string issuer;               // compared byte-for-byte with "iss" (no slash stripping)
  std::string base_url;             // public origin of the server, e.g. "https://mcp.example"
  std::string mcp_path = "/mcp";    // audience = base_url (trailing '/' removed) + mcp_path
  std::vector<std::string> scopes;  // required on every request; advertised in PRM
  std::vector<std::string> extra_scopes_supported;  // advertised in PRM, not required
  std::string resource_name;        // PRM "resource_name" when non-empty
  std::string realm;                // challenge realm="…" when non-empty
  bool dev_mode = false;            // error_description names the exact mismatch
  jose::alg_set allowed_algs = {jose::alg::RS256, jose::alg::ES256};
  std::int64_t leeway_seconds = 30;  // exp/nbf/iat skew, 0..300

  dpop_mode dpop = dpop_mode::disabled;
  jose::alg_set dpop_algs = {jose::alg::ES256, jose::alg::RS256};
  std::int64_t dpop_max_age_seconds = 300;  // accepted |iat - now| of a proof, 1..3600

  // Key and document caches (used by the fetching key source; see keys.hpp).
  std::int64_t jwks_refresh_seconds = 300;          // > 0
  std::int64_t jwks_refresh_cooldown_seconds = 10;  // >= 0, min gap between forced refreshes
  std::int64_t metadata_refresh_seconds = 3600;     // > 0

  std::size_t token_cache_entries = 10'000;    // verified-token cache size, 0 disables it
  std::size_t replay_store_entries = 100'000;  // DPoP jti store hard cap (> 0)

  // Revocation (checklist 51-54). No checker: no call is made. Fail-closed by default: a
  // failed check (network, 5xx, open breaker, throw) refuses the token with token_revoked, as
  // the conformance catalog prefers; set false to accept the token when the check fails.
  revocation_checker revocation;
  bool revocation_fail_closed = true;

  // base_url without trailing '/' followed by mcp_path.
  std::string resource() const;
};

// AUTHPLANE_DEV_MODE in {true, 1, yes} (case-insensitive).
bool dev_mode_from_env();

// errc::invalid_options when: issuer empty; base_url not an absolute http(s) URL without query
// or fragment; mcp_path non-empty and not starting with '/'; a scope not a valid scope-token;
// allowed_algs empty; leeway outside 0..300; DPoP on with empty dpop_algs; dpop_max_age outside
// 1..3600; jwks/metadata refresh <= 0; cooldown < 0; replay_store_entries == 0.
error_code validate(const options& o);

}  // namespace authplane::sdk
