// GET /admin/audit bounds and view; GET /admin/tokens; DELETE /admin/tokens/{jti}.
#include "admin_fakes.hpp"

namespace authplane::api::admin_test {
namespace {

class AdminAudit : public admin_api_test {
 protected:
  void add_event(std::string id, std::string action, std::int64_t at, std::string client_id = "") {
    domain::audit_event e;
    e.id = std::move(id);
    e.action = std::move(action);
    e.actor_id = "admin";
    e.client_id = std::move(client_id);
    e.ip = "10.0.0.1";
    e.detail = "k=v";
    e.trace_id = "t-1";
    e.created_at = at;
    audit.events.push_back(e);
  }
};

TEST_F(AdminAudit, DefaultsToLast24hAndLimit50) {
  add_event("old", "client.updated", kNow - 25 * 3600);
  add_event("new", "client.updated", kNow - 3600, "c1");
  auto c = send("GET", "/admin/audit");
  ASSERT_EQ(c.status(), 200) << c.res.body;
  ASSERT_TRUE(audit.last_query);
  EXPECT_EQ(audit.last_query->since, kNow - 24 * 3600);
  EXPECT_EQ(audit.last_query->until, 0);
  EXPECT_EQ(audit.last_query->limit, 50u);
  EXPECT_EQ(audit.last_query->offset, 0u);
  const auto& events = c.obj().at("events").as_array();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(boost::json::serialize(events[0]),
            R"({"id":"new","action":"client.updated","actor_id":"admin","client_id":"c1","ip":"10.0.0.1",)"
            R"("detail":"k=v","trace_id":"t-1","created_at":"2026-11-26T02:10:00Z"})");
}

TEST_F(AdminAudit, FiltersAndWindowArePassedThrough) {
  auto c = send("GET",
                "/admin/audit?action=client.deleted&actor_id=admin&client_id=c%201&since=2026-11-20T00:00:00Z"
                "&until=2026-11-26T05:10:00%2B02:00&limit=1000&offset=100000");
  ASSERT_EQ(c.status(), 200) << c.res.body;
  const auto& q = *audit.last_query;
  EXPECT_EQ(q.action, "client.deleted");
  EXPECT_EQ(q.actor_id, "admin");
  EXPECT_EQ(q.client_id, "c 1");
  EXPECT_EQ(q.since, 1795132800);     // 2026-11-20T00:00:00Z
  EXPECT_EQ(q.until, kNow);           // 05:10 at +02:00 = 03:10Z
  EXPECT_EQ(q.limit, 1000u);
  EXPECT_EQ(q.offset, 100000u);
  EXPECT_EQ(c.res.body, R"({"events":[]})");
}

TEST_F(AdminAudit, FractionalSecondsAndLowercaseAreAccepted) {
  EXPECT_EQ(send("GET", "/admin/audit?since=2026-11-26t01:00:00.123456z").status(), 200);
  EXPECT_EQ(audit.last_query->since, kNow - 2 * 3600 - 600);
}

TEST_F(AdminAudit, SinceAtTheMaximumLookbackIsAllowed) {
  // kNow - 720h = 2026-10-27T03:10:00Z
  EXPECT_EQ(send("GET", "/admin/audit?since=2026-10-27T03:10:00Z").status(), 200);
}

struct bad_query {
  const char* query;
  const char* detail;
};
class AdminAuditBounds : public AdminAudit, public ::testing::WithParamInterface<bad_query> {};

TEST_P(AdminAuditBounds, Rejects) {
  expect_problem(send("GET", std::string("/admin/audit?") + GetParam().query), 400, GetParam().detail);
  EXPECT_FALSE(audit.last_query);
}

INSTANTIATE_TEST_SUITE_P(
    Audit, AdminAuditBounds,
    ::testing::Values(bad_query{"since=2026-10-27T03:09:59Z", "since must not be older than 720h"},
                      bad_query{"since=yesterday", "since must be an RFC 3339 timestamp"},
                      bad_query{"since=2026-11-26", "since must be an RFC 3339 timestamp"},
                      bad_query{"since=2026-11-26T03:00:00", "since must be an RFC 3339 timestamp"},
                      bad_query{"since=2026-02-30T00:00:00Z", "since must be an RFC 3339 timestamp"},
                      bad_query{"since=2026-11-26T24:00:00Z", "since must be an RFC 3339 timestamp"},
                      bad_query{"since=1795662600", "since must be an RFC 3339 timestamp"},
                      bad_query{"until=soon", "until must be an RFC 3339 timestamp"},
                      bad_query{"until=2026-11-26T03:00:00Z+01:00", "until must be an RFC 3339 timestamp"},
                      bad_query{"since=2026-11-26T03:00:00Z&until=2026-11-26T02:00:00Z",
                                "until must not be before since"},
                      bad_query{"until=2026-10-27T03:09:59Z", "until must not be older than 720h"},
                      bad_query{"limit=1001", "limit must not exceed 1000"},
                      bad_query{"limit=-1", "limit must be a non-negative integer"},
                      bad_query{"limit=ten", "limit must be a non-negative integer"},
                      bad_query{"limit=1.5", "limit must be a non-negative integer"},
                      bad_query{"limit=99999999999999999999", "limit must be a non-negative integer"},
                      bad_query{"offset=100001", "offset must not exceed 100000"},
                      bad_query{"offset=-5", "offset must be a non-negative integer"},
                      bad_query{"offset=x", "offset must be a non-negative integer"},
                      bad_query{"action=%zz", "malformed query string"}));

TEST_F(AdminAudit, UntilWithoutSinceEndsTheDefaultWindow) {
  // until two days ago: the 24h window ends there.
  EXPECT_EQ(send("GET", "/admin/audit?until=2026-11-24T03:10:00Z").status(), 200);
  EXPECT_EQ(audit.last_query->until, kNow - 48 * 3600);
  EXPECT_EQ(audit.last_query->since, kNow - 72 * 3600);
  // Near the maximum lookback the default window is clipped to it.
  EXPECT_EQ(send("GET", "/admin/audit?until=2026-10-27T13:10:00Z").status(), 200);
  EXPECT_EQ(audit.last_query->since, kNow - 720 * 3600);
  // until in the future: the window still ends now.
  EXPECT_EQ(send("GET", "/admin/audit?until=2026-12-01T00:00:00Z").status(), 200);
  EXPECT_EQ(audit.last_query->since, kNow - 24 * 3600);
}

TEST_F(AdminAudit, ConfiguredLookbacksAreHonoured) {
  deps.audit_default_lookback = 3600;
  deps.audit_max_lookback = 2 * 3600;
  EXPECT_EQ(send("GET", "/admin/audit").status(), 200);
  EXPECT_EQ(audit.last_query->since, kNow - 3600);
  expect_problem(send("GET", "/admin/audit?since=2026-11-26T01:09:59Z"), 400, "since must not be older than 2h");
}

TEST_F(AdminAudit, MutationsAreRecordedWithActorAndIp) {
  http::request req;
  req.method = "PATCH";
  req.target = "/admin/clients/c1/suspend";
  req.remote_ip = "203.0.113.9";
  req.headers.add("Authorization", std::string("Bearer ") + kKey);
  seed_client("c1");
  ASSERT_EQ(send_raw(req).status(), 200);
  ASSERT_EQ(audit.events.size(), 1u);
  const auto& e = audit.events[0];
  EXPECT_EQ(e.action, "client.suspended");
  EXPECT_EQ(e.actor_id, "admin");
  EXPECT_EQ(e.ip, "203.0.113.9");
  EXPECT_EQ(e.client_id, "c1");
  EXPECT_EQ(e.id.size(), 22u);
  EXPECT_EQ(e.created_at, kNow);
}

// ---- tokens ----------------------------------------------------------------------------------

TEST_F(AdminAudit, ListActiveTokens) {
  seed_token("j1", "c1");
  seed_token("j2", "c2");
  seed_token("gone", "c1", kNow - 1);
  auto c = send("GET", "/admin/tokens?client_id=c1");
  ASSERT_EQ(c.status(), 200) << c.res.body;
  EXPECT_EQ(issuances.last_filter.client_id, "c1");
  EXPECT_TRUE(issuances.last_filter.active_only);
  EXPECT_EQ(issuances.last_filter.now, kNow);
  const auto& arr = c.obj().at("tokens").as_array();
  ASSERT_EQ(arr.size(), 1u);
  EXPECT_EQ(boost::json::serialize(arr[0]),
            R"({"jti":"j1","client_id":"c1","subject_user_id":"user-1","resource_id":"res-1",)"
            R"("aud":"https://mcp.example.com/mcp","scope":"read write","token_type":"Bearer",)"
            R"("issued_at":"2026-11-26T03:09:00Z","expires_at":"2026-11-26T03:25:00Z"})");

  auto all = send("GET", "/admin/tokens?user_id=user-1");
  EXPECT_EQ(issuances.last_filter.user_id, "user-1");
  EXPECT_EQ(all.obj().at("tokens").as_array().size(), 2u);
  expect_problem(send("GET", "/admin/tokens?limit=x"), 400, "limit must be a non-negative integer");
}

TEST_F(AdminAudit, RevokeToken) {
  seed_token("j1", "c1");
  auto c = send("DELETE", "/admin/tokens/j1");
  EXPECT_EQ(c.status(), 204);
  EXPECT_EQ(issuances.rows[0].revoked_at, kNow);
  auto ev = audit.with_action("token.revoked");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].client_id, "c1");
  EXPECT_EQ(ev[0].detail, "jti=j1 reason=admin");
  EXPECT_TRUE(send("GET", "/admin/tokens").obj().at("tokens").as_array().empty());
  expect_problem(send("DELETE", "/admin/tokens/unknown"), 404, "token not found");
}

}  // namespace
}  // namespace authplane::api::admin_test
