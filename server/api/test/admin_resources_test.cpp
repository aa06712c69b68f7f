// /admin/resources: create (validation), list, get by id or slug, patch (replace per field),
// delete, and the runtime/exchange policy sub-routes.
#include "admin_fakes.hpp"

namespace authplane::api::admin_test {
namespace {

class AdminResources : public admin_api_test {
 protected:
  captured create(std::string body) { return send("POST", "/admin/resources", std::move(body)); }

  domain::resource seed_resource(std::string id, std::string slug) {
    domain::resource r;
    r.id = std::move(id);
    r.slug = std::move(slug);
    r.uri = "https://" + r.slug + ".example.com/mcp";
    r.display_name = "Seeded";
    r.scopes = {{"read", "Read things", ""}, {"write", "", ""}};
    r.created_at = r.updated_at = kNow - 100;
    resources.rows.push_back(r);
    return r;
  }
};

TEST_F(AdminResources, CreateReturnsResourceView) {
  auto c = create(R"({"slug":"Docs-MCP","uri":"https://docs.example.com/mcp","display_name":"Docs",
                      "scopes":[{"name":"docs:read","description":"Read docs"},{"name":"docs:write"}],
                      "policy":{"exchange":{"allowed_client_ids":["c1","c1"]},"runtime":{"client_ids":["gw"]}}})");
  ASSERT_EQ(c.status(), 201) << c.res.body;
  const auto& o = c.obj();
  EXPECT_EQ(c.str("id").size(), 22u);
  EXPECT_EQ(c.str("slug"), "docs-mcp");
  EXPECT_EQ(c.str("uri"), "https://docs.example.com/mcp");
  EXPECT_EQ(c.str("backend_kind"), "mint");
  EXPECT_EQ(c.str("broker_provider_id"), "");
  EXPECT_EQ(c.str("display_name"), "Docs");
  const auto& scopes = o.at("scopes").as_array();
  ASSERT_EQ(scopes.size(), 2u);
  EXPECT_EQ(scopes[0].as_object().at("name").as_string(), "docs:read");
  EXPECT_EQ(scopes[0].as_object().at("description").as_string(), "Read docs");
  EXPECT_EQ(scopes[1].as_object().at("description").as_string(), "");
  const auto& policy = o.at("policy").as_object();
  EXPECT_EQ(strings(policy.at("exchange").as_object().at("allowed_client_ids")), std::vector<std::string>{"c1"});
  EXPECT_EQ(strings(policy.at("runtime").as_object().at("client_ids")), std::vector<std::string>{"gw"});
  EXPECT_EQ(c.str("created_at"), "2026-11-26T03:10:00Z");
  EXPECT_EQ(c.str("updated_at"), "2026-11-26T03:10:00Z");
  EXPECT_EQ(o.size(), 10u);

  ASSERT_EQ(resources.rows.size(), 1u);
  EXPECT_EQ(resources.rows[0].slug, "docs-mcp");
  auto ev = audit.with_action("resource.created");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].detail, "id=" + c.str("id") + " slug=docs-mcp backend_kind=mint");
  EXPECT_EQ(resources_changed, 1);
}

TEST_F(AdminResources, CreateMinimalHasEmptyArraysAndGivenId) {
  auto c = create(R"({"id":"res-1","slug":"min"})");
  ASSERT_EQ(c.status(), 201) << c.res.body;
  EXPECT_EQ(c.str("id"), "res-1");
  EXPECT_EQ(c.str("uri"), "");
  EXPECT_TRUE(c.obj().at("scopes").as_array().empty());
  EXPECT_EQ(boost::json::serialize(c.obj().at("policy")),
            R"({"exchange":{"allowed_client_ids":[]},"runtime":{"client_ids":[]}})");
}

struct bad_resource {
  const char* body;
  const char* detail;
};
class AdminResourcesValidation : public AdminResources, public ::testing::WithParamInterface<bad_resource> {};

TEST_P(AdminResourcesValidation, Rejects) {
  expect_problem(create(GetParam().body), 400, GetParam().detail);
  EXPECT_TRUE(resources.rows.empty());
  EXPECT_TRUE(audit.events.empty());
  EXPECT_EQ(resources_changed, 0);
}

INSTANTIATE_TEST_SUITE_P(
    Create, AdminResourcesValidation,
    ::testing::Values(
        bad_resource{"not json", "invalid JSON body"},
        bad_resource{R"({"uri":"https://a.example/mcp"})", "slug is required"},
        bad_resource{R"({"slug":"-bad"})", "slug must match ^[a-z0-9][a-z0-9-]{0,63}$"},
        bad_resource{R"({"slug":"has space"})", "slug must match ^[a-z0-9][a-z0-9-]{0,63}$"},
        bad_resource{R"({"slug":"under_score"})", "slug must match ^[a-z0-9][a-z0-9-]{0,63}$"},
        bad_resource{R"({"slug":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})",
                     "slug must match ^[a-z0-9][a-z0-9-]{0,63}$"},
        bad_resource{R"({"slug":"s","backend_kind":"broker","broker_provider_id":"p"})",
                     "broker resources are not supported by this build"},
        bad_resource{R"({"slug":"s","backend_kind":"proxy"})", "backend_kind must be \"mint\" or \"broker\""},
        bad_resource{R"({"slug":"s","broker_provider_id":"p"})", "mint resources must not reference a broker provider"},
        bad_resource{R"({"slug":"s","uri":"ftp://a.example/x"})", "uri scheme must be http or https"},
        bad_resource{R"({"slug":"s","uri":"mcp"})", "uri must be an absolute URI"},
        bad_resource{R"({"slug":"s","uri":"https://"})", "uri must be an absolute URI with a host"},
        bad_resource{R"({"slug":"s","uri":"https://a.example/mcp#x"})", "uri must not contain a fragment"},
        bad_resource{R"({"slug":"s","scopes":"read"})", "scopes must be an array of objects"},
        bad_resource{R"({"slug":"s","scopes":[{"name":""}]})", "scope name must not be empty"},
        bad_resource{R"({"slug":"s","scopes":[{"description":"x"}]})", "scope name must not be empty"},
        bad_resource{R"({"slug":"s","scopes":[{"name":"a b"}]})", "invalid scope name \"a b\""},
        bad_resource{R"({"slug":"s","scopes":[{"name":"a"},{"name":"a"}]})", "duplicate scope name \"a\""},
        bad_resource{R"({"slug":"s","scopes":[{"name":1}]})", "scopes[].name must be a string"},
        bad_resource{R"({"slug":"s","policy":[]})", "policy must be an object"},
        bad_resource{R"({"slug":"s","policy":{"runtime":{"client_ids":"x"}}})",
                     "policy.runtime.client_ids must be an array of strings"},
        bad_resource{R"({"slug":"s","id":"has/slash"})", "id must be 1-128 characters of [A-Za-z0-9._~-]"}));

TEST_F(AdminResources, SlugLengthBoundary) {
  EXPECT_EQ(create(R"({"slug":")" + std::string(64, 'a') + R"("})").status(), 201);
}

TEST_F(AdminResources, HttpUriIsAllowedForResources) {
  EXPECT_EQ(create(R"({"slug":"local","uri":"http://localhost:8080/mcp"})").status(), 201);
}

TEST_F(AdminResources, DuplicateSlugIs409) {
  seed_resource("r1", "docs");
  expect_problem(create(R"({"slug":"DOCS"})"), 409, "resource with slug \"docs\" already exists");
  expect_problem(create(R"({"id":"r1","slug":"other"})"), 409, "resource with this id or slug already exists");
  EXPECT_EQ(resources.rows.size(), 1u);
}

TEST_F(AdminResources, ListAndGetByIdOrSlug) {
  seed_resource("r1", "docs");
  seed_resource("r2", "crm");
  auto l = send("GET", "/admin/resources");
  ASSERT_EQ(l.status(), 200);
  ASSERT_EQ(l.obj().at("resources").as_array().size(), 2u);
  EXPECT_EQ(l.obj().at("resources").as_array()[1].as_object().at("slug").as_string(), "crm");

  auto byid = send("GET", "/admin/resources/r1");
  ASSERT_EQ(byid.status(), 200);
  EXPECT_EQ(byid.str("slug"), "docs");
  auto byslug = send("GET", "/admin/resources/crm");
  ASSERT_EQ(byslug.status(), 200);
  EXPECT_EQ(byslug.str("id"), "r2");
  expect_problem(send("GET", "/admin/resources/nope"), 404, "resource not found");
}

TEST_F(AdminResources, PatchReplacesGivenFields) {
  seed_resource("r1", "docs");
  resources.rows[0].runtime_client_ids = {"gw"};
  resources.rows[0].exchange_allowed_client_ids = {"x"};
  clk.advance(5);
  auto c = send("PATCH", "/admin/resources/docs",
                R"({"display_name":"Docs v2","scopes":[{"name":"only"}],"policy":{"exchange":{"allowed_client_ids":[]}}})");
  ASSERT_EQ(c.status(), 200) << c.res.body;
  EXPECT_EQ(c.str("display_name"), "Docs v2");
  EXPECT_EQ(c.str("uri"), "https://docs.example.com/mcp");
  ASSERT_EQ(c.obj().at("scopes").as_array().size(), 1u);
  const auto& r = resources.rows[0];
  EXPECT_EQ(r.scopes.size(), 1u);
  EXPECT_TRUE(r.exchange_allowed_client_ids.empty());
  EXPECT_EQ(r.runtime_client_ids, std::vector<std::string>{"gw"});  // absent section unchanged
  EXPECT_EQ(r.updated_at, kNow + 5);
  EXPECT_EQ(r.created_at, kNow - 100);
  auto ev = audit.with_action("resource.patched");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].detail, "id=r1 slug=docs fields=display_name,scopes,policy");
  EXPECT_EQ(resources_changed, 1);

  auto u = send("PATCH", "/admin/resources/r1", R"({"uri":""})");
  ASSERT_EQ(u.status(), 200);
  EXPECT_EQ(resources.rows[0].uri, "");
}

TEST_F(AdminResources, PatchValidation) {
  seed_resource("r1", "docs");
  expect_problem(send("PATCH", "/admin/resources/r1", R"({"uri":"https://a.example/#f"})"), 400,
                 "uri must not contain a fragment");
  expect_problem(send("PATCH", "/admin/resources/r1", R"({"scopes":[{"name":"a"},{"name":"a"}]})"), 400,
                 "duplicate scope name \"a\"");
  expect_problem(send("PATCH", "/admin/resources/r1", R"({"display_name":false})"), 400,
                 "display_name must be a string");
  expect_problem(send("PATCH", "/admin/resources/r1", "["), 400, "invalid JSON body");
  expect_problem(send("PATCH", "/admin/resources/nope", "{}"), 404, "resource not found");
  EXPECT_EQ(resources_changed, 0);
}

TEST_F(AdminResources, Delete) {
  seed_resource("r1", "docs");
  EXPECT_EQ(send("DELETE", "/admin/resources/docs").status(), 204);
  EXPECT_TRUE(resources.rows.empty());
  auto ev = audit.with_action("resource.deleted");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].detail, "id=r1 slug=docs");
  EXPECT_EQ(resources_changed, 1);
  expect_problem(send("DELETE", "/admin/resources/docs"), 404, "resource not found");
}

// ---- policy sub-routes -----------------------------------------------------------------------

struct policy_case {
  const char* path;      // after /admin/resources/{slug}/policy/
  const char* field;     // response field
  const char* action;    // audit prefix
  bool runtime;
};

class AdminResourcePolicy : public AdminResources, public ::testing::WithParamInterface<policy_case> {
 protected:
  const std::vector<std::string>& list() {
    return GetParam().runtime ? resources.rows[0].runtime_client_ids : resources.rows[0].exchange_allowed_client_ids;
  }
  std::string base() { return std::string("/admin/resources/docs/policy/") + GetParam().path; }
};

TEST_P(AdminResourcePolicy, AddListRemove) {
  const auto& p = GetParam();
  seed_resource("r1", "docs");
  seed_client("c1");
  seed_client("c2");

  auto g = send("GET", base());
  ASSERT_EQ(g.status(), 200);
  EXPECT_EQ(g.res.body, std::string(R"({")") + p.field + R"(":[]})");

  auto a = send("POST", base(), R"({"client_id":"c1"})");
  ASSERT_EQ(a.status(), 201) << a.res.body;
  EXPECT_EQ(strings(a.obj().at(p.field)), std::vector<std::string>{"c1"});
  EXPECT_EQ(send("POST", base(), R"({"client_id":"c1"})").status(), 201);  // idempotent
  EXPECT_EQ(send("POST", base(), R"({"client_id":"c2"})").status(), 201);
  EXPECT_EQ(list(), (std::vector<std::string>{"c1", "c2"}));
  auto added = audit.with_action(std::string(p.action) + ".added");
  ASSERT_EQ(added.size(), 2u);
  EXPECT_EQ(added[0].client_id, "c1");
  EXPECT_EQ(added[0].detail, "resource=docs");
  EXPECT_EQ(resources_changed, 2);

  EXPECT_EQ(strings(send("GET", base()).obj().at(p.field)), (std::vector<std::string>{"c1", "c2"}));

  auto d = send("DELETE", base() + "/c1");
  EXPECT_EQ(d.status(), 204);
  EXPECT_EQ(list(), std::vector<std::string>{"c2"});
  auto removed = audit.with_action(std::string(p.action) + ".removed");
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].client_id, "c1");
  EXPECT_EQ(resources_changed, 3);
  expect_problem(send("DELETE", base() + "/c1"), 404, "client_id not in policy");
}

TEST_P(AdminResourcePolicy, Errors) {
  seed_resource("r1", "docs");
  seed_client("c1");
  expect_problem(send("POST", base(), R"({"client_id":"ghost"})"), 404, "client not found");
  expect_problem(send("POST", base(), R"({})"), 400, "client_id is required");
  expect_problem(send("POST", base(), R"({"client_id":""})"), 400, "client_id is required");
  expect_problem(send("POST", base(), R"({"client_id":3})"), 400, "client_id must be a string");
  expect_problem(send("POST", base(), "x"), 400, "invalid JSON body");
  std::string other = std::string("/admin/resources/nope/policy/") + GetParam().path;
  expect_problem(send("GET", other), 404, "resource not found");
  expect_problem(send("POST", other, R"({"client_id":"c1"})"), 404, "resource not found");
  expect_problem(send("DELETE", other + "/c1"), 404, "resource not found");
  EXPECT_TRUE(list().empty());
  EXPECT_TRUE(audit.events.empty());
}

INSTANTIATE_TEST_SUITE_P(Policies, AdminResourcePolicy,
                         ::testing::Values(policy_case{"runtime/client-ids", "client_ids",
                                                       "resource.policy.runtime.client", true},
                                           policy_case{"exchange/allowed-clients", "allowed_client_ids",
                                                       "resource.policy.exchange.allowed_client", false}));

}  // namespace
}  // namespace authplane::api::admin_test
