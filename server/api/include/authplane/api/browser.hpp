// The browser side of the authorization code flow on the public port: GET/POST /login,
// POST /logout, GET /oauth/authorize, GET/POST /consent (reference §2.2, §2.7, §2.8). Pages are
// plain HTML forms (no script), every interpolated value is HTML-escaped, and every page is
// sent with Cache-Control: no-store on top of the public security headers.
//
//   api::browser_deps bd{clients, resources, users, consents, passwords, sessions, lockout,
//                        pending, codes, clk};
//   bd.issuer = cfg.server.issuer;
//   api::register_browser_routes(router, bd);
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "authplane/core/clock.hpp"
#include "authplane/http/server.hpp"
#include "authplane/ports/authorization.hpp"
#include "authplane/ports/browser.hpp"
#include "authplane/ports/cimd.hpp"
#include "authplane/ports/services.hpp"
#include "authplane/ports/stores.hpp"

namespace authplane::api {

struct browser_deps {
  ports::client_store& clients;
  ports::resource_store& resources;
  ports::user_store& users;
  ports::consent_store& consents;
  const ports::password_hasher& passwords;
  const ports::browser_sessions& sessions;
  ports::login_throttle& lockout;
  ports::pending_authorizations& pending;
  ports::authorization_codes& codes;
  const clock& clk;
  std::string issuer;                          // server.issuer, sent verbatim as RFC 9207 `iss`
  std::string cookie_name = "authserver_session";
  std::int64_t session_max_age = 86400;        // session.max_age
  bool secure_cookies = false;                 // session.secure (required off-localhost)
  std::string same_site = "lax";               // session.same_site
  bool fail_closed = true;                     // session.fail_closed
  bool require_scope = true;                   // oauth.require_scope
  std::size_t max_form_bytes = 64 * 1024;
  // An Argon2id hash of a random password: unknown emails are verified against it so they cost
  // the same as known ones. Computed at registration when empty.
  std::string dummy_hash;
  // Client ID metadata documents (URL-shaped client_id). Null when CIMD is not served
  // (cimd.enabled=false or dcr.mode=admin_only): such client_ids get the "Invalid Client" page.
  ports::client_metadata_documents* cimd = nullptr;
  // Runs POST /login's password check off the I/O threads (services::password_lane::try_post):
  // returns false at once when the lane is full, and /login answers 503 + Retry-After: 1.
  // Unset: the check runs inline on the I/O thread (unit tests).
  std::function<bool(std::function<void()>)> password_lane;
};

void register_browser_routes(http::router& r, browser_deps& deps);

// ---- rules, exposed for tests ----------------------------------------------------------------

// localhost, 127.0.0.1 or ::1 (brackets already removed), case-insensitive.
bool is_loopback_host(std::string_view host);

// The parts of an absolute http(s) URI as a browser reads them. The host is taken from the
// text itself (Boost.URL 1.81 reads "http://127.0.0.1.evil.example" as host 127.0.0.1).
struct uri_parts {
  std::string scheme;  // lower-cased
  std::string host;    // lower-cased, without brackets or userinfo
  std::string port;    // empty when absent
  std::string rest;    // path, query and fragment, verbatim
  bool userinfo = false;  // "user@" was present (never matched loosely)
};
std::optional<uri_parts> split_uri(std::string_view uri);

// RFC 8252 §7.3 / reference §2.2 step 4: exact string match, except that on a loopback host the
// port is ignored (scheme, host, path and query must still match).
bool redirect_uri_matches(std::string_view registered, std::string_view presented);

// Post-login destinations: a relative path starting with "/", never "//", "/\" or "://".
bool is_safe_local_redirect(std::string_view target);

struct authorize_request {
  std::string response_type, client_id, redirect_uri, scope, state, resource, code_challenge,
      code_challenge_method;
  // OpenID Connect `prompt` (MCP clients send `consent` with offline_access): `none` never shows
  // a page (login_required / consent_required), `consent` always shows the consent page. Other
  // values (`login`, `select_account`) are ignored: this server keeps one session per browser.
  std::string prompt = {};
};

// The outcome of the checks of GET /oauth/authorize, before the session and consent.
struct authorize_page_error {  // rendered as HTML, never a redirect
  int status;
  std::string title;
  std::string message;
};
struct authorize_redirect_error {  // 303 to redirect_uri with error, error_description, state, iss
  std::string error;
  std::string description;
};
struct authorize_accepted {
  domain::client client;
  ports::pending_authorization request;  // id and expiry unset
};
using authorize_check = std::variant<authorize_page_error, authorize_redirect_error, authorize_accepted>;

// Runs the checks of reference §2.2 in its order. Storage failures become server_error.
authorize_check check_authorize(const authorize_request& q, browser_deps& d);
// Same, with the client of a URL-shaped client_id already resolved by the CIMD service (step 2
// then uses `resolved` instead of the client store). Null = check_authorize(q, d).
authorize_check check_authorize(const authorize_request& q, browser_deps& d, const domain::client* resolved);

// redirect_uri with error parameters (and state, iss) appended.
std::string error_redirect(std::string_view redirect_uri, std::string_view error, std::string_view description,
                           std::string_view state, std::string_view issuer);

}  // namespace authplane::api
