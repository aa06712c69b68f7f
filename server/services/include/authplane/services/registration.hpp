// RFC 7591 dynamic client registration (POST /oauth/register) with the reference's three modes.
//
//   registration_options o{.mode = "open"};
//   registration dcr{o, {clients, secrets, audit, catalog, clock}};
//   auto out = dcr.register_client({body, remote_ip});   // 201 body or an oauth_error
//
// Modes (dcr.mode): open — anyone may register; approved_redirects — every redirect_uri must
// equal an entry of dcr.approved_redirects byte for byte; admin_only — 403 access_denied
// "registration is disabled" (clients come from the admin API or the CLI only).
// Validation failures are collected and reported together, in the reference's envelope:
// 400 invalid_client_metadata "invalid_client: client validation failed: <a>; <b>".
#pragma once
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "authplane/core/clock.hpp"
#include "authplane/domain/entities.hpp"
#include "authplane/ports/oauth.hpp"
#include "authplane/ports/services.hpp"
#include "authplane/ports/stores.hpp"
#include "authplane/services/catalog.hpp"

namespace authplane::services {

namespace dcr_mode {
inline constexpr const char* open = "open";
inline constexpr const char* approved_redirects = "approved_redirects";
inline constexpr const char* admin_only = "admin_only";
}  // namespace dcr_mode

struct registration_rules {
  // Grant types the token endpoint serves (authorization_code and refresh_token included).
  std::vector<std::string> enabled_grants;
  // Scopes a registered client may hold: the catalog's scopes. Requested scopes outside this
  // list are dropped from the registered ceiling (RFC 7591 §3.2.1 lets the server narrow).
  std::vector<std::string> offered_scopes;
  // oauth.default_client_scope: the ceiling when no scope is requested and every grant is
  // user-in-the-loop (authorization_code / refresh_token).
  std::string default_client_scope;
};

inline constexpr std::size_t max_registration_text = 255;
inline constexpr std::size_t max_redirect_uris = 10;
inline constexpr std::size_t max_redirect_uri_length = 2048;

// Parses and validates a registration request body. On success returns the client metadata
// (name, redirect URIs, grants, response types, auth method, scope, agent fields,
// application_type); id, secret, status and times are left for the caller.
std::variant<domain::client, domain::oauth_error> parse_registration(std::string_view body,
                                                                     const registration_rules& rules);

// Redirect URI rule shared by registration and (later) CIMD: absolute, no fragment, https or
// http on a loopback host (localhost, 127.0.0.1, [::1]). Empty string = valid, else the reason.
std::string check_redirect_uri(std::string_view uri);

struct registration_options {
  std::string mode = dcr_mode::open;
  std::vector<std::string> approved_redirects;
  std::vector<std::string> enabled_grants;
  std::string default_client_scope;
};

struct registration_deps {
  ports::client_store& clients;
  ports::client_secrets& secrets;
  ports::audit_store& audit;
  const resource_catalog& catalog;
  const clock& clk;
};

class registration final : public ports::registration_service {
 public:
  registration(registration_options opts, registration_deps deps) : opts_(std::move(opts)), deps_(deps) {}
  ports::registration_outcome register_client(const ports::registration_request& req) override;
  // Anonymous registration is served (open or approved_redirects): the metadata then
  // advertises registration_endpoint.
  bool served() const { return opts_.mode != dcr_mode::admin_only; }

 private:
  registration_options opts_;
  registration_deps deps_;
};
}  // namespace authplane::services
