// Browser state for the sign-in and consent pages: HMAC-SHA256 signed session cookies and CSRF
// tokens under one secret (session.secret), and the in-memory sign-in lockout.
//
//   hmac_browser_sessions s{secret};
//   auto cookie = s.issue({.user_id = "u1", .generation = 3, .expires_at = now + 86400});
//   login_lockout lock{{.max_failures = 10, .window = 600, .lockout = 900}};
//   if (auto wait = lock.locked_for(email, now)) return too_many(wait);
#pragma once
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "authplane/ports/browser.hpp"

namespace authplane::services {

class hmac_browser_sessions final : public ports::browser_sessions {
 public:
  explicit hmac_browser_sessions(std::string secret) : secret_(std::move(secret)) {}
  std::string issue(const ports::session_claims& c) const override;
  std::optional<ports::session_claims> verify(std::string_view cookie, std::int64_t now) const override;
  std::string new_login_nonce() const override;
  bool login_nonce_valid(std::string_view cookie) const override;
  std::string csrf_token(std::string_view purpose, std::string_view bound_to) const override;
  bool csrf_valid(std::string_view purpose, std::string_view bound_to, std::string_view token) const override;

 private:
  std::string mac(std::string_view purpose, std::string_view data) const;
  std::string secret_;
};

struct lockout_options {
  std::int64_t max_failures = 10;  // rate_limit.auth_fail_max
  std::int64_t window = 600;       // rate_limit.auth_fail_window (seconds)
  std::int64_t lockout = 900;      // rate_limit.auth_lockout (seconds)
  std::size_t max_tracked = 250'000;
};

// Per-process and in memory (a restart forgets failures; several processes would each count
// their own). Bounded: when full, entries that are neither locked nor inside their window are
// dropped first; if all are live, the oldest window is dropped.
class login_lockout final : public ports::login_throttle {
 public:
  explicit login_lockout(lockout_options o) : o_(o) {}
  std::int64_t locked_for(std::string_view key, std::int64_t now) override;
  void record_failure(std::string_view key, std::int64_t now) override;
  void record_success(std::string_view key) override;

 private:
  struct entry {
    std::int64_t window_start = 0;
    std::int64_t failures = 0;
    std::int64_t locked_until = 0;
  };
  void make_room(std::int64_t now);
  lockout_options o_;
  std::mutex mu_;
  std::unordered_map<std::string, entry> entries_;
};

}  // namespace authplane::services
