// The token, introspection and revocation endpoints' use cases.
//
//   oauth_service svc{opts, deps};
//   svc.token(request, [](ports::token_outcome o) { ... });   // may complete on the store's thread
//
// Grant types are handlers in a registry keyed by grant_type: a disabled grant is simply not
// registered, which yields unsupported_grant_type and keeps it out of the metadata.
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "authplane/core/clock.hpp"
#include "authplane/ports/oauth.hpp"
#include "authplane/ports/refresh.hpp"
#include "authplane/ports/services.hpp"
#include "authplane/ports/stores.hpp"
#include "authplane/services/catalog.hpp"
#include "authplane/services/keys.hpp"

namespace authplane::services {

struct oauth_options {
  std::string issuer;
  bool client_credentials_enabled = true;
  std::int64_t client_credentials_ttl = 3600;
  bool dpop_enabled = true;
  bool dpop_require_nonce = false;
  std::int64_t dpop_nonce_ttl = 60;
  std::int64_t dpop_proof_lifetime = 60;
  std::string dpop_nonce_key;  // HMAC key for stateless nonces; random per process when empty
  // authorization_code / refresh_token (served when oauth_deps has codes, refresh and users).
  std::int64_t user_token_ttl = 900;      // access tokens for users: dcr.default_token_expiry (15m)
  std::int64_t refresh_ttl = 7 * 86400;   // each refresh token: dcr.default_refresh_expiry (168h)
};

struct oauth_deps {
  ports::client_store& clients;
  ports::issuance_store& issuances;
  ports::audit_store& audit;
  ports::client_secrets& secrets;
  ports::replay_cache& replay;
  resource_catalog& catalog;
  signing_keys& keys;
  const clock& clk;
  // The authorization code and refresh token grants (all three set, or neither is served).
  ports::code_store* codes = nullptr;
  ports::refresh_store* refresh = nullptr;
  ports::user_store* users = nullptr;
};

// What a grant handler gets: the parsed request and the authenticated client.
struct grant_context {
  const ports::token_request& req;
  const domain::client& client;
  std::string param(std::string_view name) const;
  bool has_param(std::string_view name) const;
};

struct minted {
  std::string access_token;
  domain::issuance record;
  std::string scope;
};

class oauth_service;

class grant_handler {
 public:
  virtual ~grant_handler() = default;
  virtual std::string_view grant_type() const = 0;
  // Validates and decides; issues through oauth_service::issue (shared minting).
  virtual void handle(oauth_service& svc, const grant_context& ctx, const std::string& dpop_jkt,
                      std::function<void(ports::token_outcome)> done) = 0;
};

class oauth_service final : public ports::token_service, public ports::token_admin_service {
 public:
  oauth_service(oauth_options opts, oauth_deps deps);
  ~oauth_service() override;

  void token(ports::token_request req, std::function<void(ports::token_outcome)> done) override;
  ports::token_outcome introspect(const ports::introspection_request& req) override;
  ports::token_outcome revoke(const ports::introspection_request& req) override;

  // Grant types in metadata order.
  std::vector<std::string> grant_types() const;
  const oauth_options& options() const { return opts_; }

  // Shared minting for every grant: signs an RFC 9068 at+jwt, records the issuance durably,
  // then answers. `grant_type` names the audit action prefix.
  struct issue_params {
    std::string grant_type;
    std::string subject;
    const domain::client* client = nullptr;
    std::string audience;
    std::string resource_id;
    std::vector<std::string> scopes;
    std::int64_t ttl = 3600;
    std::string dpop_jkt;
    std::string remote_ip;
    std::string user_id;        // the signed-in user (user tokens): recorded as the issuance subject
    std::string refresh_token;  // returned alongside the access token when set
    // A refresh write committed with the issuance, in its group-committed transaction and
    // before it (family creation on code redemption, rotation on refresh): see
    // ports::issuance_store::record_issuance_with. The access token's jti is linked to the family.
    ports::issuance_companion companion;
    // With a companion: maps the store's answer to the error answered instead of the token
    // (nullopt: the token is answered). Runs where the store reports (its writer thread). Unset:
    // any error is internal, any outcome but rotated too.
    std::function<std::optional<domain::oauth_error>(boost::system::error_code, ports::rotate_outcome)> on_recorded;
  };
  void issue(const issue_params& p, std::function<void(ports::token_outcome)> done);

  // Stateless DPoP nonce: base64url(8-byte time || 16-byte MAC). Valid for dpop_nonce_ttl.
  std::string new_dpop_nonce() const;
  bool dpop_nonce_valid(std::string_view nonce) const;

  oauth_deps& deps() { return deps_; }

 private:
  struct auth_outcome;
  // RFC 6749 §2.3.1: Basic first, else client_id/client_secret form fields, never both.
  std::variant<domain::client, domain::oauth_error> authenticate(const ports::presented_client& auth,
                                                                 const ports::form_params& form,
                                                                 bool allow_public);
  std::optional<domain::oauth_error> check_dpop(const ports::token_request& req, std::string& jkt,
                                                std::string& nonce_out);

  oauth_options opts_;
  oauth_deps deps_;
  std::map<std::string, std::unique_ptr<grant_handler>, std::less<>> grants_;
  std::vector<std::string> grant_order_;
};

std::unique_ptr<grant_handler> make_client_credentials_grant();
std::unique_ptr<grant_handler> make_authorization_code_grant();
std::unique_ptr<grant_handler> make_refresh_token_grant();

}  // namespace authplane::services
