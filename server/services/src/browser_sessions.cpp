#include "authplane/services/browser_sessions.hpp"

#include <charconv>
#include <vector>

#include "authplane/core/base64url.hpp"
#include "authplane/core/constant_time.hpp"
#include "authplane/core/random.hpp"
#include "authplane/crypto/hash.hpp"

namespace authplane::services {
namespace {
std::optional<std::int64_t> parse_int(std::string_view s) {
  std::int64_t v = 0;
  if (s.empty() || s.size() > 19) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

std::vector<std::string_view> split_bar(std::string_view s) {
  std::vector<std::string_view> out;
  for (;;) {
    auto bar = s.find('|');
    out.push_back(s.substr(0, bar));
    if (bar == std::string_view::npos) return out;
    s.remove_prefix(bar + 1);
  }
}
}  // namespace

// HMAC(secret, purpose || 0x00 || data): the NUL keeps "ab"+"c" apart from "a"+"bc".
std::string hmac_browser_sessions::mac(std::string_view purpose, std::string_view data) const {
  std::string msg;
  msg.reserve(purpose.size() + 1 + data.size());
  msg.append(purpose).push_back('\0');
  msg.append(data);
  return base64url_encode(crypto::hmac_sha256(secret_, msg));
}

std::string hmac_browser_sessions::issue(const ports::session_claims& c) const {
  std::string payload = c.user_id + "|" + std::to_string(c.generation) + "|" + std::to_string(c.expires_at);
  return payload + "|" + mac("session", payload);
}

std::optional<ports::session_claims> hmac_browser_sessions::verify(std::string_view cookie, std::int64_t now) const {
  if (cookie.size() > 512) return std::nullopt;
  auto parts = split_bar(cookie);
  if (parts.size() != 4 || parts[0].empty()) return std::nullopt;
  std::string_view payload = cookie.substr(0, cookie.size() - parts[3].size() - 1);
  if (!constant_time_equal(mac("session", payload), parts[3])) return std::nullopt;
  auto gen = parse_int(parts[1]);
  auto exp = parse_int(parts[2]);
  if (!gen || !exp || *exp <= now) return std::nullopt;
  return ports::session_claims{std::string(parts[0]), *gen, *exp};
}

std::string hmac_browser_sessions::new_login_nonce() const {
  std::string nonce = random_token(16);
  return nonce + "|" + mac("login-nonce", nonce);
}

bool hmac_browser_sessions::login_nonce_valid(std::string_view cookie) const {
  if (cookie.size() > 256) return false;
  auto parts = split_bar(cookie);
  if (parts.size() != 2 || parts[0].empty()) return false;
  return constant_time_equal(mac("login-nonce", parts[0]), parts[1]);
}

std::string hmac_browser_sessions::csrf_token(std::string_view purpose, std::string_view bound_to) const {
  return mac(std::string("csrf:") + std::string(purpose), bound_to);
}

bool hmac_browser_sessions::csrf_valid(std::string_view purpose, std::string_view bound_to,
                                       std::string_view token) const {
  if (bound_to.empty() || token.empty()) return false;
  return constant_time_equal(csrf_token(purpose, bound_to), token);
}

// ---- login_lockout ---------------------------------------------------------------------------

std::int64_t login_lockout::locked_for(std::string_view key, std::int64_t now) {
  std::lock_guard lk(mu_);
  auto it = entries_.find(std::string(key));
  if (it == entries_.end() || it->second.locked_until <= now) return 0;
  return it->second.locked_until - now;
}

void login_lockout::record_failure(std::string_view key, std::int64_t now) {
  std::lock_guard lk(mu_);
  auto it = entries_.find(std::string(key));
  if (it == entries_.end()) {
    if (entries_.size() >= o_.max_tracked) make_room(now);
    it = entries_.emplace(std::string(key), entry{now, 0, 0}).first;
  }
  auto& e = it->second;
  if (e.locked_until > now) return;  // already locked: the lock is not extended
  if (now - e.window_start >= o_.window) e = entry{now, 0, 0};
  if (++e.failures >= o_.max_failures) {
    e.locked_until = now + o_.lockout;
    e.failures = 0;
    e.window_start = e.locked_until;
  }
}

void login_lockout::record_success(std::string_view key) {
  std::lock_guard lk(mu_);
  entries_.erase(std::string(key));
}

void login_lockout::make_room(std::int64_t now) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.locked_until <= now && now - it->second.window_start >= o_.window) it = entries_.erase(it);
    else ++it;
  }
  if (entries_.size() < o_.max_tracked) return;
  auto oldest = entries_.begin();
  for (auto it = entries_.begin(); it != entries_.end(); ++it)
    if (it->second.locked_until <= now && it->second.window_start < oldest->second.window_start) oldest = it;
  entries_.erase(oldest);
}

}  // namespace authplane::services
