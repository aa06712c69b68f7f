// protected_resource end to end against a real TLS authorization server on loopback (checklist
// 1-9, 11-13), and metadata/JWKS refresh with injected fetchers and a manual clock (9, 24, 11).
#include <gtest/gtest.h>

#include <ctime>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "helpers.hpp"
#include "tls_test_server.hpp"

namespace {
using namespace sdktest;
using namespace std::chrono_literals;
using sdk::errc;
using http::test::raw_response;
using http::test::raw_server;

std::string jwks_json(std::initializer_list<jose::jwk> ks) {
  jose::jwks s;
  for (const auto& k : ks) s.keys.push_back(k);
  return jose::serialize_jwks(s);
}

std::string path_of(const std::string& head) {
  auto sp = head.find(' ');
  return head.substr(sp + 1, head.find(' ', sp + 1) - sp - 1);
}

// A loopback authorization server: RFC 8414 metadata and a JWKS, each replaceable by the test.
struct fake_as {
  std::mutex mu;
  std::string issuer;
  std::string metadata;  // empty: a valid default document
  int jwks_status = 200;
  std::string jwks = jwks_json({public_jwk("ES256", "k1")});
  raw_server srv;

  fake_as(bool tls, std::string path)
      : srv([this](const std::string& head) { return answer(head); }, tls) {
    issuer = origin() + path;
  }
  std::string origin() const { return srv.url(""); }
  std::string answer(const std::string& head) {
    std::lock_guard lk(mu);
    std::string p = path_of(head);
    if (p.rfind("/.well-known/oauth-authorization-server", 0) == 0) {
      return raw_response(200, metadata.empty() ? default_metadata() : metadata);
    }
    if (p == "/jwks") return raw_response(jwks_status, jwks);
    return raw_response(404, "{}");
  }
  std::string default_metadata() const {
    return R"({"issuer":")" + issuer + R"(","jwks_uri":")" + origin() + R"(/jwks","token_endpoint":")" + origin() +
           R"(/token","scopes_supported":["mcp:echo"]})";
  }
  std::vector<std::string> paths() const {
    std::vector<std::string> out;
    for (const auto& h : srv.requests()) out.push_back(path_of(h));
    return out;
  }
};

sdk::options opts_for(const std::string& iss) {
  sdk::options o;
  o.issuer = iss;
  o.base_url = "https://mcp.example";
  o.scopes = {"mcp:echo"};
  return o;
}

sdk::fetch_settings local_tls() {
  sdk::fetch_settings s;
  s.allow_localhost = true;
  s.ca_file = http::test::localhost_identity().ca_file;
  return s;
}

std::string token_for(const std::string& iss, const std::string& jti = "jti-1") {
  auto c = good_claims(std::time(nullptr));
  c["iss"] = iss;
  c["jti"] = jti;
  return mint(c, "k1");
}

void expect_create_error(const result<std::unique_ptr<sdk::protected_resource>>& r, errc code, std::string_view msg) {
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), code);
  EXPECT_EQ(r.error().message(), msg);
}

TEST(ProtectedResource, FetchesRfc8414UrlThenJwksOnce) {
  fake_as as(true, "/tenant");
  auto pr = sdk::protected_resource::create(opts_for(as.issuer), local_tls());
  ASSERT_TRUE(pr) << pr.error().message();
  EXPECT_EQ(as.paths(), (std::vector<std::string>{"/.well-known/oauth-authorization-server/tenant", "/jwks"}));
  auto md = (*pr)->metadata();
  EXPECT_EQ(md->issuer, as.issuer);
  EXPECT_EQ(md->jwks_uri, as.origin() + "/jwks");
  EXPECT_EQ(md->token_endpoint, as.origin() + "/token");
  EXPECT_EQ(md->scopes_supported, (std::vector<std::string>{"mcp:echo"}));
  auto out = (*pr)->guard()->check("POST", resource, auth("Bearer " + token_for(as.issuer)));
  ASSERT_TRUE(out) << out.denied.description;
  EXPECT_EQ(out.allowed->claims->issuer, as.issuer);
  EXPECT_EQ(as.paths().size(), 2u);  // verification used the cached keys
}

TEST(ProtectedResource, IssuerWithTrailingSlashKeptVerbatim) {
  fake_as as(true, "/");
  auto pr = sdk::protected_resource::create(opts_for(as.issuer), local_tls());
  ASSERT_TRUE(pr) << pr.error().message();
  EXPECT_EQ(as.paths().at(0), "/.well-known/oauth-authorization-server");
  EXPECT_TRUE((*pr)->guard()->check("POST", resource, auth("Bearer " + token_for(as.issuer))));
  auto other = (*pr)->guard()->check("POST", resource, auth("Bearer " + token_for(as.origin(), "jti-2")));
  EXPECT_EQ(other.denied.code, errc::issuer_mismatch);
}

TEST(ProtectedResource, IssuerMissing) {
  fake_as as(true, "/tenant");
  as.metadata = R"({"jwks_uri":")" + as.origin() + R"(/jwks"})";
  expect_create_error(sdk::protected_resource::create(opts_for(as.issuer), local_tls()),
                      errc::metadata_issuer_missing, "AS metadata missing required 'issuer' field");
  as.metadata = R"({"issuer":"","jwks_uri":")" + as.origin() + R"(/jwks"})";
  expect_create_error(sdk::protected_resource::create(opts_for(as.issuer), local_tls()),
                      errc::metadata_issuer_missing, "AS metadata missing required 'issuer' field");
  EXPECT_EQ(as.paths().size(), 2u);  // two metadata fetches, no JWKS fetch
}

TEST(ProtectedResource, IssuerMismatchOnTrailingSlash) {
  fake_as as(true, "/tenant");
  as.metadata = R"({"issuer":")" + as.issuer + R"(/","jwks_uri":")" + as.origin() + R"(/jwks"})";
  expect_create_error(sdk::protected_resource::create(opts_for(as.issuer), local_tls()),
                      errc::metadata_issuer_mismatch, "AS metadata issuer mismatch");
  EXPECT_EQ(as.paths().size(), 1u);
}

TEST(ProtectedResource, JwksUriMissingIsNeverGuessed) {
  fake_as as(true, "/tenant");
  as.metadata = R"({"issuer":")" + as.issuer + R"(","token_endpoint":")" + as.origin() + R"(/token"})";
  expect_create_error(sdk::protected_resource::create(opts_for(as.issuer), local_tls()),
                      errc::metadata_endpoint_missing, "AS metadata missing required 'jwks_uri' field");
  EXPECT_EQ(as.paths(), (std::vector<std::string>{"/.well-known/oauth-authorization-server/tenant"}));
}

TEST(ProtectedResource, HttpOrRelativeEndpointRejected) {
  fake_as as(true, "/tenant");
  const std::string msg = "AS metadata endpoint URL is not absolute or not https";
  as.metadata = R"({"issuer":")" + as.issuer + R"(","jwks_uri":"http://127.0.0.1:1/jwks"})";
  expect_create_error(sdk::protected_resource::create(opts_for(as.issuer), local_tls()), errc::metadata_endpoint_invalid, msg);
  as.metadata = R"({"issuer":")" + as.issuer + R"(","jwks_uri":")" + as.origin() + R"(/jwks","introspection_endpoint":"/introspect"})";
  expect_create_error(sdk::protected_resource::create(opts_for(as.issuer), local_tls()), errc::metadata_endpoint_invalid, msg);
  EXPECT_EQ(as.paths().size(), 2u);
}

TEST(ProtectedResource, JwksFetchFailureFailsCreation) {
  fake_as as(true, "/tenant");
  as.jwks_status = 500;
  expect_create_error(sdk::protected_resource::create(opts_for(as.issuer), local_tls()), errc::jwks_fetch_failed,
                      "failed to fetch jwks");
  as.jwks_status = 200;
  as.jwks = R"({"keys":"nope"})";
  expect_create_error(sdk::protected_resource::create(opts_for(as.issuer), local_tls()), errc::jwks_fetch_failed,
                      "failed to fetch jwks");
}

TEST(ProtectedResource, MetadataFetchFailureFailsCreation) {
  const std::string msg = "failed to fetch authorization server metadata";
  std::string gone_issuer;
  {
    fake_as as(true, "/tenant");
    gone_issuer = as.issuer;
  }
  expect_create_error(sdk::protected_resource::create(opts_for(gone_issuer), local_tls()), errc::metadata_fetch_failed, msg);
  fake_as as(true, "/tenant");
  auto untrusted = local_tls();
  untrusted.ca_file.clear();
  expect_create_error(sdk::protected_resource::create(opts_for(as.issuer), untrusted), errc::metadata_fetch_failed, msg);
}

TEST(ProtectedResource, ProductionRefusesLoopbackIssuer) {
  ::unsetenv("AUTHPLANE_DEV_MODE");
  fake_as as(true, "/tenant");
  expect_create_error(sdk::protected_resource::create(opts_for(as.issuer)), errc::metadata_fetch_failed,
                      "failed to fetch authorization server metadata");
  EXPECT_EQ(as.srv.connections(), 0);
}

TEST(ProtectedResource, DevModeAllowsHttpLoopbackUnlessSettingsGiven) {
  ::unsetenv("AUTHPLANE_DEV_MODE");
  fake_as as(false, "/tenant");
  auto o = opts_for(as.issuer);
  o.dev_mode = true;
  auto pr = sdk::protected_resource::create(o);
  ASSERT_TRUE(pr) << pr.error().message();
  EXPECT_TRUE((*pr)->settings().allow_http);
  EXPECT_TRUE((*pr)->guard()->check("POST", resource, auth("Bearer " + token_for(as.issuer))));
  expect_create_error(sdk::protected_resource::create(o, sdk::fetch_settings{}), errc::metadata_fetch_failed,
                      "failed to fetch authorization server metadata");
}

TEST(ProtectedResource, InvalidOptionsBeforeAnyFetch) {
  fake_as as(true, "/tenant");
  auto o = opts_for(as.issuer);
  o.jwks_refresh_seconds = 0;
  expect_create_error(sdk::protected_resource::create(o, local_tls()), errc::invalid_options, "invalid SDK options");
  o = opts_for("not a url");
  expect_create_error(sdk::protected_resource::create(o, local_tls()), errc::invalid_options, "invalid SDK options");
  EXPECT_EQ(as.srv.connections(), 0);
}

TEST(ProtectedResource, FetchErrorsDenyWith503) {
  auto g = *sdk::resource_guard::create(opts_for(issuer), std::make_shared<sdk::static_jwks_source>(jose::jwks{}));
  for (errc c : {errc::ssrf_blocked, errc::response_too_large, errc::metadata_fetch_failed, errc::metadata_issuer_missing,
                 errc::metadata_issuer_mismatch, errc::metadata_endpoint_missing, errc::metadata_endpoint_invalid,
                 errc::jwks_fetch_failed}) {
    EXPECT_EQ(g->deny(c, "").status, 503) << static_cast<int>(c);
  }
}

// --- refresh behaviour with injected fetchers and a manual clock

struct scripted final : sdk::document_fetcher {
  std::mutex mu;
  std::map<std::string, std::string> bodies;
  std::vector<std::string> urls;
  result<sdk::fetched_document> get(std::string_view url) override {
    std::lock_guard lk(mu);
    urls.emplace_back(url);
    auto it = bodies.find(std::string(url));
    if (it == bodies.end()) return sdk::fetched_document{404, {}, "{}"};
    return sdk::fetched_document{200, {}, it->second};
  }
  void set(const std::string& url, std::string body) {
    std::lock_guard lk(mu);
    bodies[url] = std::move(body);
  }
  std::vector<std::string> seen() {
    std::lock_guard lk(mu);
    return urls;
  }
};

constexpr const char* md_url = "https://as.example/.well-known/oauth-authorization-server";
std::string md_doc(const std::string& iss, const std::string& jwks_uri) {
  return R"({"issuer":")" + iss + R"(","jwks_uri":")" + jwks_uri + R"("})";
}

struct Refresh : ::testing::Test {
  std::shared_ptr<scripted> md = std::make_shared<scripted>();
  std::shared_ptr<scripted> keys = std::make_shared<scripted>();
  std::shared_ptr<manual_clock> clk = std::make_shared<manual_clock>(t0);
  std::deque<std::function<void()>> tasks;
  sdk::options o = [] {
    auto x = opts_for(issuer);
    x.metadata_refresh_seconds = 100;
    x.jwks_refresh_seconds = 300;
    x.token_cache_entries = 0;  // every check looks the key up
    return x;
  }();

  void SetUp() override {
    md->set(md_url, md_doc(issuer, "https://as.example/jwks"));
    keys->set("https://as.example/jwks", jwks_json({public_jwk("ES256", "k1")}));
    keys->set("https://keys.example/v2", jwks_json({public_jwk("ES256", "k1")}));
  }
  sdk::resource_dependencies deps(bool own_worker = false) {
    sdk::resource_dependencies d{.metadata_fetcher = md, .jwks_fetcher = keys, .clk = clk};
    if (!own_worker) d.runner = [this](std::function<void()> t) { tasks.push_back(std::move(t)); };
    return d;
  }
  bool check(sdk::protected_resource& pr) {
    auto c = good_claims(clk->now());
    return static_cast<bool>(pr.guard()->check("POST", resource, auth("Bearer " + mint(c, "k1"))));
  }
};

TEST_F(Refresh, RejectedMetadataNeverRepointsKeys) {
  auto pr = *sdk::protected_resource::create(o, {}, deps());
  md->set(md_url, md_doc("https://evil.example", "https://keys.example/v2"));
  clk->advance(100);
  EXPECT_EQ(pr->metadata()->jwks_uri, "https://as.example/jwks");  // stale, validated document
  EXPECT_EQ(md->seen().size(), 2u);
  md->set(md_url, R"({"issuer":"https://as.example","jwks_uri":"http://keys.example/v2"})");
  clk->advance(10);  // past the retry gap
  EXPECT_EQ(pr->metadata()->jwks_uri, "https://as.example/jwks");
  EXPECT_EQ(md->seen().size(), 3u);
  EXPECT_EQ(pr->keys()->uri(), "https://as.example/jwks");
  clk->advance(300);
  EXPECT_TRUE(check(*pr));
  for (const auto& u : keys->seen()) EXPECT_EQ(u, "https://as.example/jwks");
}

TEST_F(Refresh, NewJwksUriMovesKeyFetches) {
  auto pr = *sdk::protected_resource::create(o, {}, deps());
  EXPECT_TRUE(check(*pr));
  md->set(md_url, md_doc(issuer, "https://keys.example/v2"));
  clk->advance(80);
  pr->metadata();  // 80 %: one background refresh queued
  ASSERT_EQ(tasks.size(), 1u);
  tasks.front()();
  tasks.pop_front();
  EXPECT_EQ(pr->metadata()->jwks_uri, "https://keys.example/v2");
  EXPECT_EQ(pr->keys()->uri(), "https://keys.example/v2");
  EXPECT_TRUE(check(*pr));
  clk->advance(300);
  EXPECT_TRUE(check(*pr));
  EXPECT_EQ(keys->seen(), (std::vector<std::string>{"https://as.example/jwks", "https://keys.example/v2",
                                                   "https://keys.example/v2"}));
}

TEST_F(Refresh, CloseStopsBackgroundWorkAndIsIdempotent) {
  auto pr = *sdk::protected_resource::create(o, {}, deps(true));
  clk->advance(80);
  pr->metadata();  // hands one refresh to the worker thread
  for (int i = 0; i < 200 && md->seen().size() < 2; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(md->seen().size(), 2u);
  pr->close();
  pr->close();
  const auto key_fetches = keys->seen().size();
  clk->advance(170);  // keys at 250 s of 300 s (past 80 %): a refresh is posted, but nothing runs it
  EXPECT_TRUE(check(*pr));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(keys->seen().size(), key_fetches);
  pr.reset();  // the destructor after close() is fine too
}
}  // namespace
