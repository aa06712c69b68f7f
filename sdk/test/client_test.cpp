// The OAuth client against an in-process http::server answering from a script: the cases the
// real authserver cannot produce (5xx for the breaker, malformed token responses, nonce
// challenges) and the exact wire shapes (checklist 97-100, 102-107).
#include <authplane/core/base64url.hpp>
#include <authplane/core/clock.hpp>
#include <authplane/http/server.hpp>
#include <authplane/jose/dpop.hpp>
#include <authplane/jose/jwk.hpp>
#include <authplane/sdk/client.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <deque>
#include <mutex>
#include <thread>

namespace {
namespace json = boost::json;
using namespace authplane;
using sdk::client_errc;

constexpr std::int64_t t0 = 1'700'000'000;

json::object part_of(const std::string& jwt, int index) {
  auto a = jwt.find('.'), b = jwt.find('.', a + 1);
  std::string seg = index == 0 ? jwt.substr(0, a) : jwt.substr(a + 1, b - a - 1);
  return json::parse(*base64url_decode(seg)).as_object();
}

http::response answer(int status, std::string body, http::header_list extra = {}) {
  http::response r = http::response::json(status, std::move(body));
  for (auto& [k, v] : extra.items) r.headers.add(k, v);
  return r;
}
http::response token_answer(std::string_view type = "Bearer", std::string extra = R"(,"expires_in":3600)") {
  static int n = 0;
  return answer(200, R"({"access_token":"at-)" + std::to_string(++n) + R"(","token_type":")" + std::string(type) +
                         "\"" + extra + "}");
}

// Answers POST /token, /introspect and /revoke from a queue (500 when it runs dry) and records
// every request it saw.
class scripted_as {
 public:
  scripted_as() {
    for (const char* p : {"/token", "/introspect", "/revoke"})
      router_.add("POST", p, [this](http::request& q, http::responder done) {
        std::lock_guard lk(mu_);
        seen_.push_back(q);
        http::response r = answers_.empty() ? answer(500, R"({"error":"server_error"})") : answers_.front();
        if (!answers_.empty()) answers_.pop_front();
        done(std::move(r));
      });
    port_ = server_.listen("127.0.0.1", 0, router_);
    thread_ = std::thread([this] { server_.run(); });
  }
  ~scripted_as() {
    server_.stop();
    thread_.join();
  }
  void push(http::response r) {
    std::lock_guard lk(mu_);
    answers_.push_back(std::move(r));
  }
  std::vector<http::request> seen() {
    std::lock_guard lk(mu_);
    return seen_;
  }
  std::string url(std::string_view path) const { return "http://127.0.0.1:" + std::to_string(port_) + std::string(path); }

 private:
  http::router router_;
  http::server server_{{.threads = 1, .handle_signals = false}};
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::deque<http::response> answers_;
  std::vector<http::request> seen_;
};

struct Client : ::testing::Test {
  scripted_as as;
  std::shared_ptr<manual_clock> clk = std::make_shared<manual_clock>(t0);
  sdk::client_config cfg;
  std::shared_ptr<const sdk::dpop_signer> signer;

  Client() {
    cfg.endpoints = {as.url("/token"), as.url("/introspect"), as.url("/revoke")};
    cfg.client_id = "svc";
    cfg.client_secret = "s3cret";
  }
  std::shared_ptr<sdk::oauth_client> make() {
    auto c = sdk::oauth_client::create(cfg, {}, signer, clk);
    EXPECT_TRUE(c) << c.error().message();
    return *c;
  }
  std::string body(std::size_t i) { return as.seen().at(i).body; }
};

}  // namespace

// ---- 97, 98: client authentication and the client_credentials form

TEST_F(Client, BasicAuthIsBase64OfPercentEncodedIdAndSecret) {
  cfg.client_id = "http://localhost:8080/mcp";
  cfg.client_secret = "p w:&";
  as.push(token_answer());
  ASSERT_TRUE(make()->client_credentials({"mcp:a", "mcp:b"}, {"https://r1.example/mcp", "https://r2.example/x"}));
  auto q = as.seen().at(0);
  EXPECT_EQ(*q.headers.get("Authorization"),
            "Basic " + base64_encode("http%3A%2F%2Flocalhost%3A8080%2Fmcp:p%20w%3A%26"));
  EXPECT_EQ(*q.headers.get("Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(*q.headers.get("Accept"), "application/json");
  EXPECT_EQ(q.body, "grant_type=client_credentials&scope=mcp%3Aa%20mcp%3Ab&resource=https%3A%2F%2Fr1.example%2Fmcp"
                    "&resource=https%3A%2F%2Fr2.example%2Fx");
}

TEST_F(Client, NoCredentialsSendNoAuthorizationHeader) {
  cfg.client_id.clear();
  cfg.client_secret.clear();
  as.push(answer(200, R"({"active":false})"));
  ASSERT_TRUE(make()->introspect("tok"));
  EXPECT_FALSE(as.seen().at(0).headers.get("Authorization"));
  EXPECT_EQ(body(0), "token=tok&token_type_hint=access_token");
}

TEST_F(Client, PostAuthSendsFormFields) {
  cfg.auth_method = sdk::client_auth::post;
  as.push(token_answer());
  ASSERT_TRUE(make()->client_credentials());
  EXPECT_FALSE(as.seen().at(0).headers.get("Authorization"));
  EXPECT_EQ(body(0), "grant_type=client_credentials&client_id=svc&client_secret=s3cret");
}

// ---- 99: the client-credentials cache

TEST_F(Client, CacheKeyIsSortedScopesAndResources) {
  as.push(token_answer());
  auto c = make();
  auto a = c->client_credentials({"b", "a"}, {"https://y", "https://x"});
  auto b = c->client_credentials({"a", "b"}, {"https://x", "https://y"});
  ASSERT_TRUE(a && b);
  EXPECT_EQ(as.seen().size(), 1u);
  EXPECT_EQ(a->access_token, b->access_token);
  as.push(token_answer());
  ASSERT_TRUE(c->client_credentials({"a"}, {"https://x", "https://y"}));  // another key
  EXPECT_EQ(as.seen().size(), 2u);
}

TEST_F(Client, CachedTokenExpiresThirtySecondsEarly) {
  as.push(token_answer("Bearer", R"(,"expires_in":100)"));
  auto c = make();
  ASSERT_TRUE(c->client_credentials({"a"}));
  clk->advance(69);
  ASSERT_TRUE(c->client_credentials({"a"}));
  EXPECT_EQ(as.seen().size(), 1u);
  clk->advance(1);  // 70 s = 100 - 30: no longer served
  as.push(token_answer());
  ASSERT_TRUE(c->client_credentials({"a"}));
  EXPECT_EQ(as.seen().size(), 2u);
}

TEST_F(Client, AbsentExpiresInCachesForDefaultLifetime) {
  as.push(token_answer("Bearer", ""));
  auto c = make();
  auto t = c->client_credentials();
  ASSERT_TRUE(t);
  EXPECT_FALSE(t->expires_in);
  clk->advance(3569);
  ASSERT_TRUE(c->client_credentials());
  EXPECT_EQ(as.seen().size(), 1u);
  clk->advance(1);
  as.push(token_answer());
  ASSERT_TRUE(c->client_credentials());
  EXPECT_EQ(as.seen().size(), 2u);
}

TEST_F(Client, ZeroExpiresInIsNeverCached) {
  as.push(token_answer("Bearer", R"(,"expires_in":0)"));
  as.push(token_answer("Bearer", R"(,"expires_in":0)"));
  auto c = make();
  auto t = c->client_credentials();
  ASSERT_TRUE(t);
  EXPECT_EQ(t->expires_in, 0);
  ASSERT_TRUE(c->client_credentials());
  EXPECT_EQ(as.seen().size(), 2u);
  EXPECT_EQ(c->cached_tokens(), 0u);
}

TEST_F(Client, CacheIsLruWithTouchOnRead) {
  cfg.cache_max_entries = 2;
  auto c = make();
  for (int i = 0; i < 3; ++i) as.push(token_answer());
  ASSERT_TRUE(c->client_credentials({"a"}));
  ASSERT_TRUE(c->client_credentials({"b"}));
  ASSERT_TRUE(c->client_credentials({"a"}));  // hit: a becomes most recent
  ASSERT_TRUE(c->client_credentials({"c"}));  // evicts b
  EXPECT_EQ(as.seen().size(), 3u);
  EXPECT_EQ(c->cached_tokens(), 2u);
  ASSERT_TRUE(c->client_credentials({"a"}));
  EXPECT_EQ(as.seen().size(), 3u);
  as.push(token_answer());
  ASSERT_TRUE(c->client_credentials({"b"}));
  EXPECT_EQ(as.seen().size(), 4u);
}

// ---- 100: token response validation

struct BadTokenResponse : Client, ::testing::WithParamInterface<std::pair<std::string, std::string>> {};

TEST_P(BadTokenResponse, IsProtocolError) {
  as.push(answer(200, GetParam().first));
  sdk::client_error why;
  auto t = make()->client_credentials({}, {}, &why);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error(), client_errc::protocol_error);
  EXPECT_EQ(why.message, "authplane: client_credentials: " + GetParam().second);
}

INSTANTIATE_TEST_SUITE_P(
    Client, BadTokenResponse,
    ::testing::Values(
        std::pair{std::string(R"({"token_type":"Bearer"})"), std::string("token response missing required field 'access_token'")},
        std::pair{std::string(R"({"access_token":"","token_type":"Bearer"})"), std::string("token response missing required field 'access_token'")},
        std::pair{std::string(R"({"access_token":"x"})"), std::string("token response missing required field 'token_type'")},
        std::pair{std::string(R"({"access_token":"x","token_type":"N_A"})"), std::string("unsupported token_type 'N_A'; only Bearer and DPoP are supported")},
        std::pair{std::string(R"({"access_token":"x","token_type":"Bearer","expires_in":-1})"), std::string("token response field 'expires_in' must be non-negative")},
        std::pair{std::string(R"({"access_token":"x","token_type":"Bearer","expires_in":"3600"})"), std::string("token response field 'expires_in' must be an integer")},
        std::pair{std::string(R"({"access_token":"x","token_type":"Bearer","expires_in":1.5})"), std::string("token response field 'expires_in' must be an integer")},
        std::pair{std::string(R"(["not an object"])"), std::string("token response is not a JSON object")}));

TEST_F(Client, DpopTokenTypeAcceptedAndCnfJktSurfaced) {
  as.push(token_answer("dpop", R"(,"expires_in":60,"scope":"a b","cnf":{"jkt":"abc"})"));
  auto t = make()->client_credentials();
  ASSERT_TRUE(t);
  EXPECT_EQ(t->token_type, "dpop");
  EXPECT_EQ(t->expires_in, 60);
  EXPECT_EQ(t->scope, "a b");
  EXPECT_EQ(t->cnf_jkt, "abc");
}

TEST_F(Client, BearerAnswerToDpopRequestRejected) {
  signer = *sdk::dpop_signer::generate();
  as.push(token_answer("Bearer"));
  sdk::client_error why;
  auto t = make()->client_credentials({}, {}, &why);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error(), client_errc::protocol_error);
  EXPECT_EQ(why.message, "authplane: client_credentials: token_type 'Bearer' answers a DPoP request "
                         "(RFC 9449 §5: the server ignored the proof)");
  EXPECT_TRUE(as.seen().at(0).headers.get("DPoP"));
}

// ---- 102: introspection and revocation

TEST_F(Client, IntrospectionParsesStandardFieldsAndAudArray) {
  as.push(answer(200, R"({"active":true,"scope":"a b","client_id":"c1","sub":"s1","username":"u","token_type":"DPoP",)"
                      R"("iss":"https://as","aud":["r1","r2"],"exp":200,"iat":100,"nbf":90,"jti":"j1","agent_id":"ag",)"
                      R"("cnf":{"jkt":"k"},"extra":1})"));
  auto i = make()->introspect("tok");
  ASSERT_TRUE(i);
  EXPECT_TRUE(i->active);
  EXPECT_EQ(i->scope, "a b");
  EXPECT_EQ(i->client_id, "c1");
  EXPECT_EQ(i->sub, "s1");
  EXPECT_EQ(i->username, "u");
  EXPECT_EQ(i->token_type, "DPoP");
  EXPECT_EQ(i->iss, "https://as");
  EXPECT_EQ(i->aud, (std::vector<std::string>{"r1", "r2"}));
  EXPECT_EQ(i->exp, 200);
  EXPECT_EQ(i->iat, 100);
  EXPECT_EQ(i->nbf, 90);
  EXPECT_EQ(i->jti, "j1");
  EXPECT_EQ(i->agent_id, "ag");
  EXPECT_EQ(i->cnf_jkt, "k");
  EXPECT_EQ(i->raw.at("extra").as_int64(), 1);
  EXPECT_EQ(*as.seen().at(0).headers.get("Authorization"), "Basic " + base64_encode("svc:s3cret"));
  EXPECT_EQ(body(0), "token=tok&token_type_hint=access_token");
}

TEST_F(Client, IntrospectionActiveDefaultsFalseAndAudString) {
  as.push(answer(200, R"({"aud":"r1"})"));
  as.push(answer(200, R"({"active":false})"));
  as.push(answer(200, R"({"active":"true"})"));
  auto c = make();
  auto a = c->introspect("t");
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->active);
  EXPECT_EQ(a->aud, std::vector<std::string>{"r1"});
  EXPECT_FALSE(c->introspect("t")->active);
  EXPECT_FALSE(c->introspect("t")->active);  // only the JSON boolean true means active
}

TEST_F(Client, RevocationAnyTwoHundredIsSuccess) {
  as.push(answer(200, ""));
  as.push(answer(204, ""));
  auto c = make();
  EXPECT_TRUE(c->revoke("t1"));
  EXPECT_TRUE(c->revoke("t2"));
  EXPECT_EQ(body(0), "token=t1&token_type_hint=access_token");
}

TEST_F(Client, RevocationServerErrorSurfaces) {
  as.push(answer(503, ""));
  sdk::client_error why;
  auto r = make()->revoke("t", &why);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), client_errc::server_error);
  EXPECT_EQ(why.status, 503);
  EXPECT_EQ(why.message, "authplane: revocation: HTTP 503");
}

TEST_F(Client, EmptyTokenRefusedBeforeIo) {
  auto c = make();
  EXPECT_EQ(c->introspect("").error(), client_errc::invalid_argument);
  EXPECT_EQ(c->revoke("").error(), client_errc::invalid_argument);
  EXPECT_TRUE(as.seen().empty());
}

// ---- 103: error mapping

TEST_F(Client, OAuthErrorsMapByCode) {
  struct row { int status; std::string body; client_errc code; std::string message; };
  const std::vector<row> rows = {
      {400, R"({"error":"invalid_grant","error_description":"grant is gone"})", client_errc::invalid_grant, "grant is gone"},
      {400, R"({"error":"invalid_scope"})", client_errc::invalid_scope, "invalid_scope"},
      {400, R"({"error":"invalid_request"})", client_errc::invalid_request, "invalid_request"},
      {400, R"({"error":"unauthorized_client"})", client_errc::unauthorized_client, "unauthorized_client"},
      {400, R"({"error":"unsupported_grant_type"})", client_errc::unsupported_grant_type, "unsupported_grant_type"},
      {400, R"({"error":"invalid_target"})", client_errc::invalid_target, "invalid_target"},
      {403, R"({"error":"access_denied"})", client_errc::access_denied, "access_denied"},
      {400, R"({"error":"invalid_dpop_proof"})", client_errc::invalid_dpop_proof, "invalid_dpop_proof"},
      {401, R"({"error":"invalid_client","error_description":"client authentication failed"})", client_errc::invalid_client, "client authentication failed"},
      {401, "", client_errc::invalid_client, "HTTP 401"},
      {400, R"({"error":"something_new"})", client_errc::oauth_error, "something_new"},
      {418, "not json", client_errc::oauth_error, "HTTP 418"},
      {500, R"({"error":"server_error","error_description":"db down"})", client_errc::server_error, "db down"},
      {502, "<html>", client_errc::server_error, "HTTP 502"},
  };
  auto c = make();
  for (const auto& r : rows) {
    as.push(answer(r.status, r.body));
    sdk::client_error why;
    auto t = c->client_credentials({}, {}, &why);
    ASSERT_FALSE(t);
    EXPECT_EQ(t.error(), r.code) << r.body;
    EXPECT_EQ(why.status, r.status);
    EXPECT_EQ(why.message, "authplane: client_credentials: " + r.message);
  }
}

// ---- 104: endpoints are never guessed

TEST_F(Client, MissingEndpointsRefusedWithoutRequest) {
  cfg.endpoints = {};
  auto c = make();
  sdk::client_error why;
  EXPECT_EQ(c->client_credentials({}, {}, &why).error(), client_errc::missing_endpoint);
  EXPECT_EQ(why.message, "authplane: client_credentials: no endpoint configured for this operation");
  EXPECT_EQ(c->introspect("t", &why).error(), client_errc::missing_endpoint);
  EXPECT_EQ(why.message, "authplane: introspection: no endpoint configured for this operation");
  EXPECT_EQ(c->revoke("t").error(), client_errc::missing_endpoint);
  EXPECT_TRUE(as.seen().empty());
}

TEST(ClientConfig, EndpointsFromDiscoveredMetadata) {
  auto md = json::parse(R"({"issuer":"https://as","token_endpoint":"https://as/t","revocation_endpoint":"https://as/r",)"
                        R"("introspection_endpoint":7})").as_object();
  auto e = sdk::endpoints_from_metadata(md);
  EXPECT_EQ(e.token_endpoint, "https://as/t");
  EXPECT_EQ(e.introspection_endpoint, "");  // not a string: missing, never guessed
  EXPECT_EQ(e.revocation_endpoint, "https://as/r");
}

TEST(ClientConfig, InvalidConfigRefused) {
  auto bad = [](auto patch) {
    sdk::client_config c;
    patch(c);
    auto r = sdk::oauth_client::create(c);
    return !r && r.error() == client_errc::invalid_config;
  };
  EXPECT_TRUE(bad([](auto& c) { c.endpoints.token_endpoint = "/oauth/token"; }));
  EXPECT_TRUE(bad([](auto& c) { c.client_secret = "s"; }));
  EXPECT_TRUE(bad([](auto& c) { c.cache_max_entries = 0; }));
  EXPECT_TRUE(bad([](auto& c) { c.breaker_threshold = 0; }));
  EXPECT_TRUE(bad([](auto& c) { c.default_ttl_seconds = 0; }));
  EXPECT_TRUE(bad([](auto& c) { c.nonce_store_entries = 0; }));
  EXPECT_FALSE(bad([](auto&) {}));
}

// ---- 105: circuit breaker

TEST_F(Client, BreakerOpensAfterFiveServerErrorsAndProbesAfterCooldown) {
  auto c = make();
  for (int i = 0; i < 5; ++i) {
    as.push(answer(500, R"({"error":"server_error"})"));
    EXPECT_EQ(c->client_credentials().error(), client_errc::server_error);
  }
  EXPECT_EQ(c->circuit(), sdk::breaker_state::open);
  sdk::client_error why;
  EXPECT_EQ(c->introspect("t", &why).error(), client_errc::circuit_open);
  EXPECT_EQ(why.message, "authplane: introspection: circuit breaker is open; the server may be unavailable");
  EXPECT_EQ(as.seen().size(), 5u);
  clk->advance(29);
  EXPECT_EQ(c->client_credentials().error(), client_errc::circuit_open);
  clk->advance(1);
  as.push(answer(503, ""));  // the probe fails: open again, timer restarted
  EXPECT_EQ(c->client_credentials().error(), client_errc::server_error);
  EXPECT_EQ(c->circuit(), sdk::breaker_state::open);
  EXPECT_EQ(c->client_credentials().error(), client_errc::circuit_open);
  clk->advance(30);
  as.push(token_answer());  // the probe succeeds: closed
  EXPECT_TRUE(c->client_credentials());
  EXPECT_EQ(c->circuit(), sdk::breaker_state::closed);
  EXPECT_EQ(as.seen().size(), 7u);
}

TEST_F(Client, ClientErrorsNeverOpenTheBreaker) {
  auto c = make();
  for (int i = 0; i < 8; ++i) {
    as.push(answer(400, R"({"error":"invalid_scope"})"));
    EXPECT_EQ(c->client_credentials().error(), client_errc::invalid_scope);
  }
  EXPECT_EQ(c->circuit(), sdk::breaker_state::closed);
}

TEST_F(Client, SuccessResetsTheFailureCount) {
  auto c = make();
  for (int i = 0; i < 4; ++i) as.push(answer(500, ""));
  as.push(answer(200, R"({"active":false})"));
  for (int i = 0; i < 4; ++i) as.push(answer(500, ""));
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(c->introspect("t"));
  EXPECT_TRUE(c->introspect("t"));
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(c->introspect("t"));
  EXPECT_EQ(c->circuit(), sdk::breaker_state::closed);
}

TEST_F(Client, TransportFailuresOpenTheBreaker) {
  cfg.endpoints.token_endpoint = "http://127.0.0.1:1/token";  // nothing listens on port 1
  auto c = make();
  sdk::client_error why;
  for (int i = 0; i < 5; ++i) EXPECT_EQ(c->client_credentials({}, {}, &why).error(), client_errc::transport_failure);
  EXPECT_EQ(why.status, 0);
  EXPECT_TRUE(why.message.starts_with("authplane: client_credentials: transport failure: ")) << why.message;
  EXPECT_EQ(c->circuit(), sdk::breaker_state::open);
}

// Documented choice: the cache is read before the breaker, so a still-valid token is served
// while the authorization server is unreachable.
TEST_F(Client, CachedTokenServedWhileBreakerOpen) {
  auto c = make();
  as.push(token_answer());
  auto t = c->client_credentials({"a"});
  ASSERT_TRUE(t);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(c->introspect("x"));
  ASSERT_EQ(c->circuit(), sdk::breaker_state::open);
  auto again = c->client_credentials({"a"});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->access_token, t->access_token);
  EXPECT_EQ(c->client_credentials({"b"}).error(), client_errc::circuit_open);
}

TEST_F(Client, OversizedResponseRefused) {
  cfg.max_response_bytes = 64 * 1024;
  as.push(answer(200, R"({"access_token":")" + std::string(70 * 1024, 'a') + R"(","token_type":"Bearer"})"));
  EXPECT_EQ(make()->client_credentials().error(), client_errc::response_too_large);
}

// ---- 106: outbound DPoP proofs

TEST(DpopSigner, ProofHeaderAndClaims) {
  auto s = *sdk::dpop_signer::generate();
  auto p = s->proof("post", "HTTPS://AS.Example:443/oauth/token?x=1#frag", t0);
  ASSERT_TRUE(p);
  auto h = part_of(*p, 0), c = part_of(*p, 1);
  EXPECT_EQ(h.at("typ").as_string(), "dpop+jwt");
  EXPECT_EQ(h.at("alg").as_string(), "ES256");
  EXPECT_EQ(h.at("jwk").as_object(), s->public_jwk());
  EXPECT_EQ(h.at("jwk").as_object().if_contains("d"), nullptr);
  EXPECT_EQ(c.at("htm").as_string(), "POST");
  EXPECT_EQ(c.at("htu").as_string(), "https://as.example/oauth/token");
  EXPECT_EQ(c.at("iat").as_int64(), t0);
  EXPECT_EQ(c.at("exp").as_int64(), t0 + 300);
  EXPECT_GE(c.at("jti").as_string().size(), 22u);
  EXPECT_EQ(c.if_contains("ath"), nullptr);
  EXPECT_EQ(c.if_contains("nonce"), nullptr);
  EXPECT_NE(part_of(*s->proof("POST", "https://as/t", t0), 1).at("jti"), c.at("jti"));  // fresh jti
  EXPECT_EQ(jose::thumbprint(*jose::parse_jwk(s->public_jwk())), s->thumbprint());
}

TEST(DpopSigner, ProofVerifiesAndBindsTheAccessToken) {
  auto s = *sdk::dpop_signer::generate();
  auto p = s->proof("GET", "http://mcp.example:8080/mcp", t0, "the-token", "n-1");
  ASSERT_TRUE(p);
  const std::string ath = jose::dpop_ath("the-token");
  jose::dpop_options o{.htm = "GET", .htu = "http://mcp.example:8080/mcp", .now = t0, .expected_ath = ath};
  auto v = jose::validate_dpop_proof(*p, o);
  ASSERT_TRUE(v) << v.error().message();
  EXPECT_EQ(v->jkt, s->thumbprint());
  EXPECT_EQ(v->nonce, "n-1");
  EXPECT_EQ(s->proof("GET", "/relative", t0).error(), client_errc::invalid_argument);
}

TEST(DpopSigner, LoadsPrivateJwk) {
  // A test-only P-256 key pair generated for this file.
  const std::string x = "w0noZDxMUs4uEq-FBibaRIcnpretkn0eYkeAJKpvgG4", y = "6l3ff980UQX4X4KknW-hZf-K9wAtNwuDPciV9Hd79zU";
  const std::string jwk = R"({"kty":"EC","crv":"P-256","x":")" + x + R"(","y":")" + y +
                          R"(","d":"Ob3yRH5BwA0X1Swe1YLttivvrZqXQno-xr8433SQGgU"})";
  auto s = sdk::dpop_signer::from_jwk(jwk);
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ((*s)->public_jwk().at("x").as_string(), x);
  EXPECT_EQ((*s)->public_jwk().size(), 4u);  // kty, crv, x, y: never d
  EXPECT_EQ((*s)->thumbprint(),
            jose::thumbprint(*jose::parse_jwk(R"({"kty":"EC","crv":"P-256","x":")" + x + R"(","y":")" + y + R"("})")));
  auto p = (*s)->proof("POST", "https://as.example/token", t0);
  jose::dpop_options o{.htm = "POST", .htu = "https://as.example/token", .now = t0};
  EXPECT_TRUE(jose::validate_dpop_proof(*p, o));
}

TEST(DpopSigner, BadJwkRefused) {
  auto bad = [](std::string_view j) { return sdk::dpop_signer::from_jwk(j).error() == client_errc::invalid_config; };
  EXPECT_TRUE(bad("not json"));
  EXPECT_TRUE(bad(R"({"kty":"EC","crv":"P-256","x":"w0noZDxMUs4uEq-FBibaRIcnpretkn0eYkeAJKpvgG4",)"
                  R"("y":"6l3ff980UQX4X4KknW-hZf-K9wAtNwuDPciV9Hd79zU"})"));  // public only
  EXPECT_TRUE(bad(R"({"kty":"EC","crv":"P-384","x":"a","y":"b","d":"c"})"));
  // x/y of another key than d: refused rather than signing with a key the JWK does not name.
  EXPECT_TRUE(bad(R"({"kty":"EC","crv":"P-256","x":"w0noZDxMUs4uEq-FBibaRIcnpretkn0eYkeAJKpvgG4",)"
                  R"("y":"6l3ff980UQX4X4KknW-hZf-K9wAtNwuDPciV9Hd79zU","d":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE"})"));
}

TEST_F(Client, ResourceProofNeedsASigner) {
  EXPECT_EQ(make()->resource_proof("GET", "https://r/x", "t").error(), client_errc::no_dpop_signer);
}

// ---- 107: DPoP nonces

TEST_F(Client, UseDpopNonceRetriedExactlyOnceWithTheNonce) {
  signer = *sdk::dpop_signer::generate();
  http::header_list first, second;
  first.add("Dpop-Nonce", "n-1");  // header names are case-insensitive (RFC 9110 §5.1)
  second.add("DPoP-Nonce", "n-2");
  as.push(answer(400, R"({"error":"use_dpop_nonce","error_description":"nonce required"})", first));
  as.push(answer(200, R"({"access_token":"a","token_type":"DPoP","expires_in":60})", second));
  auto c = make();
  sdk::client_error why;
  auto t = c->client_credentials({}, {}, &why);
  ASSERT_TRUE(t) << why.message;
  auto seen = as.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(part_of(std::string(*seen[0].headers.get("DPoP")), 1).if_contains("nonce"), nullptr);
  EXPECT_EQ(part_of(std::string(*seen[1].headers.get("DPoP")), 1).at("nonce").as_string(), "n-1");
  EXPECT_EQ(c->nonce_for(as.url("/token")), "n-2");  // stored from the success answer
  EXPECT_EQ(c->nonce_for(as.url("/other?x")), "n-2");  // per origin, not per path
  // The stored nonce rides on the next proof to that origin, resource requests included.
  auto rp = c->resource_proof("GET", as.url("/mcp"), "a");
  EXPECT_EQ(part_of(*rp, 1).at("nonce").as_string(), "n-2");
}

TEST_F(Client, SecondUseDpopNonceIsNotRetriedAgain) {
  signer = *sdk::dpop_signer::generate();
  http::header_list n;
  n.add("DPoP-Nonce", "n-x");
  for (int i = 0; i < 3; ++i) as.push(answer(400, R"({"error":"use_dpop_nonce"})", n));
  sdk::client_error why;
  auto t = make()->client_credentials({}, {}, &why);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error(), client_errc::use_dpop_nonce);
  EXPECT_EQ(as.seen().size(), 2u);
  EXPECT_EQ(why.message, "authplane: client_credentials: use_dpop_nonce");
}

TEST_F(Client, UseDpopNonceWithoutNonceHeaderIsNotRetried) {
  signer = *sdk::dpop_signer::generate();
  as.push(answer(400, R"({"error":"use_dpop_nonce"})"));
  EXPECT_EQ(make()->client_credentials().error(), client_errc::use_dpop_nonce);
  EXPECT_EQ(as.seen().size(), 1u);
}
