// Input ports of the public OAuth endpoints. The API layer turns HTTP into these values and
// renders what comes back; it never decides OAuth semantics itself.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "authplane/domain/oauth_error.hpp"

namespace authplane::ports {

using form_params = std::vector<std::pair<std::string, std::string>>;

// Client credentials as presented on the wire, before any lookup.
struct presented_client {
  std::optional<std::pair<std::string, std::string>> basic;  // already URL-decoded id/secret
  bool basic_malformed = false;                              // Authorization: Basic that did not decode
};

struct token_request {
  form_params form;
  presented_client auth;
  std::vector<std::string> dpop;  // every DPoP header value (more than one is an error)
  std::string remote_ip;
};

struct endpoint_reply {
  std::string body;        // JSON on success
  std::string dpop_nonce;  // when set: a DPoP-Nonce response header
};

struct endpoint_failure {
  domain::oauth_error error;
  std::string dpop_nonce;
};

using token_outcome = std::variant<endpoint_reply, endpoint_failure>;

// POST /oauth/token. `done` may run on another thread (after the issuance is durable).
class token_service {
 public:
  virtual ~token_service() = default;
  virtual void token(token_request req, std::function<void(token_outcome)> done) = 0;
};

struct introspection_request {
  form_params form;
  presented_client auth;
  std::string remote_ip;
};

// POST /oauth/introspect (RFC 7662) and POST /oauth/revoke (RFC 7009). Synchronous.
class token_admin_service {
 public:
  virtual ~token_admin_service() = default;
  virtual token_outcome introspect(const introspection_request& req) = 0;
  // On success the reply body is empty (200).
  virtual token_outcome revoke(const introspection_request& req) = 0;
};

// Discovery documents: RFC 8414 metadata, JWKS, RFC 9728 protected resource metadata.
class discovery_service {
 public:
  virtual ~discovery_service() = default;
  virtual std::string authorization_server_metadata() const = 0;
  virtual std::string jwks() const = 0;
  // `ref` is the path suffix after /.well-known/oauth-protected-resource (without the leading
  // '/'; empty for the bare path) or a slug. nullopt: no such resource.
  virtual std::optional<std::string> protected_resource_metadata(std::string_view ref) const = 0;
};

// POST /oauth/register (RFC 7591 dynamic client registration). The API layer checks the media
// type and size; the service parses the JSON body, applies the registration mode and validation
// and stores the client. Success: the 201 client information response body.
struct registration_request {
  std::string body;  // application/json
  std::string remote_ip;
};

struct registration_reply {
  std::string body;  // RFC 7591 §3.2.1 client information response (JSON)
};

using registration_outcome = std::variant<registration_reply, domain::oauth_error>;

class registration_service {
 public:
  virtual ~registration_service() = default;
  virtual registration_outcome register_client(const registration_request& req) = 0;
};

}  // namespace authplane::ports
