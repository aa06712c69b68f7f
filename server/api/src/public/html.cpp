#include "html.hpp"

#include "authplane/core/log.hpp"
#include "authplane/core/random.hpp"

namespace authplane::api {
namespace browser {

std::string esc(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 16);
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {
constexpr std::string_view kStyle =
    "body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#222}"
    "h1{font-size:1.4rem}label{display:block;margin:.8rem 0 .2rem}"
    "input[type=email],input[type=password]{width:100%;padding:.4rem;box-sizing:border-box}"
    "button{margin-top:1rem;padding:.5rem 1.2rem}.error{color:#a00}.warn{background:#fff4d6;padding:.5rem}"
    ".scope{margin:.4rem 0}.muted{color:#666;font-size:.9rem}";
}  // namespace

http::response page(int status, std::string_view title, std::string_view body_html) {
  std::string html;
  html.reserve(body_html.size() + 1024);
  html += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>";
  html += esc(title);
  html += "</title><style>";
  html += kStyle;
  html += "</style></head><body>\n<h1>";
  html += esc(title);
  html += "</h1>\n";
  html += body_html;
  html += "\n</body></html>\n";
  auto r = http::response::text(status, std::move(html), "text/html; charset=utf-8");
  r.set_header("Cache-Control", "no-store");
  r.set_header("Pragma", "no-cache");
  return r;
}

http::response error_page(int status, std::string_view title, std::string_view message) {
  return page(status, title, "<p class=\"error\">" + esc(message) + "</p>");
}

http::response see_other(std::string location) {
  auto r = http::response::empty(303);
  r.set_header("Location", std::move(location));
  r.set_header("Cache-Control", "no-store");
  return r;
}

std::string param(const params& p, std::string_view key) {
  for (const auto& [k, v] : p)
    if (k == key) return v;
  return {};
}

std::size_t param_count(const params& p, std::string_view key) {
  std::size_t n = 0;
  for (const auto& [k, v] : p)
    if (k == key) ++n;
  return n;
}

std::optional<std::string> cookie(const http::request& req, std::string_view name) {
  for (const auto& [k, v] : req.headers.items) {
    if (!http::iequals(k, "Cookie")) continue;
    std::string_view rest = v;
    while (!rest.empty()) {
      auto semi = rest.find(';');
      std::string_view item = rest.substr(0, semi);
      rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
      auto eq = item.find('=');
      if (eq == std::string_view::npos || item.substr(0, eq) != name) continue;
      std::string_view val = item.substr(eq + 1);
      if (val.size() >= 2 && val.front() == '"' && val.back() == '"') val = val.substr(1, val.size() - 2);
      return std::string(val);
    }
  }
  return std::nullopt;
}

std::string set_cookie(const browser_deps& d, std::string_view name, std::string_view value, std::int64_t max_age) {
  std::string c(name);
  c += '=';
  c += value;
  c += "; Path=/; Max-Age=" + std::to_string(max_age < 0 ? 0 : max_age) + "; HttpOnly; SameSite=";
  c += d.same_site == "strict" ? "Strict" : d.same_site == "none" ? "None" : "Lax";
  if (d.secure_cookies) c += "; Secure";
  return c;
}

std::optional<signed_in> current_user(const http::request& req, browser_deps& d, bool& clear) {
  clear = false;
  auto value = cookie(req, d.cookie_name);
  if (!value || value->empty()) return std::nullopt;
  auto claims = d.sessions.verify(*value, d.clk.now());
  if (!claims) {
    clear = true;
    return std::nullopt;
  }
  auto u = d.users.find_user(claims->user_id);
  if (!u) {
    log::error("session.user_lookup_failed", {{"error", u.error().message()}});
    // fail_closed: the cookie is expired too; otherwise it is kept for the next request. Either
    // way this request is not signed in: without the row there is nothing to act as.
    clear = d.fail_closed;
    return std::nullopt;
  }
  if (!*u || !(*u)->is_active() || (*u)->session_generation != claims->generation) {
    clear = true;
    return std::nullopt;
  }
  return signed_in{std::move(**u), std::move(*value)};
}

http::response issue_code(browser_deps& d, const ports::pending_authorization& p, const std::string& user_id,
                          const std::string& consent_id) {
  ports::code_grant g{.client_id = p.client_id,
                      .user_id = user_id,
                      .redirect_uri = p.redirect_uri,
                      .code_challenge = p.code_challenge,
                      .scope = p.scope,
                      .resource = p.resource,
                      .consent_grant_id = consent_id};
  auto code = d.codes.issue(g);
  if (!code) {
    log::error("authorize.code_issue_failed", {{"client_id", p.client_id}, {"error", code.error().message()}});
    return see_other(error_redirect(p.redirect_uri, "server_error", "an internal error occurred", p.state, d.issuer));
  }
  std::string loc = p.redirect_uri;
  loc += loc.find('?') == std::string::npos ? '?' : '&';
  loc += "code=" + http::url_encode(*code);
  if (!p.state.empty()) loc += "&state=" + http::url_encode(p.state);
  loc += "&iss=" + http::url_encode(d.issuer);
  log::info("authorize.code_issued", {{"client_id", p.client_id}, {"user_id", user_id}, {"scope", p.scope}});
  return see_other(std::move(loc));
}

}  // namespace browser

std::string error_redirect(std::string_view redirect_uri, std::string_view error, std::string_view description,
                           std::string_view state, std::string_view issuer) {
  std::string loc(redirect_uri);
  loc += loc.find('?') == std::string::npos ? '?' : '&';
  loc += "error=" + http::url_encode(error);
  if (!description.empty()) loc += "&error_description=" + http::url_encode(description);
  if (!state.empty()) loc += "&state=" + http::url_encode(state);
  loc += "&iss=" + http::url_encode(issuer);
  return loc;
}

void register_browser_routes(http::router& r, browser_deps& d) {
  if (d.dummy_hash.empty()) {
    auto h = d.passwords.hash(random_token(24));
    if (h) d.dummy_hash = std::move(*h);
  }
  browser::register_login_routes(r, d);
  browser::register_authorize_route(r, d);
  browser::register_consent_routes(r, d);
}

}  // namespace authplane::api
