// /admin/clients: create (validation, secret shown once, only the hash stored), list, get,
// patch, rotate-secret, the lifecycle transition matrix and delete with/without force.
#include "admin_fakes.hpp"

namespace authplane::api::admin_test {
namespace {

class AdminClients : public admin_api_test {
 protected:
  captured create(std::string body) { return send("POST", "/admin/clients", std::move(body)); }
};

// ---- create ----------------------------------------------------------------------------------

TEST_F(AdminClients, CreateConfidentialReturnsSecretOnceAndStoresOnlyTheHash) {
  auto c = create(R"({"client_name":"Billing","redirect_uris":["https://billing.example.com/cb"],"scope":"read  write"})");
  ASSERT_EQ(c.status(), 201) << c.res.body;
  EXPECT_EQ(c.header("Content-Type"), "application/json");
  EXPECT_EQ(c.header("Cache-Control"), "no-store");
  const auto& o = c.obj();
  std::string id = c.str("client_id");
  EXPECT_EQ(id.size(), 22u);
  ASSERT_EQ(secrets.issued.size(), 1u);
  EXPECT_EQ(c.str("client_secret"), secrets.issued[0].secret);
  EXPECT_EQ(c.str("client_name"), "Billing");
  EXPECT_EQ(strings(o.at("redirect_uris")), std::vector<std::string>{"https://billing.example.com/cb"});
  EXPECT_EQ(strings(o.at("grant_types")), (std::vector<std::string>{"authorization_code", "refresh_token"}));
  EXPECT_EQ(strings(o.at("response_types")), std::vector<std::string>{"code"});
  EXPECT_EQ(c.str("token_endpoint_auth_method"), "client_secret_basic");
  EXPECT_EQ(c.str("scope"), "read write");
  EXPECT_EQ(c.str("status"), "active");
  EXPECT_EQ(c.str("registration_source"), "admin");
  EXPECT_EQ(o.at("agent").as_bool(), false);
  EXPECT_EQ(c.str("agent_description"), "");
  EXPECT_EQ(c.str("issued_at"), "2026-11-26T03:10:00Z");
  EXPECT_EQ(o.size(), 13u);

  ASSERT_EQ(clients.rows.count(id), 1u);
  const domain::client& stored = clients.rows[id];
  EXPECT_EQ(stored.secret_hash, secrets.issued[0].hash);
  EXPECT_EQ(stored.secret_hash.find(secrets.issued[0].secret), std::string::npos);
  EXPECT_EQ(stored.registration_source, "admin");
  EXPECT_EQ(stored.issued_at, kNow);

  // Never shown again.
  auto g = send("GET", "/admin/clients/" + id);
  EXPECT_EQ(g.res.body.find(secrets.issued[0].secret), std::string::npos);
  EXPECT_FALSE(g.obj().contains("client_secret"));

  auto ev = audit.with_action("client.created_admin");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].client_id, id);
  EXPECT_EQ(ev[0].actor_id, "admin");
  EXPECT_EQ(ev[0].ip, "192.0.2.7");
  EXPECT_EQ(ev[0].created_at, kNow);
  EXPECT_EQ(ev[0].detail.find(secrets.issued[0].secret), std::string::npos);
  EXPECT_EQ(clients_changed, 1);
}

TEST_F(AdminClients, CreatePublicHasNoSecret) {
  auto c = create(R"({"client_name":"CLI","redirect_uris":["http://127.0.0.1:8080/cb"],"token_endpoint_auth_method":"none"})");
  ASSERT_EQ(c.status(), 201) << c.res.body;
  EXPECT_FALSE(c.obj().contains("client_secret"));
  EXPECT_EQ(c.header("Cache-Control"), "<absent>");
  EXPECT_TRUE(secrets.issued.empty());
  EXPECT_EQ(clients.rows[c.str("client_id")].secret_hash, "");
}

TEST_F(AdminClients, CreateMachineClient) {
  auto c = create(R"({"client_name":"cron","grant_types":["client_credentials"],"token_endpoint_auth_method":"client_secret_post","agent":true,"agent_description":"nightly job"})");
  ASSERT_EQ(c.status(), 201) << c.res.body;
  EXPECT_EQ(strings(c.obj().at("grant_types")), std::vector<std::string>{"client_credentials"});
  EXPECT_TRUE(c.obj().at("response_types").as_array().empty());
  EXPECT_TRUE(c.obj().at("redirect_uris").as_array().empty());
  EXPECT_EQ(c.obj().at("agent").as_bool(), true);
  EXPECT_EQ(c.str("agent_description"), "nightly job");
  EXPECT_TRUE(c.obj().contains("client_secret"));
}

TEST_F(AdminClients, CreateAcceptsEveryAllowedGrant) {
  auto c = create(R"({"client_name":"all","redirect_uris":["https://a.example/cb"],"grant_types":["authorization_code","refresh_token","client_credentials","urn:ietf:params:oauth:grant-type:token-exchange","urn:ietf:params:oauth:grant-type:jwt-bearer"]})");
  EXPECT_EQ(c.status(), 201) << c.res.body;
}

struct bad_create {
  const char* body;
  const char* detail;
};

class AdminClientsValidation : public AdminClients, public ::testing::WithParamInterface<bad_create> {};

TEST_P(AdminClientsValidation, Rejects) {
  auto c = create(GetParam().body);
  expect_problem(c, 400, GetParam().detail);
  EXPECT_TRUE(clients.rows.empty());
  EXPECT_TRUE(audit.events.empty());
  EXPECT_TRUE(secrets.issued.empty());
}

const std::string long_name(256, 'n');
const std::string name_255(255, 'n');

INSTANTIATE_TEST_SUITE_P(
    Create, AdminClientsValidation,
    ::testing::Values(
        bad_create{"", "invalid JSON body"}, bad_create{"{", "invalid JSON body"},
        bad_create{"[1,2]", "invalid JSON body"}, bad_create{"\"x\"", "invalid JSON body"},
        bad_create{R"({"redirect_uris":["https://a.example/cb"]})", "client_name is required"},
        bad_create{R"({"client_name":"","redirect_uris":["https://a.example/cb"]})", "client_name is required"},
        bad_create{R"({"client_name":5})", "client_name must be a string"},
        bad_create{R"({"client_name":"x","redirect_uris":"https://a.example/cb"})",
                   "redirect_uris must be an array of strings"},
        bad_create{R"({"client_name":"x","redirect_uris":[1]})", "redirect_uris must be an array of strings"},
        bad_create{R"({"client_name":"x","agent":"yes","redirect_uris":["https://a.example/cb"]})",
                   "agent must be a boolean"},
        bad_create{R"({"client_name":"x","grant_types":["password"]})", "unsupported grant_type \"password\""},
        bad_create{R"({"client_name":"x","grant_types":["implicit"]})", "unsupported grant_type \"implicit\""},
        bad_create{R"({"client_name":"x","redirect_uris":["https://a.example/cb"],"response_types":["token"]})",
                   "unsupported response_type \"token\""},
        bad_create{R"({"client_name":"x","token_endpoint_auth_method":"private_key_jwt","grant_types":["client_credentials"]})",
                   "unsupported token_endpoint_auth_method \"private_key_jwt\""},
        bad_create{R"({"client_name":"x","token_endpoint_auth_method":"none","grant_types":["client_credentials"]})",
                   "client_credentials requires a confidential client (token_endpoint_auth_method "
                   "client_secret_basic or client_secret_post)"},
        bad_create{R"({"client_name":"x"})", "redirect_uris is required for the authorization_code grant"},
        bad_create{R"({"client_name":"x","redirect_uris":[]})",
                   "redirect_uris is required for the authorization_code grant"},
        bad_create{R"({"client_name":"x","redirect_uris":["http://app.example.com/cb"]})",
                   "invalid redirect_uri \"http://app.example.com/cb\": must use https unless the host is loopback"},
        bad_create{R"({"client_name":"x","redirect_uris":["https://app.example.com/cb#frag"]})",
                   "invalid redirect_uri \"https://app.example.com/cb#frag\": must not contain a fragment"},
        bad_create{R"({"client_name":"x","redirect_uris":["/relative/cb"]})",
                   "invalid redirect_uri \"/relative/cb\": must be an absolute URI"},
        bad_create{R"({"client_name":"x","redirect_uris":["myapp://cb"]})",
                   "invalid redirect_uri \"myapp://cb\": scheme must be http or https"},
        bad_create{R"({"client_name":"x","redirect_uris":["https:///cb"]})",
                   "invalid redirect_uri \"https:///cb\": must be an absolute URI with a host"},
        bad_create{R"({"client_name":"x","redirect_uris":["https://a.example:99999/cb"]})",
                   "invalid redirect_uri \"https://a.example:99999/cb\": has an invalid port"},
        bad_create{R"({"client_name":"x","redirect_uris":["https://a.example/c b"]})",
                   "invalid redirect_uri \"https://a.example/c b\": must not contain whitespace or control characters"},
        // The userinfo decoy does not make evil.example a loopback host.
        bad_create{R"({"client_name":"x","redirect_uris":["http://127.0.0.1@evil.example/cb"]})",
                   "invalid redirect_uri \"http://127.0.0.1@evil.example/cb\": must use https unless the host is loopback"},
        bad_create{R"({"client_name":"x","redirect_uris":["https://a.example/cb"],"scope":"read wr\"ite"})",
                   "invalid scope \"wr\"ite\""},
        bad_create{R"({"client_name":"x","redirect_uris":["https://a.example/cb"],"agent_description":"d","scope":"a\\b"})",
                   "invalid scope \"a\\b\""}));

TEST_F(AdminClients, NameAndAgentDescriptionLengthLimits) {
  expect_problem(create(R"({"client_name":")" + long_name + R"(","redirect_uris":["https://a.example/cb"]})"), 400,
                 "client_name must be at most 255 characters");
  expect_problem(create(R"({"client_name":"x","agent_description":")" + long_name +
                        R"(","redirect_uris":["https://a.example/cb"]})"),
                 400, "agent_description must be at most 255 characters");
  EXPECT_EQ(create(R"({"client_name":")" + name_255 + R"(","redirect_uris":["https://a.example/cb"]})").status(), 201);
}

TEST_F(AdminClients, LoopbackRedirectsMayUseHttp) {
  for (const char* uri : {"http://localhost:3000/cb", "http://127.0.0.1/cb", "http://[::1]:8080/cb"}) {
    SCOPED_TRACE(uri);
    auto c = create(std::string(R"({"client_name":"x","token_endpoint_auth_method":"none","redirect_uris":[")") + uri +
                    R"("]})");
    EXPECT_EQ(c.status(), 201) << c.res.body;
  }
}

TEST_F(AdminClients, CreateStoreConflictIs409) {
  clients.conflict_on_create = true;
  expect_problem(create(R"({"client_name":"x","redirect_uris":["https://a.example/cb"]})"), 409,
                 "client already exists");
  EXPECT_TRUE(audit.events.empty());
  EXPECT_EQ(clients_changed, 0);
}

TEST_F(AdminClients, AuditFailureDoesNotFailTheRequest) {
  audit.fail_writes = true;
  auto c = create(R"({"client_name":"x","redirect_uris":["https://a.example/cb"]})");
  EXPECT_EQ(c.status(), 201);
  EXPECT_EQ(clients.rows.size(), 1u);
}

// ---- list / get ------------------------------------------------------------------------------

TEST_F(AdminClients, ListReturnsViewsWithFilters) {
  seed_client("a");
  seed_client("b", "suspended");
  auto c = send("GET", "/admin/clients");
  ASSERT_EQ(c.status(), 200);
  ASSERT_EQ(c.obj().at("clients").as_array().size(), 2u);

  auto f = send("GET", "/admin/clients?status=suspended&source=admin&limit=10&offset=0");
  ASSERT_EQ(f.status(), 200) << f.res.body;
  const auto& arr = f.obj().at("clients").as_array();
  ASSERT_EQ(arr.size(), 1u);
  EXPECT_EQ(arr[0].as_object().at("id").as_string(), "b");
  EXPECT_EQ(clients.last_status_filter, "suspended");
  EXPECT_EQ(clients.last_source_filter, "admin");

  expect_problem(send("GET", "/admin/clients?status=bogus"), 400, "status must be one of active, suspended, revoked");
  expect_problem(send("GET", "/admin/clients?source=web"), 400, "source must be one of admin, dcr, cimd");
  expect_problem(send("GET", "/admin/clients?limit=abc"), 400, "limit must be a non-negative integer");
  expect_problem(send("GET", "/admin/clients?limit=1001"), 400, "limit must not exceed 1000");
  expect_problem(send("GET", "/admin/clients?offset=-1"), 400, "offset must be a non-negative integer");
}

TEST_F(AdminClients, EmptyListIsAnArrayNotNull) {
  auto c = send("GET", "/admin/clients");
  EXPECT_EQ(c.res.body, R"({"clients":[]})");
}

TEST_F(AdminClients, GetReturnsClientView) {
  domain::client s = seed_client("c1");
  s.cimd_url = "";
  auto c = send("GET", "/admin/clients/c1");
  ASSERT_EQ(c.status(), 200);
  const auto& o = c.obj();
  for (const char* k : {"id", "name", "redirect_uris", "grant_types", "response_types", "token_endpoint_auth_method",
                        "status", "registration_source", "cimd_url", "issued_at", "updated_at", "scope", "agent",
                        "agent_description"})
    EXPECT_TRUE(o.contains(k)) << k;
  EXPECT_EQ(o.size(), 14u);
  EXPECT_EQ(c.str("id"), "c1");
  EXPECT_EQ(c.str("name"), "seeded c1");
  EXPECT_EQ(c.str("issued_at"), "2026-11-26T03:08:20Z");
  EXPECT_FALSE(o.contains("secret_hash"));
  EXPECT_EQ(c.res.body.find("hs256$"), std::string::npos);
}

TEST_F(AdminClients, GetUnknownIs404) { expect_problem(send("GET", "/admin/clients/nope"), 404, "client not found"); }

// ---- patch -----------------------------------------------------------------------------------

TEST_F(AdminClients, PatchChangesOnlyGivenFields) {
  seed_client("c1");
  clk.advance(60);
  auto c = send("PATCH", "/admin/clients/c1", R"({"client_name":"Renamed","scope":"a b","redirect_uris":null})");
  ASSERT_EQ(c.status(), 200) << c.res.body;
  EXPECT_EQ(c.str("name"), "Renamed");
  EXPECT_EQ(c.str("scope"), "a b");
  EXPECT_EQ(strings(c.obj().at("redirect_uris")), std::vector<std::string>{"https://app.example.com/cb"});
  EXPECT_EQ(c.str("updated_at"), "2026-11-26T03:11:00Z");
  EXPECT_EQ(clients.rows["c1"].name, "Renamed");
  EXPECT_EQ(clients.rows["c1"].version, 2);
  EXPECT_EQ(clients.rows["c1"].secret_hash, "hs256$seeded");
  auto ev = audit.with_action("client.updated");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].client_id, "c1");
  EXPECT_EQ(ev[0].detail, "fields=client_name,scope");
  EXPECT_EQ(clients_changed, 1);
}

TEST_F(AdminClients, PatchGrantTypesRecomputesResponseTypes) {
  seed_client("c1");
  auto c = send("PATCH", "/admin/clients/c1", R"({"grant_types":["client_credentials"]})");
  ASSERT_EQ(c.status(), 200) << c.res.body;
  EXPECT_TRUE(c.obj().at("response_types").as_array().empty());
}

TEST_F(AdminClients, PatchValidatesTheResult) {
  seed_client("c1");
  seed_client("pub", "active", "none");
  expect_problem(send("PATCH", "/admin/clients/c1", R"({"redirect_uris":[]})"), 400,
                 "redirect_uris is required for the authorization_code grant");
  expect_problem(send("PATCH", "/admin/clients/c1", R"({"client_name":""})"), 400, "client_name is required");
  expect_problem(send("PATCH", "/admin/clients/c1", R"({"grant_types":[]})"), 400, "grant_types must not be empty");
  expect_problem(send("PATCH", "/admin/clients/c1", R"({"scope":7})"), 400, "scope must be a string");
  expect_problem(send("PATCH", "/admin/clients/pub", R"({"grant_types":["client_credentials"]})"), 400,
                 "client_credentials requires a confidential client (token_endpoint_auth_method "
                 "client_secret_basic or client_secret_post)");
  expect_problem(send("PATCH", "/admin/clients/c1", "nope"), 400, "invalid JSON body");
  expect_problem(send("PATCH", "/admin/clients/missing", "{}"), 404, "client not found");
  EXPECT_EQ(clients.rows["c1"].version, 1);
  EXPECT_TRUE(audit.events.empty());
}

TEST_F(AdminClients, PatchRetriesOnceOnVersionConflict) {
  seed_client("c1");
  clients.conflicts_to_inject = 1;
  auto c = send("PATCH", "/admin/clients/c1", R"({"client_name":"After retry"})");
  EXPECT_EQ(c.status(), 200) << c.res.body;
  EXPECT_EQ(clients.rows["c1"].name, "After retry");

  clients.conflicts_to_inject = 2;
  expect_problem(send("PATCH", "/admin/clients/c1", R"({"client_name":"Lost"})"), 409,
                 "client was modified concurrently; retry");
  EXPECT_EQ(clients.rows["c1"].name, "After retry");
}

// ---- rotate-secret ---------------------------------------------------------------------------

TEST_F(AdminClients, RotateSecret) {
  seed_client("c1");
  auto c = send("POST", "/admin/clients/c1/rotate-secret");
  ASSERT_EQ(c.status(), 200) << c.res.body;
  EXPECT_EQ(c.header("Cache-Control"), "no-store");
  EXPECT_EQ(c.obj().size(), 2u);
  EXPECT_EQ(c.str("client_id"), "c1");
  ASSERT_EQ(secrets.issued.size(), 1u);
  EXPECT_EQ(c.str("client_secret"), secrets.issued[0].secret);
  EXPECT_EQ(clients.rows["c1"].secret_hash, secrets.issued[0].hash);
  auto ev = audit.with_action("client.secret_rotated");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].client_id, "c1");
  EXPECT_EQ(ev[0].detail.find(secrets.issued[0].secret), std::string::npos);
}

TEST_F(AdminClients, RotateSecretOfPublicClientIs400) {
  seed_client("pub", "active", "none");
  expect_problem(send("POST", "/admin/clients/pub/rotate-secret"), 400, "public clients have no secret to rotate");
  EXPECT_TRUE(secrets.issued.empty());
  expect_problem(send("POST", "/admin/clients/nope/rotate-secret"), 404, "client not found");
}

// ---- lifecycle -------------------------------------------------------------------------------

struct transition_case {
  const char* from;
  const char* verb;
  int status;        // 200 or 409
  const char* to;    // resulting status
};

class AdminClientTransitions : public AdminClients, public ::testing::WithParamInterface<transition_case> {};

TEST_P(AdminClientTransitions, Matrix) {
  const auto& t = GetParam();
  seed_client("c1", t.from);
  auto c = send("PATCH", std::string("/admin/clients/c1/") + t.verb);
  EXPECT_EQ(c.status(), t.status) << c.res.body;
  EXPECT_EQ(clients.rows["c1"].status, t.to);
  if (t.status == 200) {
    EXPECT_EQ(c.res.body, std::string(R"({"status":")") + t.to + "\"}");
    std::string action = std::string(t.verb) == "suspend"   ? "client.suspended"
                         : std::string(t.verb) == "revoke" ? "client.revoked"
                                                           : "client.reactivated";
    auto ev = audit.with_action(action);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].client_id, "c1");
    EXPECT_EQ(clients_changed, 1);
  } else {
    expect_problem(c, 409, std::string("cannot ") + t.verb + " a client whose status is " + t.from);
    EXPECT_TRUE(audit.events.empty());
    EXPECT_EQ(clients.rows["c1"].version, 1);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Lifecycle, AdminClientTransitions,
    ::testing::Values(transition_case{"active", "suspend", 200, "suspended"},
                      transition_case{"suspended", "suspend", 409, "suspended"},
                      transition_case{"revoked", "suspend", 409, "revoked"},
                      transition_case{"active", "reactivate", 409, "active"},
                      transition_case{"suspended", "reactivate", 200, "active"},
                      transition_case{"revoked", "reactivate", 409, "revoked"},
                      transition_case{"active", "revoke", 200, "revoked"},
                      transition_case{"suspended", "revoke", 200, "revoked"},
                      transition_case{"revoked", "revoke", 200, "revoked"}));

TEST_F(AdminClients, TransitionOfUnknownClientIs404) {
  expect_problem(send("PATCH", "/admin/clients/nope/suspend"), 404, "client not found");
}

TEST_F(AdminClients, TransitionRetriesOnceOnConflict) {
  seed_client("c1");
  clients.conflicts_to_inject = 1;
  EXPECT_EQ(send("PATCH", "/admin/clients/c1/suspend").status(), 200);
  EXPECT_EQ(clients.rows["c1"].status, "suspended");
  clients.conflicts_to_inject = 2;
  expect_problem(send("PATCH", "/admin/clients/c1/reactivate"), 409, "client was modified concurrently; retry");
  EXPECT_EQ(clients.rows["c1"].status, "suspended");
}

// ---- delete ----------------------------------------------------------------------------------

TEST_F(AdminClients, DeleteWithoutTokens) {
  seed_client("c1");
  seed_token("expired", "c1", kNow - 1);  // not active
  auto c = send("DELETE", "/admin/clients/c1");
  EXPECT_EQ(c.status(), 204);
  EXPECT_TRUE(c.res.body.empty());
  EXPECT_EQ(clients.rows.count("c1"), 0u);
  auto ev = audit.with_action("client.deleted");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].client_id, "c1");
  EXPECT_EQ(ev[0].detail, "force=false revoked_tokens=0");
  EXPECT_EQ(clients_changed, 1);
}

TEST_F(AdminClients, DeleteWithActiveTokensNeedsForce) {
  seed_client("c1");
  seed_token("j1", "c1");
  seed_token("j2", "c1");
  seed_token("other", "c2");
  expect_problem(send("DELETE", "/admin/clients/c1"), 409,
                 "client has active tokens — use force=true to revoke and delete");
  EXPECT_EQ(clients.rows.count("c1"), 1u);
  EXPECT_FALSE(issuances.rows[0].revoked_at);
  expect_problem(send("DELETE", "/admin/clients/c1?force=false"), 409,
                 "client has active tokens — use force=true to revoke and delete");

  auto c = send("DELETE", "/admin/clients/c1?force=true");
  EXPECT_EQ(c.status(), 204);
  EXPECT_EQ(clients.rows.count("c1"), 0u);
  EXPECT_EQ(issuances.rows[0].revoked_at, kNow);
  EXPECT_EQ(issuances.rows[1].revoked_at, kNow);
  EXPECT_FALSE(issuances.rows[2].revoked_at);
  auto ev = audit.with_action("client.deleted");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].detail, "force=true revoked_tokens=2");
}

TEST_F(AdminClients, DeleteErrors) {
  expect_problem(send("DELETE", "/admin/clients/nope"), 404, "client not found");
  seed_client("c1");
  expect_problem(send("DELETE", "/admin/clients/c1?force=maybe"), 400, "force must be true or false");
}

}  // namespace
}  // namespace authplane::api::admin_test
