// Session cookies (sign, verify, tamper, expiry, generation carried), login nonce and CSRF
// tokens (domain separation), and the sign-in lockout.
#include "authplane/services/browser_sessions.hpp"

#include <gtest/gtest.h>

namespace authplane::services {
namespace {

TEST(SessionCookie, RoundTripCarriesUserGenerationAndExpiry) {
  hmac_browser_sessions s{"0123456789abcdef0123456789abcdef"};
  auto c = s.issue({.user_id = "u1", .generation = 7, .expires_at = 1000});
  auto v = s.verify(c, 999);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->user_id, "u1");
  EXPECT_EQ(v->generation, 7);
  EXPECT_EQ(v->expires_at, 1000);
}

TEST(SessionCookie, ExpiredAtTheExpirySecond) {
  hmac_browser_sessions s{"secret-secret-secret"};
  auto c = s.issue({.user_id = "u1", .generation = 0, .expires_at = 1000});
  EXPECT_FALSE(s.verify(c, 1000));
}

TEST(SessionCookie, EveryAlteredFieldFails) {
  hmac_browser_sessions s{"secret-secret-secret"};
  auto c = s.issue({.user_id = "u1", .generation = 2, .expires_at = 5000});
  EXPECT_FALSE(s.verify("u2" + c.substr(2), 1));                          // other user
  auto gen = c;
  gen[3] = '3';                                                            // bumped generation
  EXPECT_FALSE(s.verify(gen, 1));
  auto exp = c;
  exp[5] = '9';                                                            // longer life
  EXPECT_FALSE(s.verify(exp, 1));
  for (std::size_t i = 0; i < c.size(); ++i) {
    auto t = c;
    t[i] = t[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(s.verify(t, 1)) << i;
  }
  EXPECT_FALSE(s.verify(c.substr(0, c.size() - 1), 1));
  EXPECT_FALSE(s.verify(c + "|x", 1));
  EXPECT_FALSE(s.verify("", 1));
}

TEST(SessionCookie, OtherSecretFails) {
  hmac_browser_sessions a{"secret-a-secret-a"}, b{"secret-b-secret-b"};
  EXPECT_FALSE(b.verify(a.issue({.user_id = "u", .generation = 0, .expires_at = 10}), 1));
}

TEST(LoginNonce, ValidOnlyAsIssuedAndNotAsOtherTokens) {
  hmac_browser_sessions s{"secret-secret-secret"};
  auto n = s.new_login_nonce();
  EXPECT_TRUE(s.login_nonce_valid(n));
  EXPECT_FALSE(s.login_nonce_valid(n + "x"));
  EXPECT_FALSE(s.login_nonce_valid(n.substr(0, n.find('|'))));
  EXPECT_NE(s.new_login_nonce(), n);
}

TEST(Csrf, BoundToValueAndPurpose) {
  hmac_browser_sessions s{"secret-secret-secret"};
  auto t = s.csrf_token("consent", "cookie-1");
  EXPECT_TRUE(s.csrf_valid("consent", "cookie-1", t));
  EXPECT_FALSE(s.csrf_valid("consent", "cookie-2", t));
  EXPECT_FALSE(s.csrf_valid("logout", "cookie-1", t));
  EXPECT_FALSE(s.csrf_valid("consent", "", s.csrf_token("consent", "")));
  EXPECT_FALSE(s.csrf_valid("consent", "cookie-1", ""));
}

TEST(Lockout, TenFailuresLockForFifteenMinutes) {
  login_lockout l{{.max_failures = 10, .window = 600, .lockout = 900}};
  for (int i = 0; i < 9; ++i) l.record_failure("a@x", 100);
  EXPECT_EQ(l.locked_for("a@x", 100), 0);
  l.record_failure("a@x", 100);
  EXPECT_EQ(l.locked_for("a@x", 100), 900);
  EXPECT_EQ(l.locked_for("a@x", 999), 1);
  EXPECT_EQ(l.locked_for("a@x", 1000), 0);
  EXPECT_EQ(l.locked_for("b@x", 100), 0);
}

TEST(Lockout, FailuresOutsideTheWindowAndSuccessReset) {
  login_lockout l{{.max_failures = 3, .window = 60, .lockout = 900}};
  l.record_failure("k", 0);
  l.record_failure("k", 10);
  l.record_failure("k", 70);  // the window started at 0: a new window
  EXPECT_EQ(l.locked_for("k", 70), 0);
  l.record_failure("k", 71);
  l.record_success("k");
  l.record_failure("k", 72);
  EXPECT_EQ(l.locked_for("k", 72), 0);
}

TEST(Lockout, BoundedTracking) {
  login_lockout l{{.max_failures = 2, .window = 60, .lockout = 900, .max_tracked = 2}};
  l.record_failure("a", 0);
  l.record_failure("a", 0);  // locked
  l.record_failure("b", 0);
  l.record_failure("c", 0);  // evicts b (unlocked), never the locked a
  EXPECT_GT(l.locked_for("a", 1), 0);
}

}  // namespace
}  // namespace authplane::services
