// /admin/keys, /admin/keys/rotate, /admin/stats, /admin/system/status, /admin/system/config.
#include "admin_fakes.hpp"

namespace authplane::api::admin_test {
namespace {

class AdminSystem : public admin_api_test {};

TEST_F(AdminSystem, ListKeys) {
  auto c = send("GET", "/admin/keys");
  ASSERT_EQ(c.status(), 200);
  EXPECT_EQ(c.res.body, R"({"keys":[{"kid":"kid-1","alg":"ES256","use":"sig","status":"current"}]})");
}

TEST_F(AdminSystem, RotateKey) {
  auto c = send("POST", "/admin/keys/rotate");
  ASSERT_EQ(c.status(), 200) << c.res.body;
  EXPECT_EQ(c.res.body, R"({"kid":"kid-2","alg":"ES256"})");
  auto ev = audit.with_action("key.rotated");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].detail, "kid=kid-2 alg=ES256");
  auto l = send("GET", "/admin/keys");
  EXPECT_EQ(l.obj().at("keys").as_array().size(), 2u);
  EXPECT_EQ(l.obj().at("keys").as_array()[1].as_object().at("status").as_string(), "previous");
}

TEST_F(AdminSystem, RotateKeyFailureIs500) {
  keys.fail_rotate = true;
  expect_problem(send("POST", "/admin/keys/rotate"), 500, "internal error");
  EXPECT_TRUE(audit.events.empty());
}

TEST_F(AdminSystem, Stats) {
  auto c = send("GET", "/admin/stats");
  ASSERT_EQ(c.status(), 200);
  EXPECT_EQ(c.res.body, R"({"clients":3,"users":2,"active_tokens_24h":5,"revoked_tokens":1,"connections":0})");
  health.healthy = false;
  expect_problem(send("GET", "/admin/stats"), 500, "internal error");
}

TEST_F(AdminSystem, StatusHealthy) {
  auto c = send("GET", "/admin/system/status");
  ASSERT_EQ(c.status(), 200);
  EXPECT_EQ(c.res.body,
            R"({"version":"0.1.0","uptime":"1d 2h 3m 4s","uptime_secs":93784,"subsystems":[)"
            R"({"name":"storage","status":"healthy","driver":"sqlite"},)"
            R"({"name":"signing","status":"healthy"},)"
            R"({"name":"encryption","status":"not_configured"}]})");
}

TEST_F(AdminSystem, StatusUnhealthyAndShortUptime) {
  health.healthy = false;
  keys.keys.clear();
  deps.storage_driver = "postgres";
  deps.started_at = kNow - 65;
  auto c = send("GET", "/admin/system/status");
  ASSERT_EQ(c.status(), 200);
  EXPECT_EQ(c.str("uptime"), "0h 1m 5s");
  EXPECT_EQ(c.obj().at("uptime_secs").as_int64(), 65);
  const auto& subs = c.obj().at("subsystems").as_array();
  EXPECT_EQ(subs[0].as_object().at("status").as_string(), "unhealthy");
  EXPECT_EQ(subs[0].as_object().at("driver").as_string(), "postgres");
  EXPECT_EQ(subs[1].as_object().at("status").as_string(), "unhealthy");
}

TEST_F(AdminSystem, ConfigIsServedVerbatim) {
  auto c = send("GET", "/admin/system/config");
  ASSERT_EQ(c.status(), 200);
  EXPECT_EQ(c.header("Content-Type"), "application/json");
  EXPECT_EQ(c.res.body, R"({"issuer":"http://localhost:9000","storage":{"driver":"sqlite"}})");
}

}  // namespace
}  // namespace authplane::api::admin_test
