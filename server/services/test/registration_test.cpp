// RFC 7591 registration: each validation rule with its exact wire description, the three modes,
// what is stored, and the client information response.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "authplane/services/discovery.hpp"
#include "authplane/services/registration.hpp"
#include "authplane/services/secrets.hpp"
#include "fakes.hpp"

using namespace authplane;
namespace json = boost::json;
using domain::oauth_errc;

namespace {
constexpr std::int64_t kNow = 1'800'000'000;
const std::string kPrefix = "invalid_client: client validation failed: ";

services::registration_rules rules() {
  services::registration_rules r;
  r.enabled_grants = {"authorization_code", "refresh_token", "client_credentials"};
  r.offered_scopes = {"mcp:echo", "mcp:admin"};
  return r;
}

// The description of a rejected body, or "" when accepted.
std::string rejects(const std::string& body, const services::registration_rules& r = rules()) {
  auto out = services::parse_registration(body, r);
  if (auto* e = std::get_if<domain::oauth_error>(&out)) {
    EXPECT_EQ(e->code, oauth_errc::invalid_client_metadata) << e->description;
    return e->description;
  }
  return "";
}

domain::client accepts(const std::string& body, const services::registration_rules& r = rules()) {
  auto out = services::parse_registration(body, r);
  if (auto* e = std::get_if<domain::oauth_error>(&out)) {
    ADD_FAILURE() << "rejected: " << e->description;
    return {};
  }
  return std::get<domain::client>(out);
}

const std::string kPublic =
    R"({"client_name":"Inspector","redirect_uris":["http://localhost:6274/cb","http://127.0.0.1:6274/cb"],)"
    R"("grant_types":["authorization_code","refresh_token"],"token_endpoint_auth_method":"none"})";
}  // namespace

TEST(RegistrationParse, McpPublicClientWithLoopbackRedirects) {
  auto c = accepts(kPublic);
  EXPECT_EQ(c.name, "Inspector");
  EXPECT_EQ(c.redirect_uris, (std::vector<std::string>{"http://localhost:6274/cb", "http://127.0.0.1:6274/cb"}));
  EXPECT_EQ(c.grant_types, (std::vector<std::string>{"authorization_code", "refresh_token"}));
  EXPECT_EQ(c.response_types, (std::vector<std::string>{"code"}));
  EXPECT_EQ(c.token_endpoint_auth_method, "none");
  EXPECT_EQ(c.application_type, "web");
  EXPECT_FALSE(c.agent);
}

TEST(RegistrationParse, DefaultsPerRfc7591) {
  auto c = accepts(R"({"client_name":"x","redirect_uris":["https://app.example.com/cb"]})");
  EXPECT_EQ(c.grant_types, std::vector<std::string>{"authorization_code"});
  EXPECT_EQ(c.response_types, std::vector<std::string>{"code"});
  EXPECT_EQ(c.token_endpoint_auth_method, "none");
}

TEST(RegistrationParse, Ipv6LoopbackAndHttpsAccepted) {
  accepts(R"({"client_name":"x","redirect_uris":["http://[::1]:8080/cb","https://example.com/cb?x=1"]})");
}

TEST(RegistrationParse, InvalidJson) {
  for (std::string body : {"", "{", "[]", "\"x\"", "null"}) {
    auto out = services::parse_registration(body, rules());
    auto* e = std::get_if<domain::oauth_error>(&out);
    ASSERT_NE(e, nullptr) << body;
    EXPECT_EQ(e->code, oauth_errc::invalid_request);
    EXPECT_EQ(e->description, "invalid JSON body");
  }
}

TEST(RegistrationParse, ClientNameRequiredAndBounded) {
  EXPECT_EQ(rejects(R"({"redirect_uris":["https://a.example/cb"]})"), kPrefix + "client_name is required");
  EXPECT_EQ(rejects(R"({"client_name":"","redirect_uris":["https://a.example/cb"]})"), kPrefix + "client_name is required");
  std::string long_name(256, 'n');
  EXPECT_EQ(rejects(R"({"client_name":")" + long_name + R"(","redirect_uris":["https://a.example/cb"]})"),
            kPrefix + "client_name must be at most 255 characters");
  accepts(R"({"client_name":")" + std::string(255, 'n') + R"(","redirect_uris":["https://a.example/cb"]})");
}

TEST(RegistrationParse, WrongTypes) {
  EXPECT_EQ(rejects(R"({"client_name":7,"redirect_uris":["https://a.example/cb"]})"),
            kPrefix + "client_name must be a string; client_name is required");
  EXPECT_EQ(rejects(R"({"client_name":"x","redirect_uris":"https://a.example/cb"})"),
            kPrefix + "redirect_uris must be an array of strings; "
                      "redirect_uris is required for the authorization_code and refresh_token grants");
  EXPECT_EQ(rejects(R"({"client_name":"x","redirect_uris":["https://a.example/cb"],"agent":"yes"})"),
            kPrefix + "agent must be a boolean");
}

TEST(RegistrationParse, RedirectUriRules) {
  auto one = [](const std::string& uri) {
    return rejects(R"({"client_name":"x","redirect_uris":[")" + uri + R"("]})");
  };
  EXPECT_EQ(one("/relative/cb"), kPrefix + "redirect_uri \"/relative/cb\" must be an absolute URI");
  EXPECT_EQ(one("https://a.example/cb#frag"), kPrefix + "redirect_uri \"https://a.example/cb#frag\" must not contain a fragment");
  EXPECT_EQ(one("http://a.example/cb"),
            kPrefix + "redirect_uri \"http://a.example/cb\" must use https unless the host is localhost, 127.0.0.1 or [::1]");
  EXPECT_EQ(one("http://127.0.0.1.evil.example/cb"),
            kPrefix + "redirect_uri \"http://127.0.0.1.evil.example/cb\" must use https unless the host is localhost, "
                      "127.0.0.1 or [::1]");
  EXPECT_EQ(one("http://localhost@evil.example/cb"),
            kPrefix + "redirect_uri \"http://localhost@evil.example/cb\" must use https unless the host is localhost, "
                      "127.0.0.1 or [::1]");
  EXPECT_EQ(one("com.example.app:/cb"), kPrefix + "redirect_uri \"com.example.app:/cb\" must use https (or http on a loopback host)");
  EXPECT_EQ(one("https:///cb"), kPrefix + "redirect_uri \"https:///cb\" must have a host");
  EXPECT_EQ(one("https://a.example/c b"), kPrefix + "redirect_uri \"https://a.example/c b\" must not contain whitespace or control characters");
  EXPECT_EQ(one("https://a.example/" + std::string(2100, 'p')), kPrefix + "redirect_uri must be at most 2048 characters");
}

TEST(RegistrationParse, RedirectUrisRequiredAndBounded) {
  EXPECT_EQ(rejects(R"({"client_name":"x"})"),
            kPrefix + "redirect_uris is required for the authorization_code and refresh_token grants");
  std::string many;
  for (int i = 0; i < 11; ++i) many += std::string(i ? "," : "") + "\"https://a.example/cb" + std::to_string(i) + "\"";
  EXPECT_EQ(rejects(R"({"client_name":"x","redirect_uris":[)" + many + "]}"), kPrefix + "redirect_uris must list at most 10 URIs");
}

TEST(RegistrationParse, GrantTypes) {
  const std::string base = R"({"client_name":"x","redirect_uris":["https://a.example/cb"],"grant_types":)";
  EXPECT_EQ(rejects(base + R"(["authorization_code","password"]})"), kPrefix + "unsupported grant_type \"password\"");
  EXPECT_EQ(rejects(base + R"(["authorization_code","urn:ietf:params:oauth:grant-type:token-exchange"]})"),
            kPrefix + "grant_type \"urn:ietf:params:oauth:grant-type:token-exchange\" is not enabled on this server — set "
                      "AUTHPLANE_TOKEN_EXCHANGE_ENABLED=true to enable it");
  auto no_cc = rules();
  no_cc.enabled_grants = {"authorization_code", "refresh_token"};
  EXPECT_EQ(rejects(R"({"client_name":"x","grant_types":["client_credentials"],"token_endpoint_auth_method":"client_secret_basic"})",
                    no_cc),
            kPrefix + "grant_type \"client_credentials\" is not enabled on this server — set "
                      "AUTHPLANE_CLIENT_CREDENTIALS_ENABLED=true to enable it");
  EXPECT_EQ(rejects(base + R"(["refresh_token"],"response_types":[]})"),
            kPrefix + "grant_type \"refresh_token\" requires grant_type \"authorization_code\"");
}

TEST(RegistrationParse, ResponseTypesConsistency) {
  const std::string base = R"({"client_name":"x","redirect_uris":["https://a.example/cb"],)";
  EXPECT_EQ(rejects(base + R"("response_types":["token"]})"),
            kPrefix + "unsupported response_type \"token\"; grant_type \"authorization_code\" requires response_type \"code\"");
  EXPECT_EQ(rejects(R"({"client_name":"x","grant_types":["client_credentials"],"response_types":["code"],)"
                    R"("token_endpoint_auth_method":"client_secret_post"})"),
            kPrefix + "response_type \"code\" requires grant_type \"authorization_code\"");
  auto cc = accepts(R"({"client_name":"x","grant_types":["client_credentials"],"token_endpoint_auth_method":"client_secret_post"})");
  EXPECT_TRUE(cc.response_types.empty());
  EXPECT_TRUE(cc.redirect_uris.empty());
}

TEST(RegistrationParse, AuthMethods) {
  const std::string base = R"({"client_name":"x","redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":)";
  EXPECT_EQ(accepts(base + R"("client_secret_basic"})").token_endpoint_auth_method, "client_secret_basic");
  EXPECT_EQ(accepts(base + R"("client_secret_post"})").token_endpoint_auth_method, "client_secret_post");
  EXPECT_EQ(rejects(base + R"("private_key_jwt"})"), kPrefix + "unsupported token_endpoint_auth_method \"private_key_jwt\"");
  EXPECT_EQ(rejects(R"({"client_name":"x","grant_types":["client_credentials"]})"),
            kPrefix + "client_credentials requires a confidential client (token_endpoint_auth_method client_secret_basic "
                      "or client_secret_post)");
}

TEST(RegistrationParse, ScopeNarrowedToCatalogAndDefaulted) {
  const std::string base = R"({"client_name":"x","redirect_uris":["https://a.example/cb"])";
  EXPECT_EQ(accepts(base + R"(,"scope":"mcp:echo offline_access other:x mcp:echo"})").scope, "mcp:echo");
  EXPECT_EQ(rejects(base + R"(,"scope":"bad\"quote"})"), kPrefix + "invalid scope \"bad\"quote\"");
  auto r = rules();
  r.default_client_scope = "mcp:echo mcp:admin";
  EXPECT_EQ(accepts(base + "}", r).scope, "mcp:echo mcp:admin");  // user-in-the-loop, no scope requested
  EXPECT_EQ(accepts(R"({"client_name":"x","grant_types":["client_credentials"],"token_endpoint_auth_method":"client_secret_basic"})", r)
                .scope,
            "");  // machine clients do not inherit the default
}

TEST(RegistrationParse, AgentAndApplicationType) {
  const std::string base = R"({"client_name":"x","redirect_uris":["https://a.example/cb"])";
  auto c = accepts(base + R"(,"agent":true,"agent_description":"bot","application_type":"native"})");
  EXPECT_TRUE(c.agent);
  EXPECT_EQ(c.agent_description, "bot");
  EXPECT_EQ(c.application_type, "native");
  EXPECT_EQ(rejects(base + R"(,"agent_description":")" + std::string(256, 'd') + "\"}"),
            kPrefix + "agent_description must be at most 255 characters");
  EXPECT_EQ(rejects(base + R"(,"application_type":"desktop"})"), kPrefix + "unsupported application_type \"desktop\"");
}

TEST(RegistrationParse, AllProblemsReportedTogether) {
  EXPECT_EQ(rejects(R"({"redirect_uris":["http://a.example/cb"],"token_endpoint_auth_method":"tls"})"),
            kPrefix + "client_name is required; unsupported token_endpoint_auth_method \"tls\"; redirect_uri "
                      "\"http://a.example/cb\" must use https unless the host is localhost, 127.0.0.1 or [::1]");
}

struct RegistrationService : ::testing::Test {
  manual_clock clk{kNow};
  fakes::fake_clients clients;
  fakes::fake_resources resources;
  fakes::fake_issuances audit;
  services::hmac_client_secrets secrets{"pepper-for-tests-0123456789"};
  services::resource_catalog catalog{resources};

  void SetUp() override {
    domain::resource r;
    r.id = "res-1";
    r.slug = "demo";
    r.uri = "http://127.0.0.1:8080/mcp";
    r.scopes = {{"mcp:echo", "", ""}};
    resources.rows.push_back(r);
    ASSERT_TRUE(catalog.refresh());
  }

  services::registration make(std::string mode, std::vector<std::string> approved = {}) {
    services::registration_options o;
    o.mode = std::move(mode);
    o.approved_redirects = std::move(approved);
    o.enabled_grants = {"authorization_code", "refresh_token", "client_credentials"};
    return services::registration(o, {clients, secrets, audit, catalog, clk});
  }
};

TEST_F(RegistrationService, OpenPublicClientStoredWithoutSecret) {
  auto dcr = make("open");
  EXPECT_TRUE(dcr.served());
  auto out = dcr.register_client({kPublic, "10.0.0.7"});
  auto* ok = std::get_if<ports::registration_reply>(&out);
  ASSERT_NE(ok, nullptr) << std::get<domain::oauth_error>(out).description;
  auto body = json::parse(ok->body).as_object();
  std::string id(body.at("client_id").as_string());
  EXPECT_EQ(id.size(), 22u);
  EXPECT_FALSE(body.contains("client_secret"));
  EXPECT_FALSE(body.contains("client_secret_expires_at"));
  EXPECT_EQ(body.at("client_id_issued_at").as_int64(), kNow);
  EXPECT_EQ(body.at("token_endpoint_auth_method").as_string(), "none");
  ASSERT_EQ(clients.rows.count(id), 1u);
  const auto& stored = clients.rows.at(id);
  EXPECT_EQ(stored.registration_source, "dcr");
  EXPECT_EQ(stored.status, "active");
  EXPECT_TRUE(stored.secret_hash.empty());
  ASSERT_EQ(audit.events.size(), 1u);
  EXPECT_EQ(audit.events[0].action, "client.registered");
  EXPECT_EQ(audit.events[0].client_id, id);
  EXPECT_EQ(audit.events[0].ip, "10.0.0.7");
  EXPECT_EQ(audit.events[0].detail, "source=dcr auth_method=none grant_types=authorization_code,refresh_token");
}

TEST_F(RegistrationService, ConfidentialClientSecretShownOnceOnlyHashStored) {
  auto dcr = make("open");
  auto out = dcr.register_client(
      {R"({"client_name":"m","grant_types":["client_credentials"],"token_endpoint_auth_method":"client_secret_basic","scope":"mcp:echo"})",
       ""});
  auto* ok = std::get_if<ports::registration_reply>(&out);
  ASSERT_NE(ok, nullptr);
  auto body = json::parse(ok->body).as_object();
  std::string secret(body.at("client_secret").as_string());
  EXPECT_EQ(secret.size(), 43u);
  EXPECT_EQ(body.at("client_secret_expires_at").as_int64(), 0);
  EXPECT_EQ(body.at("scope").as_string(), "mcp:echo");
  const auto& stored = clients.rows.at(std::string(body.at("client_id").as_string()));
  EXPECT_NE(stored.secret_hash.find("hs256$"), std::string::npos);
  EXPECT_EQ(stored.secret_hash.find(secret), std::string::npos);
  EXPECT_TRUE(secrets.verify(secret, stored.secret_hash));
}

TEST_F(RegistrationService, AdminOnlyRefuses) {
  auto dcr = make("admin_only");
  EXPECT_FALSE(dcr.served());
  auto out = dcr.register_client({kPublic, ""});
  auto* e = std::get_if<domain::oauth_error>(&out);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->code, oauth_errc::access_denied);
  EXPECT_EQ(e->status(), 403);
  EXPECT_EQ(e->description, "registration is disabled");
  EXPECT_TRUE(clients.rows.empty());
}

TEST_F(RegistrationService, ApprovedRedirectsExactMatchOnly) {
  auto dcr = make("approved_redirects", {"http://localhost:6274/cb", "http://127.0.0.1:6274/cb"});
  EXPECT_TRUE(dcr.served());
  EXPECT_TRUE(std::holds_alternative<ports::registration_reply>(dcr.register_client({kPublic, ""})));
  for (std::string body :
       {R"({"client_name":"x","redirect_uris":["http://localhost:6274/cb/"]})",
        R"({"client_name":"x","redirect_uris":["http://localhost:6274/cb","http://localhost:9999/cb"]})",
        R"({"client_name":"x","grant_types":["client_credentials"],"token_endpoint_auth_method":"client_secret_basic"})"}) {
    auto out = dcr.register_client({body, ""});
    auto* e = std::get_if<domain::oauth_error>(&out);
    ASSERT_NE(e, nullptr) << body;
    EXPECT_EQ(e->code, oauth_errc::invalid_redirect_uri);
    EXPECT_EQ(e->status(), 400);
    EXPECT_EQ(e->description, "redirect_uri not allowed");
  }
  EXPECT_EQ(clients.rows.size(), 1u);
}

TEST_F(RegistrationService, ValidationRunsBeforeTheApprovedList) {
  auto dcr = make("approved_redirects", {"https://a.example/cb"});
  auto out = dcr.register_client({R"({"redirect_uris":["https://a.example/cb"]})", ""});
  auto* e = std::get_if<domain::oauth_error>(&out);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->code, oauth_errc::invalid_client_metadata);
  EXPECT_EQ(e->description, kPrefix + "client_name is required");
}

TEST(RegistrationDiscovery, RegistrationEndpointOnlyWhenServed) {
  manual_clock clk{kNow};
  fakes::fake_resources resources;
  fakes::fake_keys key_store;
  services::signing_keys keys{key_store, "ES256", clk};
  ASSERT_TRUE(keys.init());
  services::resource_catalog catalog{resources};
  for (bool served : {true, false}) {
    services::discovery_options d;
    d.issuer = "https://auth.example.com";
    d.grant_types = {"authorization_code", "refresh_token"};
    d.registration = served;
    services::discovery disc(d, catalog, keys);
    auto m = json::parse(disc.authorization_server_metadata()).as_object();
    EXPECT_EQ(m.contains("registration_endpoint"), served);
    if (served) {
      EXPECT_EQ(m.at("registration_endpoint").as_string(), "https://auth.example.com/oauth/register");
    }
  }
}
