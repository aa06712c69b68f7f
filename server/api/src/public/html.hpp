// Small helpers shared by the browser pages (login, consent, authorize): HTML escaping and page
// framing, cookies, redirects and the signed-in user. Internal to server/api.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "authplane/api/browser.hpp"

namespace authplane::api::browser {

// Escapes & < > " ' so a value is safe in element content and in quoted attributes.
std::string esc(std::string_view s);

// A complete HTML page: text/html, Cache-Control: no-store. `body_html` is trusted markup; the
// title is escaped here.
http::response page(int status, std::string_view title, std::string_view body_html);
// An error page with one escaped paragraph.
http::response error_page(int status, std::string_view title, std::string_view message);
// 303 See Other, no-store.
http::response see_other(std::string location);

using params = std::vector<std::pair<std::string, std::string>>;
// First value of `key`, empty when absent.
std::string param(const params& p, std::string_view key);
std::size_t param_count(const params& p, std::string_view key);

std::optional<std::string> cookie(const http::request& req, std::string_view name);
std::string set_cookie(const browser_deps& d, std::string_view name, std::string_view value, std::int64_t max_age);
inline constexpr std::string_view login_nonce_cookie = "authserver_login_nonce";
inline constexpr std::int64_t login_nonce_max_age = 12 * 3600;

struct signed_in {
  domain::user user;
  std::string cookie;  // the session cookie value (CSRF tokens are bound to it)
};
// The user behind a valid session cookie: MAC and expiry good, the user exists, is active and
// still has the session generation the cookie was issued under. `clear` is set when a cookie
// was presented but no longer stands (the caller should expire it).
std::optional<signed_in> current_user(const http::request& req, browser_deps& d, bool& clear);

// Issues a code for `p` and answers 303 redirect_uri?code&state&iss; server_error on failure.
http::response issue_code(browser_deps& d, const ports::pending_authorization& p, const std::string& user_id,
                          const std::string& consent_id);

void register_login_routes(http::router& r, browser_deps& d);
void register_authorize_route(http::router& r, browser_deps& d);
void register_consent_routes(http::router& r, browser_deps& d);

}  // namespace authplane::api::browser
