// Options, PRM, replay store, token cache, fetching key source (checklist items 10, 23, 39, 40,
// 76, 77, 84, 85, 92-94).
#include "helpers.hpp"

#include <cstdlib>
#include <thread>

using namespace sdktest;
using sdk::errc;

namespace {
sdk::options base() {
  sdk::options o;
  o.issuer = issuer;
  o.base_url = "https://mcp.example";
  o.scopes = {"mcp:echo"};
  return o;
}
}  // namespace

TEST(Options, DefaultsMirrorReference) {
  sdk::options o;
  EXPECT_EQ(o.mcp_path, "/mcp");
  EXPECT_EQ(o.leeway_seconds, 30);
  EXPECT_EQ(o.dpop, sdk::dpop_mode::disabled);
  EXPECT_EQ(o.dpop_max_age_seconds, 300);
  EXPECT_EQ(o.jwks_refresh_seconds, 300);
  EXPECT_EQ(o.metadata_refresh_seconds, 3600);
  EXPECT_EQ(o.token_cache_entries, 10'000u);
  EXPECT_EQ(o.replay_store_entries, 100'000u);
  EXPECT_FALSE(o.dev_mode);
  EXPECT_EQ(o.allowed_algs, (jose::alg_set{jose::alg::ES256, jose::alg::RS256}));
  EXPECT_EQ(o.dpop_algs, (jose::alg_set{jose::alg::ES256, jose::alg::RS256}));
}

TEST(Options, ResourceIsBaseUrlPlusMcpPath) {
  auto o = base();
  EXPECT_EQ(o.resource(), "https://mcp.example/mcp");
  o.base_url = "http://localhost:8080/";
  o.mcp_path = "/api/mcp";
  EXPECT_EQ(o.resource(), "http://localhost:8080/api/mcp");
}

TEST(Options, ValidationRejectsBadValues) {
  EXPECT_FALSE(sdk::validate(base()));
  auto bad = [](auto mutate) {
    auto o = base();
    mutate(o);
    return sdk::validate(o) == sdk::errc::invalid_options;
  };
  EXPECT_TRUE(bad([](sdk::options& o) { o.issuer.clear(); }));
  EXPECT_TRUE(bad([](sdk::options& o) { o.base_url = "mcp.example"; }));
  EXPECT_TRUE(bad([](sdk::options& o) { o.base_url = "ftp://mcp.example"; }));
  EXPECT_TRUE(bad([](sdk::options& o) { o.base_url = "https://mcp.example?x=1"; }));
  EXPECT_TRUE(bad([](sdk::options& o) { o.mcp_path = "mcp"; }));
  EXPECT_TRUE(bad([](sdk::options& o) { o.scopes = {"bad scope"}; }));
  EXPECT_TRUE(bad([](sdk::options& o) { o.allowed_algs = {}; }));
  EXPECT_TRUE(bad([](sdk::options& o) { o.leeway_seconds = -1; }));
  EXPECT_TRUE(bad([](sdk::options& o) { o.leeway_seconds = 301; }));
  EXPECT_TRUE(bad([](sdk::options& o) { o.dpop = sdk::dpop_mode::optional; o.dpop_algs = {}; }));
  EXPECT_TRUE(bad([](sdk::options& o) { o.dpop_max_age_seconds = 0; }));
  EXPECT_TRUE(bad([](sdk::options& o) { o.jwks_refresh_seconds = 0; }));
  EXPECT_TRUE(bad([](sdk::options& o) { o.metadata_refresh_seconds = -5; }));
  EXPECT_TRUE(bad([](sdk::options& o) { o.jwks_refresh_cooldown_seconds = -1; }));
  EXPECT_TRUE(bad([](sdk::options& o) { o.replay_store_entries = 0; }));
  auto keys = std::make_shared<sdk::static_jwks_source>(jose::jwks{});
  auto o = base();
  o.issuer.clear();
  auto g = sdk::resource_guard::create(o, keys);
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error(), sdk::errc::invalid_options);
  EXPECT_FALSE(sdk::resource_guard::create(base(), nullptr));
}

TEST(Options, DevModeFromEnv) {
  for (const char* v : {"true", "TRUE", "1", "yes", "Yes"}) {
    ::setenv("AUTHPLANE_DEV_MODE", v, 1);
    EXPECT_TRUE(sdk::dev_mode_from_env()) << v;
  }
  for (const char* v : {"false", "0", "on", ""}) {
    ::setenv("AUTHPLANE_DEV_MODE", v, 1);
    EXPECT_FALSE(sdk::dev_mode_from_env()) << v;
  }
  ::unsetenv("AUTHPLANE_DEV_MODE");
  EXPECT_FALSE(sdk::dev_mode_from_env());
}

TEST(Prm, DocumentExactJson) {
  EXPECT_EQ(sdk::prm_json(base()),
            R"({"resource":"https://mcp.example/mcp","authorization_servers":["https://as.example"],)"
            R"("scopes_supported":["mcp:echo"],"bearer_methods_supported":["header"]})");
}

TEST(Prm, ScopesAlwaysPresentAndNameOptional) {
  auto o = base();
  o.scopes.clear();
  EXPECT_EQ(sdk::prm_json(o),
            R"({"resource":"https://mcp.example/mcp","authorization_servers":["https://as.example"],)"
            R"("scopes_supported":[],"bearer_methods_supported":["header"]})");
  o.scopes = {"mcp:echo"};
  o.extra_scopes_supported = {"mcp:admin", "mcp:echo"};
  o.resource_name = "Demo";
  EXPECT_EQ(sdk::prm_json(o),
            R"({"resource":"https://mcp.example/mcp","authorization_servers":["https://as.example"],)"
            R"("scopes_supported":["mcp:echo","mcp:admin"],"bearer_methods_supported":["header"],)"
            R"("resource_name":"Demo"})");
}

TEST(Prm, DpopFieldsWhenEnabled) {
  auto o = base();
  o.dpop = sdk::dpop_mode::optional;
  EXPECT_EQ(sdk::prm_json(o),
            R"({"resource":"https://mcp.example/mcp","authorization_servers":["https://as.example"],)"
            R"("scopes_supported":["mcp:echo"],"bearer_methods_supported":["header"],)"
            R"("dpop_signing_alg_values_supported":["ES256","RS256"],"dpop_bound_access_tokens_required":false})");
  o.dpop = sdk::dpop_mode::required;
  o.dpop_algs = {jose::alg::ES256};
  EXPECT_EQ(sdk::prm_json(o),
            R"({"resource":"https://mcp.example/mcp","authorization_servers":["https://as.example"],)"
            R"("scopes_supported":["mcp:echo"],"bearer_methods_supported":["header"],)"
            R"("dpop_signing_alg_values_supported":["ES256"],"dpop_bound_access_tokens_required":true})");
}

TEST(Prm, WellKnownPath) {
  EXPECT_EQ(sdk::prm_path("https://api.example.com"), "/.well-known/oauth-protected-resource");
  EXPECT_EQ(sdk::prm_path("https://api.example.com/"), "/.well-known/oauth-protected-resource");
  EXPECT_EQ(sdk::prm_path("https://api.example.com/mcp"), "/.well-known/oauth-protected-resource/mcp");
  EXPECT_EQ(sdk::prm_path("https://api.example.com/mcp/"), "/.well-known/oauth-protected-resource/mcp");
  EXPECT_EQ(sdk::prm_path("https://api.example.com/v2/mcp?x=1#f"), "/.well-known/oauth-protected-resource/v2/mcp");
  EXPECT_EQ(sdk::prm_url("http://localhost:8080/mcp"),
            "http://localhost:8080/.well-known/oauth-protected-resource/mcp");
  EXPECT_EQ(sdk::url_origin("https://a.example:8443/x?y"), "https://a.example:8443");
}

TEST(Challenge, ParameterOrderAndSanitizing) {
  auto o = base();
  o.realm = "r\"1";
  EXPECT_EQ(sdk::www_authenticate(o, prm, errc::token_expired, "a\r\n\"b\\c", {}),
            "Bearer realm=\"r 1\", error=\"invalid_token\", error_description=\"a b c\", scope=\"mcp:echo\", " + rm);
  EXPECT_EQ(sdk::www_authenticate(o, prm, errc::insufficient_scope, "d", {"x", "y"}),
            "Bearer realm=\"r 1\", error=\"insufficient_scope\", error_description=\"d\", scope=\"x y\", " + rm);
  o.dpop = sdk::dpop_mode::required;
  EXPECT_EQ(sdk::www_authenticate(o, prm, errc::dpop_replay, "z", {}),
            "Bearer realm=\"r 1\", scope=\"mcp:echo\", " + rm +
                ", DPoP realm=\"r 1\", error=\"invalid_token\", error_description=\"z\", algs=\"ES256 RS256\"");
}

TEST(Replay, FirstUseThenReplay) {
  sdk::memory_replay_store s(1000);
  EXPECT_TRUE(s.check_and_store("k:j1", t0 + 330, t0));
  EXPECT_FALSE(s.check_and_store("k:j1", t0 + 330, t0 + 100));
  EXPECT_TRUE(s.check_and_store("k:j2", t0 + 330, t0));
  // Once expired, the entry no longer blocks (and is replaced).
  EXPECT_TRUE(s.check_and_store("k:j1", t0 + 700, t0 + 331));
}

TEST(Replay, BoundedAndEvictsExpired) {
  sdk::memory_replay_store s(160);  // 10 per shard
  for (int i = 0; i < 5000; ++i) EXPECT_TRUE(s.check_and_store("j" + std::to_string(i), t0 + 10 + i, t0));
  EXPECT_LE(s.size(), 160u);
  // The most recent entries are kept (the earliest-expiring ones went first).
  EXPECT_FALSE(s.check_and_store("j4999", t0 + 10, t0));
}

TEST(Replay, AtomicUnderConcurrency) {
  sdk::memory_replay_store s;
  std::atomic<int> wins{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < 8; ++i)
    ts.emplace_back([&] {
      for (int k = 0; k < 200; ++k)
        if (s.check_and_store("jti-" + std::to_string(k), t0 + 300, t0)) ++wins;
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(wins, 200);
}

TEST(TokenCache, BoundedLruAndExpiry) {
  sdk::token_cache c(2);
  auto mk = [](std::int64_t exp) {
    auto v = std::make_shared<sdk::verified_claims>();
    v->expires_at = exp;
    return std::shared_ptr<const sdk::verified_claims>(v);
  };
  c.insert("a", mk(t0 + 10), t0);
  c.insert("b", mk(t0 + 10), t0);
  EXPECT_TRUE(c.find("a", t0));  // a becomes most recent
  c.insert("c", mk(t0 + 10), t0);
  EXPECT_EQ(c.size(), 2u);
  EXPECT_FALSE(c.find("b", t0));
  EXPECT_TRUE(c.find("a", t0));
  EXPECT_TRUE(c.find("c", t0 + 9));
  EXPECT_FALSE(c.find("c", t0 + 10));
  c.insert("d", mk(t0), t0);  // already expired: not stored
  EXPECT_FALSE(c.find("d", t0 - 1));
}

namespace {
struct fake_fetcher final : sdk::document_fetcher {
  std::string body;
  bool fail = false;
  int calls = 0;
  result<sdk::fetched_document> get(std::string_view url) override {
    ++calls;
    EXPECT_EQ(url, "https://as.example/jwks");
    if (fail) return error_code(boost::system::errc::make_error_code(boost::system::errc::timed_out));
    return sdk::fetched_document{200, {}, body};
  }
};
std::string jwks_text(std::initializer_list<jose::jwk> ks) {
  jose::jwks s;
  for (const auto& k : ks) s.keys.push_back(k);
  return jose::serialize_jwks(s);
}
}  // namespace

TEST(FetchingKeys, TtlAndStaleOnError) {
  auto clk = std::make_shared<manual_clock>(t0);
  auto f = std::make_shared<fake_fetcher>();
  f->body = jwks_text({public_jwk("ES256", "k1")});
  sdk::fetching_jwks_source src(f, "https://as.example/jwks", {.refresh_seconds = 300, .cooldown_seconds = 10}, clk);
  ASSERT_TRUE(src.current());
  EXPECT_EQ(f->calls, 1);
  clk->advance(299);
  src.current();
  EXPECT_EQ(f->calls, 1);
  clk->advance(1);
  f->fail = true;
  auto stale = src.current();
  EXPECT_EQ(f->calls, 2);
  ASSERT_TRUE(stale);
  EXPECT_TRUE(stale->find("k1"));
}

TEST(FetchingKeys, NoKeysYieldsNull) {
  auto clk = std::make_shared<manual_clock>(t0);
  auto f = std::make_shared<fake_fetcher>();
  f->fail = true;
  sdk::fetching_jwks_source src(f, "https://as.example/jwks", {}, clk);
  EXPECT_FALSE(src.current());
  EXPECT_FALSE(src.current());
  EXPECT_EQ(f->calls, 1);  // no retry storm inside the cooldown
  clk->advance(10);
  EXPECT_FALSE(src.current());
  EXPECT_EQ(f->calls, 2);
}

TEST(FetchingKeys, UnknownKidRefreshHonoursCooldown) {
  auto clk = std::make_shared<manual_clock>(t0);
  auto f = std::make_shared<fake_fetcher>();
  f->body = jwks_text({public_jwk("ES256", "k1")});
  auto src = std::make_shared<sdk::fetching_jwks_source>(
      f, "https://as.example/jwks", sdk::jwks_cache_settings{.refresh_seconds = 300, .cooldown_seconds = 10}, clk);
  auto g = *sdk::resource_guard::create(base(), src, nullptr, clk);
  std::string unknown = mint(good_claims(), "k9");
  EXPECT_EQ(g->check("GET", resource, auth("Bearer " + unknown)).denied.code, errc::unknown_kid);
  EXPECT_EQ(f->calls, 2);  // initial load + one forced refresh
  EXPECT_EQ(g->check("GET", resource, auth("Bearer " + unknown)).denied.code, errc::unknown_kid);
  EXPECT_EQ(f->calls, 2);  // inside the cooldown: no fetch
  clk->advance(10);
  // The key was published meanwhile: the next forced refresh finds it.
  f->body = jwks_text({public_jwk("ES256", "k1"), public_jwk("ES256b", "k9")});
  std::string rotated = mint(good_claims(t0 + 10), "k9", "at+jwt", "ES256b");
  EXPECT_TRUE(g->check("GET", resource, auth("Bearer " + rotated)));
  EXPECT_EQ(f->calls, 3);
}
