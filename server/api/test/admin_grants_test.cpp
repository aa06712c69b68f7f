// /admin/grants/consent: list (filters, pages, bad filters), get (404), revoke (204, cascade
// counts in the audit detail, idempotent, 404), GET /admin/users/{id}/grants, API-key gate.
#include "admin_fakes.hpp"

namespace authplane::api::admin_test {
namespace {

struct fake_family {
  std::string id;
  std::string consent_grant_id;
  std::vector<std::string> jtis;
  bool revoked = false;
};

struct fake_consent_store : ports::consent_admin_store {
  std::vector<domain::consent_grant> rows;  // newest first, as the store orders them
  std::vector<fake_family> families;
  fake_issuance_store* tokens = nullptr;
  ports::consent_filter last_filter;
  ports::list_page last_page;
  bool fail = false;

  result<std::optional<domain::consent_grant>> find_consent_by_id(std::string_view id) override {
    if (fail) return make_error_code(errc::storage_failure);
    for (const auto& g : rows)
      if (g.id == id) return std::optional<domain::consent_grant>{g};
    return std::optional<domain::consent_grant>{};
  }
  result<std::vector<domain::consent_grant>> list_consents(const ports::consent_filter& f,
                                                           ports::list_page page) override {
    if (fail) return make_error_code(errc::storage_failure);
    last_filter = f;
    last_page = page;
    std::vector<domain::consent_grant> out;
    std::size_t skipped = 0;
    for (const auto& g : rows) {
      if ((!f.user_id.empty() && g.user_id != f.user_id) || (!f.client_id.empty() && g.client_id != f.client_id)) continue;
      if (skipped++ < page.offset) continue;
      if (out.size() >= page.limit) break;
      out.push_back(g);
    }
    return out;
  }
  result<ports::consent_revocation> revoke_consent(std::string_view id, std::int64_t now) override {
    if (fail) return make_error_code(errc::storage_failure);
    for (auto& g : rows) {
      if (g.id != id) continue;
      if (!g.revoked_at) g.revoked_at = now;
      ports::consent_revocation out;
      out.grant = g;
      for (auto& fam : families) {
        if (fam.consent_grant_id != id || fam.revoked) continue;
        fam.revoked = true;
        ++out.revoked_families;
        for (auto& t : tokens->rows)
          for (const auto& j : fam.jtis)
            if (t.jti == j && !t.revoked_at) t.revoked_at = now, ++out.revoked_issuances;
      }
      return out;
    }
    return make_error_code(errc::not_found);
  }
};

struct tiny_user_store : ports::user_store {
  std::map<std::string, domain::user, std::less<>> rows;
  result<std::optional<domain::user>> find_user(std::string_view id) override {
    auto it = rows.find(id);
    if (it == rows.end()) return std::optional<domain::user>{};
    return std::optional<domain::user>{it->second};
  }
  result<std::optional<domain::user>> find_user_by_email(std::string_view) override {
    return std::optional<domain::user>{};
  }
  result<void> create_user(const domain::user&) override { return {}; }
  result<void> update_user(const domain::user&) override { return {}; }
  result<std::vector<domain::user>> list_users(const ports::user_filter&, ports::list_page) override {
    return std::vector<domain::user>{};
  }
  result<void> delete_user(std::string_view) override { return {}; }
  result<std::size_t> count_active_user_tokens(std::string_view, std::int64_t) override { return std::size_t{0}; }
  result<std::size_t> end_user_sessions(std::string_view, std::int64_t) override { return std::size_t{0}; }
};

struct null_passwords : ports::password_hasher {
  result<std::string> hash(std::string_view) const override { return std::string("$x"); }
  bool verify(std::string_view, std::string_view) const override { return false; }
  bool needs_rehash(std::string_view) const override { return false; }
};

class AdminGrants : public admin_api_test {
 protected:
  fake_consent_store consents;
  tiny_user_store users;
  null_passwords passwords;

  void SetUp() override {
    consents.tokens = &issuances;
    deps.consents = &consents;
    deps.users = &users;
    deps.passwords = &passwords;
    users.rows["user-1"] = domain::user{};
    users.rows["user-1"].id = "user-1";
    users.rows["user-3"] = domain::user{};
    users.rows["user-3"].id = "user-3";
    domain::resource r;
    r.id = "res-1";
    r.slug = "notes";
    r.uri = "https://notes.example/mcp";
    resources.rows.push_back(r);
    admin_api_test::SetUp();
  }

  domain::consent_grant seed_grant(std::string id, std::string user, std::string client,
                                   std::string resource = "https://notes.example/mcp") {
    domain::consent_grant g;
    g.id = std::move(id);
    g.user_id = std::move(user);
    g.client_id = std::move(client);
    g.resource = std::move(resource);
    g.scopes = "notes:read notes:write";
    g.created_at = kNow - 100;
    g.updated_at = kNow - 50;
    consents.rows.push_back(g);
    return g;
  }
};

std::vector<std::string> ids(const captured& c) {
  std::vector<std::string> out;
  for (const auto& g : c.obj().at("consent_grants").as_array()) out.emplace_back(g.at("id").as_string().c_str());
  return out;
}

// ---- list ------------------------------------------------------------------------------------

TEST_F(AdminGrants, ListReturnsEveryGrantWithTheView) {
  seed_grant("g1", "user-1", "app-1");
  seed_grant("g2", "user-2", "app-1", "");
  auto c = send("GET", "/admin/grants/consent");
  ASSERT_EQ(c.status(), 200) << c.res.body;
  EXPECT_EQ(c.header("Content-Type"), "application/json");
  EXPECT_EQ(ids(c), (std::vector<std::string>{"g1", "g2"}));
  const auto& g = c.obj().at("consent_grants").as_array()[0].as_object();
  EXPECT_EQ(g.at("user_id").as_string(), "user-1");
  EXPECT_EQ(g.at("client_id").as_string(), "app-1");
  EXPECT_EQ(g.at("resource_id").as_string(), "res-1");
  EXPECT_EQ(g.at("resource").as_string(), "https://notes.example/mcp");
  EXPECT_EQ(strings(g.at("scopes")), (std::vector<std::string>{"notes:read", "notes:write"}));
  EXPECT_EQ(g.at("created_at").as_string(), "2026-11-26T03:08:20Z");
  EXPECT_EQ(g.at("updated_at").as_string(), "2026-11-26T03:09:10Z");
  EXPECT_FALSE(g.contains("revoked_at"));
  const auto& g2 = c.obj().at("consent_grants").as_array()[1].as_object();
  EXPECT_EQ(g2.at("resource_id").as_string(), "");
  EXPECT_EQ(consents.last_page.limit, 50u);
  EXPECT_EQ(consents.last_page.offset, 0u);
}

TEST_F(AdminGrants, ListIsEmptyArrayNotNull) {
  auto c = send("GET", "/admin/grants/consent");
  ASSERT_EQ(c.status(), 200);
  EXPECT_EQ(c.res.body, R"({"consent_grants":[]})");
}

TEST_F(AdminGrants, ListFiltersByUserAndClientAndPages) {
  seed_grant("g1", "user-1", "app-1");
  seed_grant("g2", "user-1", "app-2");
  seed_grant("g3", "user-2", "app-1");
  EXPECT_EQ(ids(send("GET", "/admin/grants/consent?user_id=user-1")), (std::vector<std::string>{"g1", "g2"}));
  EXPECT_EQ(consents.last_filter.user_id, "user-1");
  EXPECT_EQ(consents.last_filter.client_id, "");
  EXPECT_EQ(ids(send("GET", "/admin/grants/consent?client_id=app-1")), (std::vector<std::string>{"g1", "g3"}));
  EXPECT_EQ(ids(send("GET", "/admin/grants/consent?user_id=user-1&client_id=app-2")), (std::vector<std::string>{"g2"}));
  EXPECT_EQ(ids(send("GET", "/admin/grants/consent?limit=1&offset=1")), (std::vector<std::string>{"g2"}));
  EXPECT_EQ(consents.last_page.limit, 1u);
  EXPECT_EQ(consents.last_page.offset, 1u);
  EXPECT_EQ(ids(send("GET", "/admin/grants/consent?user_id=nobody")), (std::vector<std::string>{}));
}

TEST_F(AdminGrants, ListRejectsBadFilters) {
  expect_problem(send("GET", "/admin/grants/consent?user_id="), 400, "user_id must not be empty");
  expect_problem(send("GET", "/admin/grants/consent?client_id="), 400, "client_id must not be empty");
  expect_problem(send("GET", "/admin/grants/consent?user_id=" + std::string(257, 'u')), 400,
                 "user_id must be at most 256 characters");
  expect_problem(send("GET", "/admin/grants/consent?client_id=a%0Ab"), 400,
                 "client_id must not contain control characters");
  expect_problem(send("GET", "/admin/grants/consent?user=user-1"), 400, "unknown query parameter: user");
  expect_problem(send("GET", "/admin/grants/consent?limit=abc"), 400, "limit must be a non-negative integer");
  expect_problem(send("GET", "/admin/grants/consent?limit=1001"), 400, "limit must not exceed 1000");
  expect_problem(send("GET", "/admin/grants/consent?offset=-1"), 400, "offset must be a non-negative integer");
  expect_problem(send("GET", "/admin/grants/consent?offset=100001"), 400, "offset must not exceed 100000");
  expect_problem(send("GET", "/admin/grants/consent?user_id=%zz"), 400, "malformed query string");
}

TEST_F(AdminGrants, StoreFailureIs500) {
  consents.fail = true;
  expect_problem(send("GET", "/admin/grants/consent"), 500, "internal error");
  expect_problem(send("GET", "/admin/grants/consent/g1"), 500, "internal error");
  expect_problem(send("DELETE", "/admin/grants/consent/g1"), 500, "internal error");
}

TEST_F(AdminGrants, RequiresTheAdminKey) {
  for (auto [m, p] : {std::pair{"GET", "/admin/grants/consent"}, std::pair{"GET", "/admin/grants/consent/g1"},
                      std::pair{"DELETE", "/admin/grants/consent/g1"}, std::pair{"GET", "/admin/users/user-1/grants"}}) {
    auto c = send(m, p, "", std::string("Bearer wrong"));
    EXPECT_EQ(c.status(), 401) << m << " " << p;
    EXPECT_EQ(c.str("error"), "unauthorized");
  }
}

// ---- get -------------------------------------------------------------------------------------

TEST_F(AdminGrants, GetReturnsViewOr404) {
  seed_grant("g1", "user-1", "app-1");
  auto c = send("GET", "/admin/grants/consent/g1");
  ASSERT_EQ(c.status(), 200) << c.res.body;
  EXPECT_EQ(c.str("id"), "g1");
  EXPECT_EQ(c.str("resource_id"), "res-1");
  expect_problem(send("GET", "/admin/grants/consent/nope"), 404, "consent grant not found");
  expect_problem(send("GET", "/admin/grants/consent/" + std::string(257, 'x')), 400,
                 "path parameter id exceeds 256 characters");
}

// ---- revoke ----------------------------------------------------------------------------------

TEST_F(AdminGrants, RevokeCascadesToFamiliesAndTheirTokensAndAudits) {
  seed_grant("g1", "user-1", "app-1");
  seed_grant("g2", "user-1", "app-2");
  seed_token("jti-a", "app-1");
  seed_token("jti-b", "app-1");
  seed_token("jti-c", "app-1");
  seed_token("jti-other", "app-2");
  consents.families = {{"fam-1", "g1", {"jti-a", "jti-b"}}, {"fam-2", "g1", {"jti-c"}}, {"fam-3", "g2", {"jti-other"}}};

  auto c = send("DELETE", "/admin/grants/consent/g1");
  EXPECT_EQ(c.status(), 204) << c.res.body;
  EXPECT_TRUE(c.res.body.empty());
  EXPECT_EQ(consents.rows[0].revoked_at, kNow);
  EXPECT_FALSE(consents.rows[1].revoked_at);
  for (const auto& t : issuances.rows) EXPECT_EQ(t.revoked_at.has_value(), t.jti != "jti-other") << t.jti;

  auto ev = audit.with_action("consent_grant.revoked_admin");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].actor_id, "admin");
  EXPECT_EQ(ev[0].client_id, "app-1");
  EXPECT_EQ(ev[0].ip, "192.0.2.7");
  EXPECT_EQ(ev[0].detail, "grant_id=g1 user_id=user-1 revoked_issuances=3 revoked_families=2");

  auto got = send("GET", "/admin/grants/consent/g1");
  EXPECT_EQ(got.str("revoked_at"), "2026-11-26T03:10:00Z");
}

TEST_F(AdminGrants, RevokeIsIdempotentAnd404ForUnknown) {
  seed_grant("g1", "user-1", "app-1");
  EXPECT_EQ(send("DELETE", "/admin/grants/consent/g1").status(), 204);
  clk.advance(10);
  EXPECT_EQ(send("DELETE", "/admin/grants/consent/g1").status(), 204);
  EXPECT_EQ(consents.rows[0].revoked_at, kNow);  // the first time is kept
  auto ev = audit.with_action("consent_grant.revoked_admin");
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[1].detail, "grant_id=g1 user_id=user-1 revoked_issuances=0 revoked_families=0");
  expect_problem(send("DELETE", "/admin/grants/consent/nope"), 404, "consent grant not found");
  EXPECT_EQ(audit.with_action("consent_grant.revoked_admin").size(), 2u);
}

TEST_F(AdminGrants, OtherMethodsAreNotRoutes) {
  seed_grant("g1", "user-1", "app-1");
  EXPECT_EQ(send("POST", "/admin/grants/consent", "{}").status(), 405);
  EXPECT_EQ(send("PATCH", "/admin/grants/consent/g1", "{}").status(), 405);
}

// ---- per user (reference shape) ------------------------------------------------------------

TEST_F(AdminGrants, UserGrantsHasBothArraysOr404) {
  seed_grant("g1", "user-1", "app-1");
  seed_grant("g2", "user-2", "app-1");
  auto c = send("GET", "/admin/users/user-1/grants");
  ASSERT_EQ(c.status(), 200) << c.res.body;
  EXPECT_EQ(ids(c), (std::vector<std::string>{"g1"}));
  EXPECT_TRUE(c.obj().at("broker_grants").as_array().empty());
  auto empty = send("GET", "/admin/users/user-3/grants");
  EXPECT_EQ(empty.res.body, R"({"consent_grants":[],"broker_grants":[]})");
  expect_problem(send("GET", "/admin/users/nobody/grants"), 404, "user not found");
  expect_problem(send("GET", "/admin/users/user-1/grants?limit=x"), 400, "limit must be a non-negative integer");
}

TEST(AdminGrantsWithoutStore, RoutesAreAbsent) {
  fake_client_store clients;
  fake_resource_store resources;
  fake_issuance_store issuances;
  fake_audit_store audit;
  fake_health_store health;
  fake_settings_store settings;
  fake_secrets secrets;
  fake_keys keys;
  manual_clock clk{kNow};
  admin_deps deps{clients, resources, issuances, audit, health, settings, secrets, keys, clk, kKey, "0.1.0", "{}"};
  http::router router;
  register_admin_routes(router, deps);
  http::request req;
  req.method = "GET";
  req.target = req.path = "/admin/grants/consent";
  req.headers.add("Authorization", std::string("Bearer ") + kKey);
  int status = 0;
  router.dispatch(req, http::responder([&](http::response&& r) { status = r.status; }));
  EXPECT_EQ(status, 404);
}

}  // namespace
}  // namespace authplane::api::admin_test
