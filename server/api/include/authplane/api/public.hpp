// The public port (:9000): discovery, JWKS, PRM, health, and the token, introspection and
// revocation endpoints. Handlers parse HTTP, call input ports and render; the one place that
// turns an oauth_error into a response is oauth_error_response().
//
//   api::public_deps deps{tokens, token_admin, discovery, health, clock};
//   api::register_public_routes(router, deps);
#pragma once
#include <string>
#include <vector>

#include "authplane/core/clock.hpp"
#include "authplane/domain/oauth_error.hpp"
#include "authplane/http/rate_limit.hpp"
#include "authplane/http/server.hpp"
#include "authplane/ports/oauth.hpp"
#include "authplane/ports/stores.hpp"

namespace authplane::api {

struct public_deps {
  ports::token_service& tokens;
  ports::token_admin_service& token_admin;
  ports::discovery_service& discovery;
  ports::health_store& health;
  const clock& clk;
  bool hsts = false;                         // Strict-Transport-Security (secure deployments)
  std::size_t max_form_bytes = 64 * 1024;
  // POST /oauth/register (RFC 7591): routed when set. JSON bodies up to max_json_bytes; an
  // optional per-IP limiter (dcr.rate_limit / dcr.rate_limit_burst) in front of it.
  ports::registration_service* registration = nullptr;
  std::shared_ptr<http::rate_limiter> registration_limiter;
  std::size_t max_json_bytes = 1024 * 1024;
};

void register_public_routes(http::router& r, public_deps& deps);

// RFC 6749 §5.2 error with the reference's envelope (error, error_description, type, title,
// detail, status); 401 invalid_client carries WWW-Authenticate: Basic realm="authserver".
// Content-Type is application/problem+json (the reference's), except for clients that ask for
// application/json and not problem+json (strict RFC 6749 clients such as oauth4webapi only
// read application/json error bodies).
http::response oauth_error_response(const domain::oauth_error& e, bool plain_json = false);
bool prefers_plain_json(const http::request& req);

// CORS for the endpoints browsers call (token, register, revoke, introspect, well-known; reference
// §10), exact origins or "*". Installed before the rate limiter, so a 429 still carries the CORS
// headers a browser needs to read it.
http::router::middleware cors_middleware(std::vector<std::string> origins);

// Security headers on every public response (reference §10).
http::router::middleware security_headers_middleware(bool hsts);
}  // namespace authplane::api
