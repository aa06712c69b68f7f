// GET/POST /login and POST /logout (reference §2.7).
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <memory>

#include "authplane/core/ascii.hpp"
#include "authplane/core/log.hpp"
#include "html.hpp"

namespace authplane::api::browser {
namespace {
constexpr std::size_t kMaxEmail = 254;

// The sign-in form. `nonce` is the login nonce cookie value the CSRF token is bound to.
http::response login_form(browser_deps& d, int status, std::string_view nonce, std::string_view redirect,
                          std::string_view email, std::string_view error) {
  std::string body;
  if (!error.empty()) body += "<p class=\"error\" role=\"alert\">" + esc(error) + "</p>\n";
  body += "<form method=\"post\" action=\"/login\">\n"
          "<label for=\"email\">Email</label><input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"username\" "
          "required maxlength=\"254\" value=\"" + esc(email) + "\">\n"
          "<label for=\"password\">Password</label><input id=\"password\" name=\"password\" type=\"password\" "
          "autocomplete=\"current-password\" required>\n"
          "<input type=\"hidden\" name=\"csrf_token\" value=\"" + esc(d.sessions.csrf_token("login", nonce)) + "\">\n"
          "<input type=\"hidden\" name=\"redirect\" value=\"" + esc(redirect) + "\">\n"
          "<button type=\"submit\">Sign in</button>\n</form>";
  auto resp = page(status, "Sign in", body);
  resp.headers.add("Set-Cookie", set_cookie(d, login_nonce_cookie, nonce, login_nonce_max_age));
  return resp;
}

// An existing valid nonce cookie is kept (several tabs), otherwise a fresh one.
std::string nonce_for(const http::request& req, browser_deps& d) {
  auto c = cookie(req, login_nonce_cookie);
  if (c && d.sessions.login_nonce_valid(*c)) return *c;
  return d.sessions.new_login_nonce();
}

std::string safe_redirect(std::string_view r) { return is_safe_local_redirect(r) ? std::string(r) : "/"; }

http::response locked_out(std::int64_t wait, const std::string& ip) {
  auto resp = page(429, "Too many attempts", "<p class=\"error\">Too many failed attempts. Please try again later.</p>");
  resp.set_header("Retry-After", std::to_string(wait));
  log::warn("login.locked_out", {{"ip", ip}});
  return resp;
}

// "login.busy" at most once a second, with the number of refusals since the last line, so a
// login flood cannot turn into a log flood.
void log_busy(const std::string& ip) {
  static std::atomic<std::int64_t> refused{0};
  static std::atomic<std::int64_t> next_ms{0};
  refused.fetch_add(1, std::memory_order_relaxed);
  const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now().time_since_epoch()).count();
  auto next = next_ms.load(std::memory_order_relaxed);
  if (now < next || !next_ms.compare_exchange_strong(next, now + 1000)) return;
  log::warn("login.busy", {{"ip", ip}, {"refused", std::to_string(refused.exchange(0))}});
}

// A sign-in that passed the form checks and the first lockout check, waiting for its password
// check. Owned by a shared_ptr so the lane's job stays copyable (the responder is move-only).
struct login_attempt {
  browser_deps& d;
  http::responder done;
  std::string nonce, redirect, email, password, key, ip;
  std::chrono::steady_clock::time_point queued_at = std::chrono::steady_clock::now();
};

// An attempt that waited this long for the password lane is answered 503 without hashing: its
// client has most likely given up, and verifying it would only delay the sign-ins behind it
// (after a flood, the queue would otherwise keep the lane busy for up to 64 hashes).
constexpr auto kMaxLaneWait = std::chrono::seconds(5);

// 503 + Retry-After: 1 when the password lane is full or the attempt waited too long for it.
http::response busy(const login_attempt& a) {
  log_busy(a.ip);
  auto resp = login_form(a.d, 503, a.nonce, a.redirect, a.email, "The server is busy. Please try again in a moment.");
  resp.set_header("Retry-After", "1");
  return resp;
}

// The Argon2id part of POST /login, on the password lane (or inline when there is none).
void finish_login(login_attempt& a) {
  auto& d = a.d;
  if (std::chrono::steady_clock::now() - a.queued_at > kMaxLaneWait) return a.done(busy(a));
  const auto now = d.clk.now();
  // Checked again when this attempt's turn comes: the failures of the attempts queued before it
  // count, so a burst of concurrent guesses for one account gets no more than the allowed
  // number of hashes (exactly that many with one lane worker).
  if (auto wait = d.lockout.locked_for(a.key, now); wait > 0) return a.done(locked_out(wait, a.ip));

  auto found = d.users.find_user_by_email(a.email);
  if (!found) {
    log::error("login.user_lookup_failed", {{"error", found.error().message()}});
    return a.done(error_page(500, "Server Error", "An internal error occurred. Please try again later."));
  }
  const domain::user* u = *found ? &**found : nullptr;
  // Unknown emails, federated users and users without a password verify against the dummy
  // hash, so every failure costs one Argon2id computation.
  const bool has_password = u && u->provider == "local" && !u->password_hash.empty();
  const bool verified = d.passwords.verify(a.password, has_password ? u->password_hash : d.dummy_hash);
  if (!verified || !has_password || !u->is_active()) {
    d.lockout.record_failure(a.key, now);
    log::info("login.failed", {{"ip", a.ip}});
    return a.done(login_form(d, 422, a.nonce, a.redirect, a.email, "Invalid email or password"));
  }
  d.lockout.record_success(a.key);

  domain::user user = *u;
  if (d.passwords.needs_rehash(user.password_hash)) {
    // Best effort: a concurrent admin edit (version conflict) just leaves the old hash.
    if (auto h = d.passwords.hash(a.password)) {
      domain::user updated = user;
      updated.password_hash = std::move(*h);
      updated.updated_at = now;
      if (d.users.update_user(updated)) user.version += 1;
    }
  }
  auto cookie_value = d.sessions.issue({.user_id = user.id,
                                        .generation = user.session_generation,
                                        .expires_at = now + d.session_max_age});
  auto resp = see_other(a.redirect);
  resp.headers.add("Set-Cookie", set_cookie(d, d.cookie_name, cookie_value, d.session_max_age));
  resp.headers.add("Set-Cookie", set_cookie(d, login_nonce_cookie, "", 0));
  log::info("login.succeeded", {{"user_id", user.id}});
  a.done(std::move(resp));
}
}  // namespace

void register_login_routes(http::router& r, browser_deps& d) {
  r.add("GET", "/login", [&d](http::request& req, http::responder done) {
    auto q = http::parse_form(req.query);
    std::string redirect = q ? safe_redirect(param(*q, "redirect")) : "/";
    bool clear = false;
    if (auto who = current_user(req, d, clear)) {
      // Already signed in: say so, and offer to sign out (CSRF token bound to the session).
      std::string body = "<p>Signed in as <strong>" + esc(who->user.email) + "</strong>.</p>\n" +
                         "<p><a href=\"" + esc(redirect) + "\">Continue</a></p>\n" +
                         "<form method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf_token\" value=\"" +
                         esc(d.sessions.csrf_token("logout", who->cookie)) +
                         "\"><button type=\"submit\">Sign out</button></form>";
      return done(page(200, "Signed in", body));
    }
    auto resp = login_form(d, 200, nonce_for(req, d), redirect, "", "");
    if (clear) resp.headers.add("Set-Cookie", set_cookie(d, d.cookie_name, "", 0));
    done(std::move(resp));
  });

  r.add("POST", "/login", [&d](http::request& req, http::responder done) {
    auto nonce_cookie = cookie(req, login_nonce_cookie);
    const bool nonce_ok = nonce_cookie && d.sessions.login_nonce_valid(*nonce_cookie);
    const std::string nonce = nonce_ok ? *nonce_cookie : d.sessions.new_login_nonce();
    if (req.body.size() > d.max_form_bytes) return done(login_form(d, 422, nonce, "/", "", "Invalid form data"));
    auto form = http::parse_form(req.body);
    if (!form) return done(login_form(d, 422, nonce, "/", "", "Invalid form data"));
    const std::string redirect = safe_redirect(param(*form, "redirect"));
    const std::string email = param(*form, "email");
    const std::string password = param(*form, "password");

    // Pre-session CSRF: the form token must be the MAC of this browser's nonce cookie.
    if (!nonce_ok || !d.sessions.csrf_valid("login", nonce, param(*form, "csrf_token")))
      return done(login_form(d, 403, nonce, redirect, "", "Invalid request. Please try again."));
    if (email.empty() || password.empty() || email.size() > kMaxEmail ||
        password.size() > ports::password_hasher::max_bytes)
      return done(login_form(d, 422, nonce, redirect, email.size() > kMaxEmail ? "" : email,
                             "Invalid email or password"));

    // Lockout before the hash: a locked key costs no Argon2id work.
    std::string key = ascii_lower(email);
    if (auto wait = d.lockout.locked_for(key, d.clk.now()); wait > 0) return done(locked_out(wait, req.remote_ip));

    auto attempt = std::make_shared<login_attempt>(
        login_attempt{d, std::move(done), nonce, redirect, email, password, std::move(key), req.remote_ip});
    if (!d.password_lane) return finish_login(*attempt);
    // The I/O thread never waits for Argon2id: the check is queued on the password lane, and a
    // full lane is refused now (the client retries) rather than queued without bound.
    if (!d.password_lane([attempt] { finish_login(*attempt); })) attempt->done(busy(*attempt));
  });

  r.add("POST", "/logout", [&d](http::request& req, http::responder done) {
    auto session = cookie(req, d.cookie_name);
    if (session && !session->empty()) {
      auto form = req.body.size() <= d.max_form_bytes ? http::parse_form(req.body) : std::nullopt;
      if (!form || !d.sessions.csrf_valid("logout", *session, param(*form, "csrf_token")))
        return done(error_page(403, "Invalid Request", "The sign-out request could not be verified. Please try again."));
    }
    auto resp = see_other("/login");
    resp.headers.add("Set-Cookie", set_cookie(d, d.cookie_name, "", 0));
    resp.headers.add("Set-Cookie", set_cookie(d, login_nonce_cookie, "", 0));
    done(std::move(resp));
  });
}

}  // namespace authplane::api::browser
