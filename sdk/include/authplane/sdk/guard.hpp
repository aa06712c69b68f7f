// The framework-neutral resource-server core: one guard per protected resource (audience).
//   auto g = sdk::resource_guard::create(opts, keys);            // result<shared_ptr<guard>>
//   sdk::outcome o = (*g)->check("POST", "https://mcp.example/mcp", req.headers);
//   if (o) use(o.allowed->claims->subject); else send(o.denied.status, o.denied.headers, o.denied.body);
// Thread-safe; check() never throws for a bad request and never blocks except on a key fetch.
#pragma once
#include <authplane/core/clock.hpp>
#include <authplane/core/result.hpp>
#include <authplane/http/message.hpp>
#include <authplane/sdk/error.hpp>
#include <authplane/sdk/keys.hpp>
#include <authplane/sdk/options.hpp>
#include <authplane/sdk/replay.hpp>
#include <authplane/sdk/token_cache.hpp>

#include <boost/json/object.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace authplane::sdk {

// What a verified access token says. Immutable once built; shared by the token cache.
struct verified_claims {
  boost::json::object raw;             // the whole payload
  std::string issuer, subject, client_id, jti, kid;
  std::vector<std::string> audience;   // a string "aud" becomes one element
  std::vector<std::string> scopes;     // space-delimited "scope", order kept, empty when absent
  std::int64_t expires_at = 0, issued_at = 0, not_before = 0;  // not_before 0 when absent
  std::string cnf_jkt;                 // non-empty when the token is DPoP-bound
  std::string agent_id;                // "agent_id" claim; "" when absent or not a string
  std::vector<std::string> agent_chain;  // "agent_chain" strings; empty when absent or not an array
  std::optional<boost::json::object> act;      // RFC 8693 §4.1 "act" when it is an object
  std::optional<boost::json::object> may_act;  // RFC 8693 §4.4 "may_act" when it is an object

  bool has_scope(std::string_view s) const;
  bool dpop_bound() const { return !cnf_jkt.empty(); }
};

// The verified proof of a DPoP request.
struct dpop_info {
  std::string jkt, jti, htm, htu;
  std::int64_t iat = 0;
};

// An allowed request's caller.
struct principal {
  std::shared_ptr<const verified_claims> claims;
  std::string token;              // the raw access token (never log it)
  std::optional<dpop_info> dpop;  // set when a DPoP proof was verified
};

// A refusal, ready to send: status, WWW-Authenticate (+ Content-Type, Cache-Control), JSON body
// {"error":…,"error_description":…}.
struct denial {
  errc code = errc::token_missing;
  int status = 401;
  std::string error;        // OAuth error code in the body ("invalid_token", …)
  std::string description;  // error_description (detailed in dev mode, generic otherwise)
  http::header_list headers;
  std::string body;
};

struct outcome {
  std::shared_ptr<const principal> allowed;  // set when the request may proceed
  denial denied;                             // meaningful when !allowed
  explicit operator bool() const { return allowed != nullptr; }
};

// check_claims(): the verified token's claims (shared with the token cache), or the refusal.
struct claims_outcome {
  std::shared_ptr<const verified_claims> claims;  // set when the request may proceed
  denial denied;                                  // meaningful when !claims
  explicit operator bool() const { return claims != nullptr; }
};

struct guard_counters {
  std::uint64_t signature_checks = 0;  // full verifications (cache misses)
  std::uint64_t cache_hits = 0;
};

class resource_guard {
 public:
  // replay: defaults to a memory_replay_store of options.replay_store_entries when DPoP is on.
  // clk: defaults to the system clock. Fails with errc::invalid_options (see validate()).
  static result<std::shared_ptr<resource_guard>> create(options o, std::shared_ptr<jwks_source> keys,
                                                        std::shared_ptr<replay_store> replay = nullptr,
                                                        std::shared_ptr<const clock> clk = nullptr);

  // Checks one request. `url` is the absolute request URL built from the configured origin and
  // the raw request target (used for DPoP htu). extra_scopes are required on top of
  // options.scopes (per-route scopes). Order: Authorization header, token (cache or full
  // verification), DPoP binding, revocation (options.revocation, when set), scopes. An
  // unexpected exception anywhere yields a 500 denial with errc::verifier_failure.
  outcome check(std::string_view method, std::string_view url, const http::header_list& headers,
                const std::vector<std::string>& extra_scopes = {}) const;

  // The same checks as check(), for callers that only need the claims: no principal is built
  // (no allocation, no copy of the token), so a cached token costs a hash lookup and the checks.
  claims_outcome check_claims(std::string_view method, std::string_view url, const http::header_list& headers,
                              const std::vector<std::string>& extra_scopes = {}) const;

  // Token verification alone (no header, DPoP, revocation or scope checks — checklist 50);
  // populates the token cache. An exception inside (e.g. from a key source) becomes
  // errc::verifier_failure, never an authentication failure.
  result<std::shared_ptr<const verified_claims>> verify_token(std::string_view token,
                                                              std::string* detail = nullptr) const;

  // The denial the guard sends for `code` (exact challenge and body). `detail` is the dev-mode
  // description; `scopes` the scope="…" value for insufficient_scope.
  denial deny(errc code, std::string_view detail, const std::vector<std::string>& scopes = {}) const;

  const options& opts() const { return opts_; }
  const std::string& resource() const { return resource_; }
  const std::string& resource_metadata_url() const { return prm_url_; }
  guard_counters counters() const;

  resource_guard(options o, std::shared_ptr<jwks_source> keys, std::shared_ptr<replay_store> replay,
                 std::shared_ptr<const clock> clk);  // use create()

 private:
  struct impl;
  // Every check; on success also the raw token and the verified DPoP proof, for check().
  claims_outcome check_unguarded(std::string_view method, std::string_view url, const http::header_list& headers,
                                 const std::vector<std::string>& extra_scopes, std::string_view* token_out,
                                 std::optional<dpop_info>* dpop_out) const;
  result<std::shared_ptr<const verified_claims>> verify_unguarded(std::string_view token, std::string& why) const;
  // The refusal reason when options.revocation says revoked (or failed while fail-closed).
  std::optional<std::string> revocation_refusal(const verified_claims& c, std::string_view token) const;
  options opts_;
  std::string resource_;
  std::string prm_url_;
  std::shared_ptr<jwks_source> keys_;
  std::shared_ptr<replay_store> replay_;
  std::shared_ptr<const clock> clock_;
  std::unique_ptr<token_cache> cache_;
  std::shared_ptr<impl> impl_;
};

// The WWW-Authenticate value for a denial (exposed for tests and custom adapters).
// Parameters are quoted; CR, LF, '"' and '\' runs in values become one space.
std::string www_authenticate(const options& o, const std::string& prm_url, errc code,
                             std::string_view description, const std::vector<std::string>& scopes);

}  // namespace authplane::sdk
