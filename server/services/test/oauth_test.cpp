// Token, introspection and revocation use cases against in-memory fakes: exact wire errors.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <thread>

#include "authplane/core/base64url.hpp"
#include "authplane/core/random.hpp"
#include "authplane/services/discovery.hpp"
#include "authplane/services/oauth.hpp"
#include "authplane/services/secrets.hpp"
#include "fakes.hpp"

using namespace authplane;
namespace json = boost::json;
using domain::oauth_errc;

namespace {
constexpr const char* kIssuer = "http://127.0.0.1:9000";
constexpr std::int64_t kNow = 1'800'000'000;

struct OAuthService : ::testing::Test {
  manual_clock clk{kNow};
  fakes::fake_clients clients;
  fakes::fake_resources resources;
  fakes::fake_issuances store;
  fakes::fake_keys key_store;
  fakes::fake_replay replay;
  services::hmac_client_secrets secrets{"pepper-for-tests-0123456789"};
  services::signing_keys keys{key_store, "ES256", clk};
  services::resource_catalog catalog{resources};
  std::unique_ptr<services::oauth_service> svc;
  services::oauth_options opts;
  std::string secret;

  void SetUp() override {
    ASSERT_TRUE(keys.init());
    domain::resource r;
    r.id = "res-1";
    r.slug = "demo";
    r.uri = "http://127.0.0.1:8080/mcp";
    r.scopes = {{"mcp:echo", "", ""}, {"mcp:admin", "", ""}};
    resources.rows.push_back(r);
    domain::resource other;
    other.id = "res-2";
    other.slug = "other";
    other.uri = "http://127.0.0.1:8081/tools";
    other.scopes = {{"other:read", "", ""}};
    resources.rows.push_back(other);
    ASSERT_TRUE(catalog.refresh());
    auto g = secrets.generate();
    secret = g.secret;
    add_client("cc-client", g.hash, "mcp:echo other:read");
    add_client("peer", secrets.hash("peer-secret"), "mcp:echo");
    domain::client pub;
    pub.id = "public-client";
    pub.token_endpoint_auth_method = "none";
    pub.grant_types = {"client_credentials"};
    clients.rows[pub.id] = pub;
    domain::client nocc;
    nocc.id = "code-only";
    nocc.token_endpoint_auth_method = "client_secret_basic";
    nocc.secret_hash = secrets.hash("s");
    nocc.grant_types = {"authorization_code"};
    clients.rows[nocc.id] = nocc;
    make_service();
  }
  void add_client(const std::string& id, const std::string& hash, const std::string& scope) {
    domain::client c;
    c.id = id;
    c.token_endpoint_auth_method = "client_secret_basic";
    c.secret_hash = hash;
    c.grant_types = {"client_credentials"};
    c.scope = scope;
    clients.rows[id] = c;
  }
  void make_service() {
    opts.issuer = kIssuer;
    svc = std::make_unique<services::oauth_service>(
        opts, services::oauth_deps{clients, store, store, secrets, replay, catalog, keys, clk});
  }

  ports::token_outcome token(ports::form_params form, std::optional<std::pair<std::string, std::string>> basic = {},
                             std::vector<std::string> dpop = {}) {
    ports::token_request req;
    req.form = std::move(form);
    req.auth.basic = std::move(basic);
    req.dpop = std::move(dpop);
    std::optional<ports::token_outcome> out;
    svc->token(std::move(req), [&](ports::token_outcome o) { out = std::move(o); });
    EXPECT_TRUE(out.has_value());
    return std::move(*out);
  }
  std::pair<std::string, std::string> creds() { return {"cc-client", secret}; }

  static const domain::oauth_error& err(const ports::token_outcome& o) {
    static const domain::oauth_error none{oauth_errc::server_error, "no error", {}};
    auto* f = std::get_if<ports::endpoint_failure>(&o);
    return f ? f->error : none;
  }
  static json::object body(const ports::token_outcome& o) {
    auto* r = std::get_if<ports::endpoint_reply>(&o);
    if (!r) return {};
    return json::parse(r->body).as_object();
  }
  json::object claims_of(const std::string& token) {
    jose::jwt_check c;
    c.issuer = kIssuer;
    c.now = kNow;
    auto v = jose::verify_jwt(token, keys.snapshot()->verify_keys, jose::alg_set::all(), c);
    EXPECT_TRUE(v) << v.error().message();
    return v ? *v : json::object{};
  }

  std::string dpop_proof(const crypto::private_key& k, std::string jti, std::int64_t iat,
                         std::string htu = std::string(kIssuer) + "/oauth/token", std::string nonce = {}) {
    json::object h{{"typ", "dpop+jwt"}, {"jwk", jose::to_json(jose::jwk_from_key(k.public_part(), "", ""))}};
    json::object p{{"jti", jti}, {"htm", "POST"}, {"htu", htu}, {"iat", iat}};
    if (!nonce.empty()) p["nonce"] = nonce;
    return *jose::sign_compact(h, p, k, jose::alg::ES256);
  }
};
}  // namespace

TEST_F(OAuthService, ClientCredentialsWithResourceIssuesAudienceBoundAtJwt) {
  auto o = token({{"grant_type", "client_credentials"}, {"scope", "mcp:echo"}, {"resource", "http://127.0.0.1:8080/mcp"}}, creds());
  auto b = body(o);
  ASSERT_FALSE(b.empty()) << err(o).description;
  EXPECT_EQ(b["token_type"], "Bearer");
  EXPECT_EQ(b["expires_in"], 3600);
  EXPECT_EQ(b["scope"], "mcp:echo");
  std::string tok(b["access_token"].as_string());
  auto parts_header = base64url_decode(tok.substr(0, tok.find('.')));
  auto h = json::parse(*parts_header).as_object();
  EXPECT_EQ(h["typ"], "at+jwt");
  EXPECT_EQ(h["alg"], "ES256");
  EXPECT_EQ(h["kid"].as_string(), keys.snapshot()->kid);
  auto c = claims_of(tok);
  EXPECT_EQ(c["iss"], kIssuer);
  EXPECT_EQ(c["sub"], "cc-client");
  EXPECT_EQ(c["client_id"], "cc-client");
  EXPECT_EQ(c["aud"], (json::array{"http://127.0.0.1:8080/mcp"}));
  EXPECT_EQ(c["scope"], "mcp:echo");
  EXPECT_EQ(c["iat"], kNow);
  EXPECT_EQ(c["nbf"], kNow);
  EXPECT_EQ(c["exp"], kNow + 3600);
  EXPECT_EQ(c["jti"].as_string().size(), 22u);
  ASSERT_EQ(store.rows.size(), 1u);
  EXPECT_EQ(store.rows.begin()->second.resource_id, "res-1");
  ASSERT_EQ(store.events.size(), 1u);
  EXPECT_EQ(store.events[0].action, "client_credentials.issued");
  EXPECT_EQ(store.events[0].detail.find(secret), std::string::npos);
}

TEST_F(OAuthService, SlugResolvesAndOmittedScopeNarrowsToResourceCatalog) {
  auto o = token({{"grant_type", "client_credentials"}, {"resource", "demo"}}, creds());
  auto b = body(o);
  ASSERT_FALSE(b.empty());
  EXPECT_EQ(b["scope"], "mcp:echo");  // other:read belongs to another resource
}

TEST_F(OAuthService, NoResourceMeansIssuerAudienceAndWholeCeiling) {
  auto b = body(token({{"grant_type", "client_credentials"}}, creds()));
  auto c = claims_of(std::string(b["access_token"].as_string()));
  EXPECT_EQ(c["aud"], (json::array{kIssuer}));
  EXPECT_EQ(c["scope"], "mcp:echo other:read");
}

TEST_F(OAuthService, PostCredentialsAccepted) {
  auto o = token({{"grant_type", "client_credentials"}, {"client_id", "cc-client"}, {"client_secret", secret}});
  EXPECT_FALSE(body(o).empty());
}

TEST_F(OAuthService, Errors) {
  struct tc {
    ports::form_params form;
    std::optional<std::pair<std::string, std::string>> basic;
    oauth_errc code;
    std::string desc;
  };
  auto cc = creds();
  std::vector<tc> cases{
      {{}, cc, oauth_errc::invalid_request, "grant_type is required"},
      {{{"grant_type", "password"}}, cc, oauth_errc::unsupported_grant_type, "grant_type \"password\" is not supported"},
      {{{"grant_type", "client_credentials"}, {"grant_type", "client_credentials"}}, cc, oauth_errc::invalid_request,
       "parameter \"grant_type\" is repeated"},
      {{{"grant_type", "client_credentials"}}, std::nullopt, oauth_errc::invalid_client, "client authentication failed"},
      {{{"grant_type", "client_credentials"}}, std::make_pair(std::string("cc-client"), std::string("wrong")),
       oauth_errc::invalid_client, "client authentication failed"},
      {{{"grant_type", "client_credentials"}}, std::make_pair(std::string("nobody"), std::string("x")),
       oauth_errc::invalid_client, "client authentication failed"},
      {{{"grant_type", "client_credentials"}, {"client_secret", "x"}}, cc, oauth_errc::invalid_request,
       "multiple client authentication methods used"},
      {{{"grant_type", "client_credentials"}, {"client_id", "public-client"}}, std::nullopt, oauth_errc::invalid_client,
       "client authentication failed"},
      {{{"grant_type", "client_credentials"}}, std::make_pair(std::string("code-only"), std::string("s")),
       oauth_errc::unauthorized_client, "client is not authorized for this grant type"},
      {{{"grant_type", "client_credentials"}, {"scope", "mcp:admin"}}, cc, oauth_errc::invalid_scope,
       "requested scope exceeds the client's allowed scopes (allowed: \"mcp:echo other:read\")"},
      {{{"grant_type", "client_credentials"}, {"scope", "other:read"}, {"resource", "demo"}}, cc, oauth_errc::invalid_scope,
       "scope \"other:read\" is not defined for resource \"demo\""},
      {{{"grant_type", "client_credentials"}, {"resource", "http://127.0.0.1:8080/mcp/"}}, cc, oauth_errc::invalid_target,
       "the requested resource target is unavailable"},
      {{{"grant_type", "client_credentials"}, {"resource", "demo"}, {"resource", "other"}}, cc, oauth_errc::invalid_target,
       "only one resource may be requested per token"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    auto o = token(cases[i].form, cases[i].basic);
    EXPECT_EQ(err(o).code, cases[i].code) << "case " << i;
    EXPECT_EQ(err(o).description, cases[i].desc) << "case " << i;
  }
  EXPECT_TRUE(store.rows.empty());
}

TEST_F(OAuthService, SuspendedClientRefused) {
  clients.rows["cc-client"].status = domain::client_status::suspended;
  auto o = token({{"grant_type", "client_credentials"}}, creds());
  EXPECT_EQ(err(o).code, oauth_errc::invalid_client);
  EXPECT_EQ(err(o).description, "client is suspended or revoked");
}

TEST_F(OAuthService, DisabledGrantNamesTheSetting) {
  opts.client_credentials_enabled = false;
  make_service();
  auto o = token({{"grant_type", "client_credentials"}}, creds());
  EXPECT_EQ(err(o).code, oauth_errc::unsupported_grant_type);
  EXPECT_NE(err(o).description.find("client_credentials.enabled=true"), std::string::npos);
  EXPECT_EQ(svc->grant_types(), (std::vector<std::string>{"authorization_code", "refresh_token"}));
}

TEST_F(OAuthService, StorageFailureIsServerErrorAndNoToken) {
  store.fail_writes = true;
  auto o = token({{"grant_type", "client_credentials"}}, creds());
  EXPECT_EQ(err(o).code, oauth_errc::server_error);
  EXPECT_EQ(err(o).description, "internal error");
}

TEST_F(OAuthService, DpopBindsTokenAndRefusesReplay) {
  auto k = *crypto::private_key::generate("ES256");
  auto proof = dpop_proof(k, "jti-1", kNow);
  auto o = token({{"grant_type", "client_credentials"}}, creds(), {proof});
  auto b = body(o);
  ASSERT_FALSE(b.empty()) << err(o).description << " " << err(o).debug;
  EXPECT_EQ(b["token_type"], "DPoP");
  auto c = claims_of(std::string(b["access_token"].as_string()));
  EXPECT_EQ(c["cnf"].as_object()["jkt"].as_string(), jose::thumbprint(jose::jwk_from_key(k.public_part(), "", "")));

  auto replay_out = token({{"grant_type", "client_credentials"}}, creds(), {proof});
  EXPECT_EQ(err(replay_out).code, oauth_errc::invalid_dpop_proof);
  EXPECT_EQ(err(replay_out).description, "DPoP proof jti has already been used");

  auto two = token({{"grant_type", "client_credentials"}}, creds(), {dpop_proof(k, "a", kNow), dpop_proof(k, "b", kNow)});
  EXPECT_EQ(err(two).code, oauth_errc::invalid_dpop_proof);
  auto old = token({{"grant_type", "client_credentials"}}, creds(), {dpop_proof(k, "c", kNow - 120)});
  EXPECT_EQ(err(old).code, oauth_errc::invalid_dpop_proof);
  auto wrong_htu = token({{"grant_type", "client_credentials"}}, creds(), {dpop_proof(k, "d", kNow, "http://evil/oauth/token")});
  EXPECT_EQ(err(wrong_htu).code, oauth_errc::invalid_dpop_proof);
}

TEST_F(OAuthService, DpopNonceRequiredThenAccepted) {
  opts.dpop_require_nonce = true;
  make_service();
  auto k = *crypto::private_key::generate("ES256");
  auto first = token({{"grant_type", "client_credentials"}}, creds(), {dpop_proof(k, "n1", kNow)});
  ASSERT_EQ(err(first).code, oauth_errc::use_dpop_nonce);
  std::string nonce = std::get<ports::endpoint_failure>(first).dpop_nonce;
  ASSERT_FALSE(nonce.empty());
  auto second = token({{"grant_type", "client_credentials"}}, creds(), {dpop_proof(k, "n2", kNow, std::string(kIssuer) + "/oauth/token", nonce)});
  ASSERT_FALSE(body(second).empty()) << err(second).description;
  EXPECT_FALSE(std::get<ports::endpoint_reply>(second).dpop_nonce.empty());
  clk.advance(61);
  auto stale = token({{"grant_type", "client_credentials"}}, creds(),
                     {dpop_proof(k, "n3", kNow + 61, std::string(kIssuer) + "/oauth/token", nonce)});
  EXPECT_EQ(err(stale).code, oauth_errc::use_dpop_nonce);
  EXPECT_EQ(err(stale).description, "DPoP proof nonce does not match server-issued nonce");
}

TEST_F(OAuthService, IntrospectionEntitlementAndRevocation) {
  auto b = body(token({{"grant_type", "client_credentials"}, {"resource", "demo"}}, creds()));
  std::string tok(b["access_token"].as_string());
  auto introspect = [&](std::string id, std::string sec, std::string t) {
    ports::introspection_request r;
    r.form = {{"token", t}};
    r.auth.basic = std::make_pair(id, sec);
    return svc->introspect(r);
  };
  auto own = body(introspect("cc-client", secret, tok));
  EXPECT_EQ(own["active"], true);
  EXPECT_EQ(own["aud"], "http://127.0.0.1:8080/mcp");
  EXPECT_EQ(own["token_type"], "Bearer");
  EXPECT_EQ(own["client_id"], "cc-client");
  EXPECT_EQ(own["scope"], "mcp:echo");
  EXPECT_EQ(body(introspect("peer", "peer-secret", tok)), (json::object{{"active", false}}));
  resources.rows[0].runtime_client_ids = {"peer"};
  ASSERT_TRUE(catalog.refresh());
  EXPECT_EQ(body(introspect("peer", "peer-secret", tok))["active"], true);
  EXPECT_EQ(body(introspect("peer", "peer-secret", "garbage")), (json::object{{"active", false}}));
  EXPECT_EQ(err(introspect("peer", "wrong", tok)).code, oauth_errc::invalid_client);
  ports::introspection_request missing;
  missing.auth.basic = std::make_pair(std::string("peer"), std::string("peer-secret"));
  EXPECT_EQ(err(svc->introspect(missing)).description, "token parameter is required");

  // A foreign client's revocation is ignored; the owner's takes effect at once.
  ports::introspection_request rv;
  rv.form = {{"token", tok}};
  rv.auth.basic = std::make_pair(std::string("peer"), std::string("peer-secret"));
  EXPECT_TRUE(std::holds_alternative<ports::endpoint_reply>(svc->revoke(rv)));
  EXPECT_EQ(body(introspect("cc-client", secret, tok))["active"], true);
  rv.auth.basic = creds();
  EXPECT_TRUE(std::holds_alternative<ports::endpoint_reply>(svc->revoke(rv)));
  EXPECT_EQ(body(introspect("cc-client", secret, tok)), (json::object{{"active", false}}));
}

TEST_F(OAuthService, SuspendedIssuerMakesTokensInactive) {
  auto b = body(token({{"grant_type", "client_credentials"}}, creds()));
  std::string tok(b["access_token"].as_string());
  add_client("introspector", secrets.hash("i"), "");
  clients.rows["cc-client"].status = domain::client_status::suspended;
  ports::introspection_request r;
  r.form = {{"token", tok}};
  r.auth.basic = std::make_pair(std::string("introspector"), std::string("i"));
  EXPECT_EQ(body(svc->introspect(r)), (json::object{{"active", false}}));
}

TEST_F(OAuthService, RotationKeepsOldTokensVerifiable) {
  auto before = body(token({{"grant_type", "client_credentials"}}, creds()));
  auto old_kid = keys.snapshot()->kid;
  ASSERT_TRUE(keys.rotate_key());
  EXPECT_NE(keys.snapshot()->kid, old_kid);
  EXPECT_EQ(keys.list_keys().size(), 2u);
  EXPECT_EQ(keys.list_keys()[1].status, "previous");
  claims_of(std::string(before["access_token"].as_string()));  // still verifies
  auto after = body(token({{"grant_type", "client_credentials"}}, creds()));
  std::string t(after["access_token"].as_string());
  auto h = json::parse(*base64url_decode(t.substr(0, t.find('.')))).as_object();
  EXPECT_EQ(h["kid"].as_string(), keys.snapshot()->kid);
}

TEST_F(OAuthService, SecretsVerifyInConstantTimeAndNeverStorePlaintext) {
  auto g = secrets.generate();
  EXPECT_EQ(g.secret.size(), 43u);
  EXPECT_EQ(g.hash.rfind("hs256$", 0), 0u);
  EXPECT_EQ(g.hash.find(g.secret), std::string::npos);
  EXPECT_TRUE(secrets.verify(g.secret, g.hash));
  EXPECT_FALSE(secrets.verify(g.secret + "x", g.hash));
  EXPECT_FALSE(secrets.verify(g.secret, ""));
  services::hmac_client_secrets other{"another-pepper-0123456789"};
  EXPECT_FALSE(other.verify(g.secret, g.hash));
}

TEST_F(OAuthService, MetadataFollowsEnabledFeatures) {
  services::discovery_options d;
  d.issuer = kIssuer;
  d.grant_types = svc->grant_types();
  services::discovery disc(d, catalog, keys);
  auto m = json::parse(disc.authorization_server_metadata()).as_object();
  std::vector<std::string> order;
  for (auto& kv : m) order.emplace_back(kv.key());
  EXPECT_EQ(order, (std::vector<std::string>{
                       "issuer", "authorization_endpoint", "token_endpoint", "revocation_endpoint",
                       "introspection_endpoint", "jwks_uri", "response_types_supported", "grant_types_supported",
                       "token_endpoint_auth_methods_supported", "introspection_endpoint_auth_methods_supported",
                       "revocation_endpoint_auth_methods_supported", "code_challenge_methods_supported", "scopes_supported",
                       "resource_indicators_supported", "dpop_signing_alg_values_supported",
                       "authorization_response_iss_parameter_supported"}));
  EXPECT_EQ(m["scopes_supported"], (json::array{"mcp:echo", "mcp:admin", "other:read"}));
  auto prm = json::parse(*disc.protected_resource_metadata("mcp")).as_object();
  EXPECT_EQ(prm["resource"], "http://127.0.0.1:8080/mcp");
  EXPECT_EQ(prm["authorization_servers"], (json::array{kIssuer}));
  EXPECT_EQ(prm["scopes_supported"], (json::array{"mcp:echo", "mcp:admin"}));
  EXPECT_EQ(prm["bearer_methods_supported"], (json::array{"header"}));
  EXPECT_FALSE(disc.protected_resource_metadata("nope").has_value());
  auto by_slug = json::parse(*disc.protected_resource_metadata("other")).as_object();
  EXPECT_EQ(by_slug["resource"], "http://127.0.0.1:8081/tools");
}

TEST(SigningKeys, KeyRotatedByAnotherProcessIsPickedUp) {
  manual_clock clk{kNow};
  fakes::fake_keys store;
  services::signing_keys server_side{store, "ES256", clk, std::chrono::milliseconds(1)};
  ASSERT_TRUE(server_side.init());
  auto before = server_side.snapshot()->kid;
  services::signing_keys cli_side{store, "ES256", clk, std::chrono::milliseconds(0)};
  ASSERT_TRUE(cli_side.init());
  ASSERT_TRUE(cli_side.rotate_key());
  std::this_thread::sleep_for(std::chrono::milliseconds(3));
  auto after = server_side.snapshot();
  EXPECT_NE(after->kid, before);
  EXPECT_EQ(after->kid, store.keys.front().kid);
  EXPECT_EQ(after->verify_keys.keys.size(), 2u);
}
