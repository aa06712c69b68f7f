// Admin API key gate, auth/verify, generic routing behaviour (404/405 behind the gate, path
// parameter bounds) and the problem+json error shape.
#include "admin_fakes.hpp"

namespace authplane::api::admin_test {
namespace {

class AdminAuth : public admin_api_test {
 protected:
  void expect_unauthorized(const captured& c, std::string_view description) {
    EXPECT_EQ(c.status(), 401) << c.res.body;
    EXPECT_EQ(c.header("WWW-Authenticate"), "Bearer realm=\"admin\"");
    EXPECT_EQ(c.header("Content-Type"), "application/json");
    ASSERT_TRUE(c.body.is_object()) << c.res.body;
    EXPECT_EQ(c.obj().size(), 2u);
    EXPECT_EQ(c.str("error"), "unauthorized");
    EXPECT_EQ(c.str("error_description"), description);
  }
};

TEST_F(AdminAuth, VerifyWithValidKey) {
  auto c = send("POST", "/admin/auth/verify");
  EXPECT_EQ(c.status(), 200);
  EXPECT_EQ(c.header("Content-Type"), "application/json");
  EXPECT_EQ(c.obj().at("valid").as_bool(), true);
  EXPECT_EQ(c.str("version"), "0.1.0");
}

TEST_F(AdminAuth, MissingHeader) { expect_unauthorized(send("POST", "/admin/auth/verify", "", std::nullopt), "missing API key"); }

TEST_F(AdminAuth, WrongScheme) {
  expect_unauthorized(send("GET", "/admin/clients", "", std::string("Basic ") + kKey), "missing API key");
}

TEST_F(AdminAuth, EmptyBearer) { expect_unauthorized(send("GET", "/admin/clients", "", "Bearer   "), "missing API key"); }

TEST_F(AdminAuth, InvalidKey) {
  expect_unauthorized(send("GET", "/admin/clients", "", "Bearer wrong-key"), "invalid API key");
  // A prefix of the key is not the key.
  expect_unauthorized(send("GET", "/admin/clients", "", "Bearer test-admin-key"), "invalid API key");
  expect_unauthorized(send("GET", "/admin/clients", "", std::string("Bearer ") + kKey + "x"), "invalid API key");
}

TEST_F(AdminAuth, SchemeIsCaseInsensitive) { EXPECT_EQ(send("POST", "/admin/auth/verify", "", std::string("bearer ") + kKey).status(), 200); }

TEST_F(AdminAuth, KeyNotConfiguredRejectsEvenTheEmptyKey) {
  deps.api_key.clear();
  expect_unauthorized(send("POST", "/admin/auth/verify"), "admin API key not configured");
  expect_unauthorized(send("POST", "/admin/auth/verify", "", "Bearer "), "admin API key not configured");
  expect_unauthorized(send("GET", "/admin/nope", "", std::nullopt), "admin API key not configured");
}

TEST_F(AdminAuth, UnknownAdminPathIsGatedBeforeNotFound) {
  expect_unauthorized(send("GET", "/admin/does-not-exist", "", std::nullopt), "missing API key");
  auto c = send("GET", "/admin/does-not-exist");
  EXPECT_EQ(c.status(), 404);
}

TEST_F(AdminAuth, WrongMethodIsGatedBeforeMethodNotAllowed) {
  expect_unauthorized(send("PUT", "/admin/clients", "", std::nullopt), "missing API key");
  auto c = send("PUT", "/admin/clients");
  EXPECT_EQ(c.status(), 405);
}

TEST_F(AdminAuth, EveryRouteRequiresTheKey) {
  seed_client("c1");
  const std::pair<const char*, const char*> routes[] = {
      {"POST", "/admin/auth/verify"},
      {"POST", "/admin/clients"},
      {"GET", "/admin/clients"},
      {"GET", "/admin/clients/c1"},
      {"PATCH", "/admin/clients/c1"},
      {"DELETE", "/admin/clients/c1"},
      {"POST", "/admin/clients/c1/rotate-secret"},
      {"PATCH", "/admin/clients/c1/suspend"},
      {"PATCH", "/admin/clients/c1/revoke"},
      {"PATCH", "/admin/clients/c1/reactivate"},
      {"POST", "/admin/resources"},
      {"GET", "/admin/resources"},
      {"GET", "/admin/resources/r"},
      {"PATCH", "/admin/resources/r"},
      {"DELETE", "/admin/resources/r"},
      {"GET", "/admin/resources/r/policy/runtime/client-ids"},
      {"POST", "/admin/resources/r/policy/runtime/client-ids"},
      {"DELETE", "/admin/resources/r/policy/runtime/client-ids/c1"},
      {"GET", "/admin/resources/r/policy/exchange/allowed-clients"},
      {"POST", "/admin/resources/r/policy/exchange/allowed-clients"},
      {"DELETE", "/admin/resources/r/policy/exchange/allowed-clients/c1"},
      {"GET", "/admin/keys"},
      {"POST", "/admin/keys/rotate"},
      {"GET", "/admin/stats"},
      {"GET", "/admin/system/status"},
      {"GET", "/admin/system/config"},
      {"GET", "/admin/audit"},
      {"GET", "/admin/tokens"},
      {"DELETE", "/admin/tokens/j1"},
  };
  for (const auto& [m, p] : routes) {
    SCOPED_TRACE(std::string(m) + " " + p);
    expect_unauthorized(send(m, p, "{}", "Bearer nope"), "invalid API key");
  }
  // Nothing changed and nothing was audited.
  EXPECT_EQ(clients.rows.size(), 1u);
  EXPECT_EQ(clients.rows["c1"].status, "active");
  EXPECT_TRUE(audit.events.empty());
  EXPECT_EQ(keys.keys.size(), 1u);
}

TEST_F(AdminAuth, PathsOutsideAdminAreNotGated) {
  router.add("GET", "/metrics", [](http::request&, http::responder done) { done(http::response::text(200, "ok")); });
  auto c = send("GET", "/metrics", "", std::nullopt);
  EXPECT_EQ(c.status(), 200);
  EXPECT_EQ(c.res.body, "ok");
  EXPECT_EQ(send("GET", "/administrator", "", std::nullopt).status(), 404);
}

TEST_F(AdminAuth, PathParameterLongerThan256IsRejected) {
  std::string id(257, 'a');
  expect_problem(send("GET", "/admin/clients/" + id), 400, "path parameter id exceeds 256 characters");
  // Exactly 256 is fine (and simply not found).
  expect_problem(send("GET", "/admin/clients/" + std::string(256, 'a')), 404, "client not found");
}

TEST_F(AdminAuth, PathParametersArePercentDecoded) {
  seed_client("https://app.example.com/client.json");
  auto c = send("GET", "/admin/clients/https%3A%2F%2Fapp.example.com%2Fclient.json");
  EXPECT_EQ(c.status(), 200) << c.res.body;
  EXPECT_EQ(c.str("id"), "https://app.example.com/client.json");
  expect_problem(send("GET", "/admin/clients/bad%zz"), 400, "path parameter id is not valid percent-encoding");
}

TEST_F(AdminAuth, StorageFailureIsInternalError) {
  clients.fail = true;
  expect_problem(send("GET", "/admin/clients/c1"), 500, "internal error");
}

}  // namespace
}  // namespace authplane::api::admin_test
