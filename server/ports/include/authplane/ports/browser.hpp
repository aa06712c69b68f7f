// What the browser pages (/login, /logout, /oauth/authorize, /consent) need besides the stores:
// signed cookie values and CSRF tokens, the sign-in lockout, and the pending authorizations
// waiting for consent. Implemented in server/services and server/storage/memory.
//
//   auto cookie = sessions.issue({.user_id = u.id, .generation = u.session_generation,
//                                 .expires_at = now + 86400});
//   auto claims = sessions.verify(cookie, now);          // nullopt: forged, altered or expired
//   auto token  = sessions.csrf_token("consent", cookie); // hidden form field
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace authplane::ports {

struct session_claims {
  std::string user_id;
  std::int64_t generation = 0;  // the user's session_generation when the session began
  std::int64_t expires_at = 0;
};

// HMAC-signed browser state under one server secret. Every MAC is domain-separated by purpose,
// so a value minted for one use never verifies for another.
class browser_sessions {
 public:
  virtual ~browser_sessions() = default;
  // "userID|generation|expiry|mac" (mac = base64url HMAC-SHA256 over the first three fields).
  virtual std::string issue(const session_claims& c) const = 0;
  // nullopt when the value is malformed, its MAC does not match, or it expired at `now`.
  virtual std::optional<session_claims> verify(std::string_view cookie, std::int64_t now) const = 0;
  // Pre-session CSRF for /login: a fresh "nonce|mac" cookie value, and its check.
  virtual std::string new_login_nonce() const = 0;
  virtual bool login_nonce_valid(std::string_view cookie) const = 0;
  // A form token bound to a cookie value (the login nonce or the session cookie).
  virtual std::string csrf_token(std::string_view purpose, std::string_view bound_to) const = 0;
  // Constant-time.
  virtual bool csrf_valid(std::string_view purpose, std::string_view bound_to, std::string_view token) const = 0;
};

// Failed sign-ins per key (the lower-cased email): after `max` failures within the window the
// key is locked for the lockout period.
class login_throttle {
 public:
  virtual ~login_throttle() = default;
  // Seconds until the key may try again (at least 1 when locked); 0 when it may try now.
  virtual std::int64_t locked_for(std::string_view key, std::int64_t now) = 0;
  virtual void record_failure(std::string_view key, std::int64_t now) = 0;
  virtual void record_success(std::string_view key) = 0;
};

// An authorization request that passed every check and waits for the user's consent
// (the reference's "auth session"; 10 minutes).
struct pending_authorization {
  std::string id;  // 16 random bytes base64url
  std::string client_id;
  std::string redirect_uri;
  std::string state;
  std::string code_challenge;
  std::string scope;        // space-separated, already checked
  std::string resource;     // canonical resource URI, empty when none
  std::string resource_id;  // for the consent page (display name, scope descriptions)
  std::int64_t expires_at = 0;
};

class pending_authorizations {
 public:
  virtual ~pending_authorizations() = default;
  // Stores `p` with a fresh id and expiry `now + ttl`; returns the id.
  virtual std::string put(pending_authorization p, std::int64_t now) = 0;
  // nullopt when unknown or expired.
  virtual std::optional<pending_authorization> find(std::string_view id, std::int64_t now) = 0;
  virtual void erase(std::string_view id) = 0;
};

}  // namespace authplane::ports
