// The OAuth client against the REAL authserver (checklist 97-100, 102-104, 106, 107 and 52):
// each suite starts build/bin/authserver (or $AUTHPLANE_BIN) on free loopback ports with a
// private temp directory, creates a resource and a client through the admin API, and talks to
// it only over HTTP. Skipped when the binary is not there (e.g. a sanitizer build of the SDK only).
#include <authplane/core/base64url.hpp>
#include <authplane/core/random.hpp>
#include <authplane/http/client.hpp>
#include <authplane/jose/dpop.hpp>
#include <authplane/jose/jwk.hpp>
#include <authplane/sdk/keys.hpp>
#include <authplane/sdk/client.hpp>
#include <authplane/sdk/guard.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace {
namespace json = boost::json;
namespace fs = std::filesystem;
using namespace authplane;
using namespace std::chrono_literals;
using sdk::client_errc;

const std::string resource_uri = "http://127.0.0.1:8080/mcp";

std::string authserver_path() {
  if (const char* e = std::getenv("AUTHPLANE_BIN"); e && *e) {
    fs::path p(e);
    return fs::is_directory(p) ? (p / "authserver").string() : p.string();
  }
  return AUTHPLANE_BUILD_AUTHSERVER;
}

std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

json::object payload_of(const std::string& jwt) {
  auto a = jwt.find('.'), b = jwt.find('.', a + 1);
  return json::parse(*base64url_decode(jwt.substr(a + 1, b - a - 1))).as_object();
}

// One authserver process: started in the constructor, SIGTERM (then SIGKILL) in the destructor.
class live_server {
 public:
  explicit live_server(std::vector<std::string> extra_env = {}) {
    dir_ = fs::temp_directory_path() / ("authplane-sdk-" + random_token(6));
    fs::create_directories(dir_);
    const auto pub = free_port();
    auto adm = free_port();
    while (adm == pub) adm = free_port();
    issuer = "http://127.0.0.1:" + std::to_string(pub);
    admin = "http://127.0.0.1:" + std::to_string(adm);
    admin_key = random_token(24);
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e)
      if (std::string_view(*e).rfind("AUTHPLANE_", 0) != 0) env.emplace_back(*e);
    for (std::string kv : {"AUTHPLANE_SERVER_ISSUER=" + issuer, "AUTHPLANE_SERVER_ADDRESS=127.0.0.1:" + std::to_string(pub),
                           "AUTHPLANE_ADMIN_ADDRESS=127.0.0.1:" + std::to_string(adm),
                           "AUTHPLANE_ADMIN_API_KEY=" + admin_key,
                           "AUTHPLANE_STORAGE_SQLITE_PATH=" + (dir_ / "authserver.db").string(),
                           "AUTHPLANE_SIGNING_KEY_PATH=" + (dir_ / "keys").string(), std::string("AUTHPLANE_LOG_LEVEL=warn"),
                           std::string("AUTHPLANE_RATE_LIMIT_ENABLED=false")})
      env.push_back(kv);
    for (auto& kv : extra_env) env.push_back(kv);
    spawn(env);
  }
  ~live_server() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int st = 0;
      for (int i = 0; i < 100 && ::waitpid(pid_, &st, WNOHANG) == 0; ++i) std::this_thread::sleep_for(50ms);
      if (::waitpid(pid_, &st, WNOHANG) == 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &st, 0);
      }
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  bool ready() const { return ready_; }

  json::object admin_post(const std::string& path, const json::object& body) const {
    http::header_list h;
    h.add("Authorization", "Bearer " + admin_key);
    h.add("Content-Type", "application/json");
    auto r = http::fetch("POST", admin + path, h, json::serialize(body), 10s);
    EXPECT_TRUE(r && r->status == 201) << (r ? r->body : r.error().message());
    return r && r->status == 201 ? json::parse(r->body).as_object() : json::object{};
  }
  sdk::client_config config(const json::object& client) const {
    sdk::client_config c;
    c.endpoints = {issuer + "/oauth/token", issuer + "/oauth/introspect", issuer + "/oauth/revoke"};
    c.client_id = std::string(client.at("client_id").as_string());
    c.client_secret = std::string(client.at("client_secret").as_string());
    return c;
  }

  std::string issuer, admin, admin_key;

 private:
  void spawn(std::vector<std::string>& env) {
    std::vector<char*> envp;
    for (auto& s : env) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::string bin = authserver_path(), serve = "serve";
    char* argv[] = {bin.data(), serve.data(), nullptr};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    const std::string log = (dir_ / "stderr.log").string();  // never the test output: no secrets there
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_addchdir_np(&fa, dir_.c_str());
    if (::posix_spawn(&pid_, bin.c_str(), &fa, nullptr, argv, envp.data()) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
    for (int i = 0; pid_ > 0 && i < 200 && !ready_; ++i) {
      auto r = http::fetch("GET", issuer + "/livez", {}, "", 1s);
      ready_ = r && r->status == 200;
      if (!ready_) std::this_thread::sleep_for(50ms);
    }
  }
  fs::path dir_;
  pid_t pid_ = -1;
  bool ready_ = false;
};

// Counts requests on the way to the real transport.
struct counting {
  std::shared_ptr<std::atomic<int>> n = std::make_shared<std::atomic<int>>(0);
  sdk::transport wrap() {
    return [n = n, inner = sdk::default_transport()](std::string_view m, std::string_view u,
                                                     const http::header_list& h, std::string_view b) {
      ++*n;
      return inner(m, u, h, b);
    };
  }
};

class LiveAuthserver : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists(authserver_path())) return;
    srv_ = new live_server();
    if (!srv_->ready()) return;
    srv_->admin_post("/admin/resources", {{"slug", "echo"}, {"uri", resource_uri}, {"display_name", "echo"},
                                          {"scopes", json::array{json::object{{"name", "mcp:echo"}, {"description", "e"}}}}});
    client_ = new json::object(srv_->admin_post("/admin/clients", {{"client_name", "sdk-test"},
                                                                   {"grant_types", json::array{"client_credentials"}},
                                                                   {"token_endpoint_auth_method", "client_secret_basic"},
                                                                   {"scope", "mcp:echo"}}));
  }
  static void TearDownTestSuite() {
    delete srv_;
    delete client_;
    srv_ = nullptr;
    client_ = nullptr;
  }
  void SetUp() override {
    if (srv_ == nullptr || !srv_->ready() || client_->empty())
      GTEST_SKIP() << "authserver not available at " << authserver_path();
  }
  std::shared_ptr<sdk::oauth_client> client(sdk::transport t = {}, std::shared_ptr<const sdk::dpop_signer> d = nullptr) {
    return *sdk::oauth_client::create(srv_->config(*client_), std::move(t), std::move(d));
  }
  static live_server* srv_;
  static json::object* client_;
};
live_server* LiveAuthserver::srv_ = nullptr;
json::object* LiveAuthserver::client_ = nullptr;

}  // namespace

TEST_F(LiveAuthserver, ClientCredentialsBearerToken) {
  sdk::client_error why;
  auto t = client()->client_credentials({"mcp:echo"}, {resource_uri}, &why);
  ASSERT_TRUE(t) << why.message;
  EXPECT_EQ(t->token_type, "Bearer");
  EXPECT_EQ(t->expires_in, 3600);
  EXPECT_EQ(t->scope, "mcp:echo");
  EXPECT_TRUE(t->cnf_jkt.empty());
  auto p = payload_of(t->access_token);
  EXPECT_EQ(json::serialize(p.at("aud")), R"(["http://127.0.0.1:8080/mcp"])");
  EXPECT_EQ(p.at("client_id"), client_->at("client_id"));
  EXPECT_EQ(p.at("iss").as_string(), srv_->issuer);
  EXPECT_EQ(p.if_contains("cnf"), nullptr);
}

TEST_F(LiveAuthserver, SecondCallServedFromCacheWithoutRequest) {
  counting n;
  auto c = client(n.wrap());
  auto a = c->client_credentials({"mcp:echo"}, {resource_uri});
  auto b = c->client_credentials({"mcp:echo"}, {resource_uri});
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*n.n, 1);
  EXPECT_EQ(a->access_token, b->access_token);
  EXPECT_EQ(c->cached_tokens(), 1u);
}

TEST_F(LiveAuthserver, DpopBoundTokenCarriesSignerThumbprint) {
  auto signer = *sdk::dpop_signer::generate();
  auto c = client({}, signer);
  sdk::client_error why;
  auto t = c->client_credentials({"mcp:echo"}, {resource_uri}, &why);
  ASSERT_TRUE(t) << why.message;
  EXPECT_EQ(t->token_type, "DPoP");
  auto p = payload_of(t->access_token);
  EXPECT_EQ(p.at("cnf").as_object().at("jkt").as_string(), signer->thumbprint());
  auto i = c->introspect(t->access_token, &why);
  ASSERT_TRUE(i) << why.message;
  EXPECT_TRUE(i->active);
  EXPECT_EQ(i->token_type, "DPoP");
  EXPECT_EQ(i->cnf_jkt, signer->thumbprint());
  // A proof for the protected resource carries ath (RFC 9449 §7.1).
  auto proof = c->resource_proof("get", resource_uri + "?q=1", t->access_token);
  ASSERT_TRUE(proof);
  auto pc = payload_of(*proof);
  EXPECT_EQ(pc.at("htm").as_string(), "GET");
  EXPECT_EQ(pc.at("htu").as_string(), resource_uri);
  EXPECT_EQ(pc.at("ath").as_string(), jose::dpop_ath(t->access_token));
}

TEST_F(LiveAuthserver, IntrospectActiveThenInactiveAfterRevocation) {
  auto c = client();
  auto t = c->client_credentials({"mcp:echo"}, {resource_uri});
  ASSERT_TRUE(t);
  sdk::client_error why;
  auto before = c->introspect(t->access_token, &why);
  ASSERT_TRUE(before) << why.message;
  EXPECT_TRUE(before->active);
  EXPECT_EQ(before->client_id, client_->at("client_id").as_string());
  EXPECT_EQ(before->aud, std::vector<std::string>{resource_uri});
  EXPECT_EQ(before->scope, "mcp:echo");
  EXPECT_GT(before->exp, before->iat);
  ASSERT_TRUE(c->revoke(t->access_token, &why)) << why.message;
  auto after = c->introspect(t->access_token, &why);
  ASSERT_TRUE(after) << why.message;
  EXPECT_FALSE(after->active);
  // RFC 7009 §2.2: revoking again (an invalid token) is still a success.
  EXPECT_TRUE(c->revoke(t->access_token));
}

TEST_F(LiveAuthserver, WrongSecretMapsToInvalidClient) {
  auto cfg = srv_->config(*client_);
  cfg.client_secret = "not-the-secret";
  auto c = *sdk::oauth_client::create(cfg);
  sdk::client_error why;
  auto t = c->client_credentials({"mcp:echo"}, {resource_uri}, &why);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error(), client_errc::invalid_client);
  EXPECT_EQ(why.status, 401);
  EXPECT_EQ(why.error, "invalid_client");
  EXPECT_EQ(why.message, "authplane: client_credentials: " + why.description);
  EXPECT_FALSE(why.description.empty());
  EXPECT_EQ(c->circuit(), sdk::breaker_state::closed);  // a 4xx never counts
}

TEST_F(LiveAuthserver, UnknownScopeMapsToInvalidScope) {
  sdk::client_error why;
  auto t = client()->client_credentials({"mcp:nope"}, {resource_uri}, &why);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error(), client_errc::invalid_scope);
  EXPECT_EQ(why.status, 400);
}

TEST_F(LiveAuthserver, GuardRefusesTokenRevokedAtTheServer) {
  auto jw = http::fetch("GET", srv_->issuer + "/.well-known/jwks.json", {}, "", 10s);
  ASSERT_TRUE(jw && jw->status == 200);
  sdk::options o{.issuer = srv_->issuer, .base_url = "http://127.0.0.1:8080", .scopes = {"mcp:echo"}};
  auto c = client();
  o.revocation = sdk::introspection_revocation_checker(c);
  auto keys = std::make_shared<sdk::static_jwks_source>(*jose::parse_jwks(jw->body));
  auto g = *sdk::resource_guard::create(o, keys);
  auto t = c->client_credentials({"mcp:echo"}, {resource_uri});
  ASSERT_TRUE(t);
  http::header_list h;
  h.add("Authorization", "Bearer " + t->access_token);
  auto ok = g->check("POST", resource_uri, h);
  ASSERT_TRUE(ok) << ok.denied.description;
  ASSERT_TRUE(c->revoke(t->access_token));
  auto refused = g->check("POST", resource_uri, h);  // the verified-token cache does not skip revocation
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.denied.code, sdk::errc::token_revoked);
  EXPECT_EQ(refused.denied.status, 401);
}

// A server configured with dpop.require_nonce answers the first proof with use_dpop_nonce.
TEST(LiveAuthserverNonce, UseDpopNonceRetriedOnceWithServerNonce) {
  if (!fs::exists(authserver_path())) GTEST_SKIP() << "authserver not available";
  live_server srv({"AUTHPLANE_DPOP_REQUIRE_NONCE=true"});
  ASSERT_TRUE(srv.ready());
  srv.admin_post("/admin/resources", {{"slug", "echo"}, {"uri", resource_uri}, {"display_name", "echo"},
                                      {"scopes", json::array{json::object{{"name", "mcp:echo"}, {"description", "e"}}}}});
  auto cl = srv.admin_post("/admin/clients", {{"client_name", "sdk-nonce"},
                                              {"grant_types", json::array{"client_credentials"}},
                                              {"token_endpoint_auth_method", "client_secret_basic"},
                                              {"scope", "mcp:echo"}});
  ASSERT_FALSE(cl.empty());
  counting n;
  auto signer = *sdk::dpop_signer::generate();
  auto c = *sdk::oauth_client::create(srv.config(cl), n.wrap(), signer);
  sdk::client_error why;
  auto t = c->client_credentials({"mcp:echo"}, {resource_uri}, &why);
  ASSERT_TRUE(t) << why.message;
  EXPECT_EQ(*n.n, 2);  // the refused proof, then exactly one retry with the nonce
  EXPECT_EQ(t->token_type, "DPoP");
  EXPECT_EQ(payload_of(t->access_token).at("cnf").as_object().at("jkt").as_string(), signer->thumbprint());
  EXPECT_TRUE(c->nonce_for(srv.issuer + "/oauth/token"));
}
