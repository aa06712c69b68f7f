// The OAuth client half of the SDK: client credentials (with a token cache), introspection,
// revocation and outbound DPoP, against endpoints the caller names (never guessed).
//   sdk::client_config cfg{.endpoints = sdk::endpoints_from_metadata(as_metadata),
//                          .client_id = "svc", .client_secret = secret};
//   auto c = *sdk::oauth_client::create(cfg, {}, *sdk::dpop_signer::generate());
//   sdk::client_error why;
//   auto t = c->client_credentials({"mcp:echo"}, {"https://mcp.example/mcp"}, &why);
//   if (!t) log(why.message);   // "authplane: client_credentials: <description|code|HTTP n>"
// Thread-safe: one client may serve many threads. Tokens and secrets are never logged.
#pragma once
#include <authplane/core/clock.hpp>
#include <authplane/core/result.hpp>
#include <authplane/crypto/keys.hpp>
#include <authplane/http/client.hpp>
#include <authplane/sdk/options.hpp>

#include <boost/json/object.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace authplane::sdk {

// Error codes of the OAuth client ("authplane.sdk.client" category).
enum class client_errc {
  invalid_config = 1,      // client_config out of range, or a malformed key for dpop_signer
  missing_endpoint,        // the operation's endpoint is not configured (never guessed)
  invalid_argument,        // e.g. an empty token to introspect or revoke
  transport_failure,       // connection, timeout or HTTP parse error (counts for the breaker)
  response_too_large,      // response body over client_config::max_response_bytes
  protocol_error,          // a 2xx answer that breaks RFC 6749/7662/9449 (bad token response, ...)
  circuit_open,            // the circuit breaker refuses calls for now
  no_dpop_signer,          // a DPoP proof was asked of a client without a signer
  // --- OAuth "error" codes answered by the server (RFC 6749 §5.2, RFC 9449, RFC 8707)
  invalid_request,
  invalid_client,          // also any 401 without a known error code
  invalid_grant,
  unauthorized_client,
  unsupported_grant_type,
  invalid_scope,
  invalid_target,
  access_denied,
  invalid_dpop_proof,
  use_dpop_nonce,          // still refused after the single nonce retry
  server_error,            // any 5xx (counts for the breaker)
  oauth_error,             // another or no "error" code on a 4xx
};

const boost::system::error_category& client_category() noexcept;
inline boost::system::error_code make_error_code(client_errc e) noexcept {
  return {static_cast<int>(e), client_category()};
}

// Filled on failure: what the server said and the one-line message for logs.
struct client_error {
  int status = 0;           // HTTP status; 0 when no response was received
  std::string error;        // the body's "error", when any
  std::string description;  // the body's "error_description", when any
  std::string message;      // "authplane: <op>: <description | error | HTTP n | reason>"
};

// Sends one request: (method, absolute url, headers, body) -> response. Injectable for tests.
using transport = std::function<result<http::client_response>(
    std::string_view method, std::string_view url, const http::header_list& headers, std::string_view body)>;
// authplane::http::fetch with the given timeout and a response cap enforced while reading
// (Content-Length and streamed bytes); an oversized answer fails with message_size.
transport default_transport(std::chrono::milliseconds timeout = std::chrono::seconds(10),
                            std::size_t max_response_bytes = 64 * 1024);

struct as_endpoints {
  std::string token_endpoint;          // empty = missing (missing_endpoint on use)
  std::string introspection_endpoint;
  std::string revocation_endpoint;
};
// Reads the three endpoints from an RFC 8414 metadata document (absent/non-string -> empty).
// Validating the document (issuer, https) is discovery's job, not this function's.
as_endpoints endpoints_from_metadata(const boost::json::object& metadata);

enum class client_auth {
  basic,  // Authorization: Basic base64(pct(id) ":" pct(secret)) (RFC 6749 §2.3.1)
  post,   // client_id / client_secret form fields
};

struct client_config {
  as_endpoints endpoints;
  std::string client_id;      // empty: no client authentication at all
  std::string client_secret;  // empty: a public client (client_id sent as a form field)
  client_auth auth_method = client_auth::basic;
  std::int64_t cache_buffer_seconds = 30;    // tokens stop being served this long before expiry
  std::int64_t default_ttl_seconds = 3600;   // lifetime assumed when expires_in is absent
  std::size_t cache_max_entries = 10'000;    // LRU cap of the client-credentials cache
  int breaker_threshold = 5;                 // consecutive 5xx/transport failures to open
  std::int64_t breaker_cooldown_seconds = 30;
  std::size_t max_response_bytes = 64 * 1024;
  std::size_t nonce_store_entries = 128;     // DPoP nonces remembered, one per origin (LRU)
};

// An access token response (RFC 6749 §5.1).
struct token_response {
  std::string access_token;
  std::string token_type;                 // "Bearer" or "DPoP" as sent (case kept)
  std::optional<std::int64_t> expires_in; // absent when the server omitted it
  std::string scope, refresh_token;
  std::string cnf_jkt;                    // "cnf":{"jkt"} when the server reports the binding
};

// An introspection answer (RFC 7662 §2.2). Absent fields are empty / 0.
struct introspection_response {
  bool active = false;  // a missing "active" means inactive
  std::string scope, client_id, sub, username, token_type, iss, jti, agent_id, cnf_jkt;
  std::vector<std::string> aud;  // "aud" string or array
  std::int64_t exp = 0, iat = 0, nbf = 0;
  boost::json::object raw;       // the whole answer
};

// An ES256 key that signs DPoP proofs (RFC 9449 §4.2). Immutable; thread-safe.
class dpop_signer {
 public:
  static result<std::shared_ptr<const dpop_signer>> generate();
  // A private EC P-256 JWK ({"kty":"EC","crv":"P-256","x","y","d"}); invalid_config otherwise.
  static result<std::shared_ptr<const dpop_signer>> from_jwk(std::string_view private_jwk_json);

  // Header {typ:"dpop+jwt", alg:"ES256", jwk:<public>}; claims jti (random), htm (upper-case),
  // htu (query/fragment removed), iat = now, exp = now + 300, nonce when non-empty, ath only when
  // access_token is non-empty. invalid_argument when url is not absolute http(s).
  result<std::string> proof(std::string_view method, std::string_view url, std::int64_t now,
                            std::string_view access_token = {}, std::string_view nonce = {}) const;
  const boost::json::object& public_jwk() const { return jwk_; }
  const std::string& thumbprint() const { return jkt_; }  // RFC 7638, base64url

  explicit dpop_signer(crypto::private_key k);  // use generate() / from_jwk()

 private:
  crypto::private_key key_;
  boost::json::object jwk_;
  std::string jkt_;
};

enum class breaker_state { closed, open, half_open };

class oauth_client {
 public:
  // t: default_transport() when empty; dpop: proofs on token requests when set; clk: system.
  static result<std::shared_ptr<oauth_client>> create(client_config cfg, transport t = {},
                                                      std::shared_ptr<const dpop_signer> dpop = nullptr,
                                                      std::shared_ptr<const clock> clk = nullptr);
  ~oauth_client();

  // RFC 6749 §4.4, with one space-joined "scope" and one "resource" per value (RFC 8707).
  // Answers are cached under (sorted scopes, sorted resources) until expiry - buffer; the cache
  // is consulted before the breaker, so a cached token is still served while the breaker is open.
  result<token_response> client_credentials(const std::vector<std::string>& scopes = {},
                                            const std::vector<std::string>& resources = {},
                                            client_error* why = nullptr);
  // RFC 7662, token_type_hint=access_token.
  result<introspection_response> introspect(std::string_view token, client_error* why = nullptr);
  // RFC 7009, token_type_hint=access_token; any 2xx is success.
  result<void> revoke(std::string_view token, client_error* why = nullptr);

  // A DPoP proof for calling a protected resource with `access_token` (carries ath and the
  // origin's stored nonce, if any). no_dpop_signer without a signer.
  result<std::string> resource_proof(std::string_view method, std::string_view url,
                                     std::string_view access_token) const;

  breaker_state circuit() const;
  std::size_t cached_tokens() const;
  std::optional<std::string> nonce_for(std::string_view url) const;  // stored DPoP-Nonce, if any
  const client_config& config() const { return cfg_; }

  struct impl;
  oauth_client(client_config cfg, transport t, std::shared_ptr<const dpop_signer> dpop,
               std::shared_ptr<const clock> clk);  // use create()

 private:
  client_config cfg_;
  std::unique_ptr<impl> impl_;
};

// A revocation checker (options.hpp) backed by introspection: posts the raw token with
// token_type_hint=access_token; active:false -> revoked; any failure -> an error for the
// guard's fail-open/fail-closed policy.
revocation_checker introspection_revocation_checker(std::shared_ptr<oauth_client> client);

}  // namespace authplane::sdk

namespace boost::system {
template <>
struct is_error_code_enum<authplane::sdk::client_errc> : std::true_type {};
}  // namespace boost::system
