// The five-line integration: an authplane::mcp::server becomes a pure OAuth resource server of an
// AuthPlane issuer.
//
//   mcp::server srv{{.name = "echo", .version = "1.0.0"}};
//   srv.tool("echo", "Echo text", {"text"}, [](std::string t) { return t; },
//            {.auth = authplane::require_scopes({"mcp:echo"})});
//   auto auth = authplane::mcp::auth({.issuer = "http://127.0.0.1:9000",
//                                     .base_url = "http://127.0.0.1:8080",
//                                     .scopes = {"mcp:echo"}});   // discovery + first JWKS fetch
//   srv.run(auth.protect({.port = 8080}));   // /mcp guarded, RFC 9728 metadata served
//
// The audience is base_url + mcp_path ("/mcp" unless set). Every POST/GET/DELETE of the MCP path
// is checked (401 with `Bearer resource_metadata="…"` without a token; the exact challenge for a
// bad one); tools see the caller through mcp::context::who(). Per-tool scopes answer 403
// insufficient_scope with the SDK's challenge. Background key refresh stops when `auth` is
// destroyed.
#pragma once
#include <authplane/http/server.hpp>
#include <authplane/mcp/server.hpp>
#include <authplane/sdk/guard.hpp>
#include <authplane/sdk/options.hpp>

#include <memory>
#include <optional>
#include <stdexcept>

namespace authplane::sdk {
struct fetch_settings;
class protected_resource;
}  // namespace authplane::sdk

namespace authplane::mcp {

class principal_memo;  // mcp_auth.cpp

// Discovery or the first JWKS fetch failed, or the options are invalid. what() says which.
struct auth_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class auth {
 public:
  // Performs discovery (RFC 8414, exact issuer) and the first JWKS fetch; throws auth_error.
  // Dev mode (options.dev_mode or AUTHPLANE_DEV_MODE) allows an http/loopback issuer.
  explicit auth(sdk::options o);
  auth(sdk::options o, const sdk::fetch_settings& fetch);
  // Uses an existing guard (tests, custom key sources).
  explicit auth(std::shared_ptr<sdk::resource_guard> guard);
  ~auth();
  auth(const auth&) = delete;
  auth& operator=(const auth&) = delete;

  // `o` with its transport guarded (path = mcp_path, gate set) and the metadata route added.
  run_options protect(run_options o = {}) const;
  // For an existing router: transport options to pass to server::routes, plus the PRM route.
  transport_options transport(transport_options t = {}) const;
  void add_metadata_route(http::router& r) const;

  // The gate alone (checks one request; refuses or names the caller).
  std::optional<http::response> check(const http::request& q, std::shared_ptr<const principal>& who) const;

  const std::shared_ptr<sdk::resource_guard>& guard() const { return guard_; }
  const std::string& resource() const { return guard_->resource(); }
  // The issuer's current RFC 8414 document (empty with a given guard). Feed it to
  // sdk::endpoints_from_metadata to build an OAuth client on the discovered endpoints.
  boost::json::object issuer_metadata() const;

 private:
  std::unique_ptr<sdk::protected_resource> owner_;  // discovery + refresh; null with a given guard
  std::shared_ptr<sdk::resource_guard> guard_;
  std::string origin_;
  std::shared_ptr<principal_memo> memo_;  // one mcp::principal per verified token, shared
};

// The MCP-facing caller built from verified claims (subject, client_id, scopes, raw claims).
std::shared_ptr<const principal> to_principal(std::shared_ptr<const sdk::resource_guard> guard,
                                              const sdk::principal& p);

}  // namespace authplane::mcp

namespace authplane {
// Per-tool scopes: {.auth = authplane::require_scopes({"mcp:write"})}. With the SDK attached the
// refusal is 403 `Bearer error="insufficient_scope", scope="…", resource_metadata="…"`.
using mcp::require_scopes;
}  // namespace authplane
