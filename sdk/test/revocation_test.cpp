// Revocation checks on the guard (checklist 51-54) and runtime failures (49).
#include <authplane/sdk/client.hpp>

#include "helpers.hpp"

#include <stdexcept>

using namespace sdktest;
using sdk::errc;

namespace {

const std::string revoked_prod = "Bearer error=\"invalid_token\", error_description=\"Invalid access token\", "
                                 "scope=\"mcp:echo\", " + rm;

// An introspection endpoint answered in memory: records what was posted.
struct fake_introspection {
  int status = 200;
  std::string body = R"({"active":true})";
  std::shared_ptr<int> calls = std::make_shared<int>(0);
  std::shared_ptr<std::string> last_body = std::make_shared<std::string>();
  std::shared_ptr<std::string> last_auth = std::make_shared<std::string>();

  std::shared_ptr<sdk::oauth_client> client(bool with_endpoint = true) {
    sdk::client_config c;
    if (with_endpoint) c.endpoints.introspection_endpoint = "https://as.example/oauth/introspect";
    c.client_id = "rs";
    c.client_secret = "rs-secret";
    auto t = [this](std::string_view, std::string_view, const http::header_list& h,
                    std::string_view b) -> result<http::client_response> {
      ++*calls;
      *last_body = std::string(b);
      *last_auth = std::string(h.get("Authorization").value_or(""));
      return http::client_response{status, {}, body};
    };
    return *sdk::oauth_client::create(c, t);
  }
};

struct Revocation : Guard {
  fake_introspection as;
  void use_introspection(bool with_endpoint = true) {
    opts.revocation = sdk::introspection_revocation_checker(as.client(with_endpoint));
  }
};

}  // namespace

TEST_F(Revocation, NoCheckerMakesNoCall) {
  as.client();  // built but not wired
  EXPECT_TRUE(check_token(mint(good_claims())));
  EXPECT_EQ(*as.calls, 0);
}

TEST_F(Revocation, IntrospectionPostsRawTokenWithHint) {
  use_introspection();
  const std::string t = mint(good_claims());
  EXPECT_TRUE(check_token(t));
  EXPECT_EQ(*as.calls, 1);
  EXPECT_EQ(*as.last_body, "token=" + http::url_encode(t) + "&token_type_hint=access_token");
  EXPECT_EQ(*as.last_auth, "Basic " + base64_encode("rs:rs-secret"));
}

TEST_F(Revocation, InactiveTokenRefused) {
  as.body = R"({"active":false})";
  use_introspection();
  EXPECT_DENIED(check_token(mint(good_claims())), 401, errc::token_revoked, revoked_prod);
}

TEST_F(Revocation, InactiveTokenDevNamesJti) {
  as.body = R"({"active":false})";
  opts.dev_mode = true;
  use_introspection();
  auto o = check_token(mint(good_claims()));
  ASSERT_FALSE(o);
  EXPECT_EQ(o.denied.code, errc::token_revoked);
  EXPECT_EQ(o.denied.description, "Token 'jti-1' is revoked");
}

TEST_F(Revocation, CachedTokenIsCheckedOnEveryRequest) {
  use_introspection();
  const std::string t = mint(good_claims());
  EXPECT_TRUE(check_token(t));
  as.body = R"({"active":false})";
  EXPECT_DENIED(check_token(t), 401, errc::token_revoked, revoked_prod);
  EXPECT_EQ(g().counters().cache_hits, 1u);
  EXPECT_EQ(*as.calls, 2);
}

TEST_F(Revocation, FailClosedIsTheDefault) {
  EXPECT_TRUE(sdk::options{}.revocation_fail_closed);
  as.status = 500;
  as.body = R"({"error":"server_error"})";
  use_introspection();
  EXPECT_DENIED(check_token(mint(good_claims())), 401, errc::token_revoked, revoked_prod);
}

TEST_F(Revocation, FailClosedRefusesEveryKindOfFailure) {
  opts.dev_mode = true;
  const std::string failed = "Token 'jti-1' rejected: revocation check failed";
  use_introspection(false);  // no introspection_endpoint
  EXPECT_EQ(check_token(mint(good_claims())).denied.description, failed);
  guard.reset();
  opts.revocation = [](const sdk::verified_claims&, std::string_view) -> result<bool> {
    throw std::runtime_error("checker bug");
  };
  EXPECT_EQ(check_token(mint(good_claims())).denied.code, errc::token_revoked);
  guard.reset();
  opts.revocation = [](const sdk::verified_claims&, std::string_view) -> result<bool> {
    return result<bool>(boost::system::in_place_error, sdk::client_errc::circuit_open);
  };
  EXPECT_EQ(check_token(mint(good_claims())).denied.description, failed);
}

TEST_F(Revocation, FailOpenAcceptsWhenTheCheckFails) {
  opts.revocation_fail_closed = false;
  as.status = 503;
  use_introspection();
  EXPECT_TRUE(check_token(mint(good_claims())));
  guard.reset();
  use_introspection(false);
  EXPECT_TRUE(check_token(mint(good_claims())));
  guard.reset();
  opts.revocation = [](const sdk::verified_claims&, std::string_view) -> result<bool> { throw 42; };
  EXPECT_TRUE(check_token(mint(good_claims())));
}

TEST_F(Revocation, FailOpenStillRefusesRevokedTokens) {
  opts.revocation_fail_closed = false;
  as.body = R"({"active":false})";
  use_introspection();
  EXPECT_EQ(check_token(mint(good_claims())).denied.code, errc::token_revoked);
}

TEST_F(Revocation, OpenBreakerCountsAsFailedCheck) {
  as.status = 500;
  auto c = as.client();
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(c->introspect("x"));
  ASSERT_EQ(c->circuit(), sdk::breaker_state::open);
  opts.revocation = sdk::introspection_revocation_checker(c);
  opts.dev_mode = true;
  EXPECT_EQ(check_token(mint(good_claims())).denied.description, "Token 'jti-1' rejected: revocation check failed");
  EXPECT_EQ(*as.calls, 5);
}

TEST_F(Revocation, NotConsultedWhenSignatureFails) {
  use_introspection();
  // Signed by a key that is not published, under the published kid.
  EXPECT_EQ(check_token(mint(good_claims(), "k1", "at+jwt", "ES256x")).denied.code, errc::signature_invalid);
  auto expired = good_claims(t0 - 1000);
  EXPECT_EQ(check_token(mint(expired)).denied.code, errc::token_expired);
  EXPECT_EQ(*as.calls, 0);
}

TEST_F(Revocation, CheckerSeesTheVerifiedClaims) {
  std::string seen_jti, seen_token;
  opts.revocation = [&](const sdk::verified_claims& c, std::string_view raw) -> result<bool> {
    seen_jti = c.jti;
    seen_token = std::string(raw);
    return c.jti == "jti-revoked";
  };
  const std::string t = mint(good_claims());
  EXPECT_TRUE(check_token(t));
  EXPECT_EQ(seen_jti, "jti-1");
  EXPECT_EQ(seen_token, t);
  auto c = good_claims();
  c["jti"] = "jti-revoked";
  EXPECT_EQ(check_token(mint(c)).denied.code, errc::token_revoked);
}

// ---- 49: an exception inside the guard is a 500, never an authentication failure

namespace {
struct throwing_source final : sdk::jwks_source {
  sdk::key_set current() override { throw std::runtime_error("key store bug"); }
  sdk::key_set refresh_for_unknown_kid(std::string_view) override { throw std::runtime_error("key store bug"); }
};
}  // namespace

TEST_F(Guard, ThrowingKeySourceIsRuntimeFailure500) {
  auto g = *sdk::resource_guard::create(opts, std::make_shared<throwing_source>(), nullptr, clk);
  auto o = g->check("POST", resource, auth("Bearer " + mint(good_claims())));
  ASSERT_FALSE(o);
  EXPECT_EQ(o.denied.code, errc::verifier_failure);
  EXPECT_EQ(o.denied.status, 500);
  EXPECT_EQ(o.denied.body, R"({"error":"server_error","error_description":"Verifier runtime failure"})");
  EXPECT_FALSE(o.denied.headers.get("WWW-Authenticate"));
  EXPECT_EQ(g->verify_token(mint(good_claims())).error(), errc::verifier_failure);
}

TEST_F(Guard, ThrowingReplayStoreIsRuntimeFailure500) {
  struct bad_store final : sdk::replay_store {
    bool check_and_store(std::string_view, std::int64_t, std::int64_t) override { throw std::bad_alloc(); }
  };
  opts.dpop = sdk::dpop_mode::optional;
  auto g = *sdk::resource_guard::create(opts, keys, std::make_shared<bad_store>(), clk);
  auto c = good_claims();
  c["cnf"] = json::object{{"jkt", jkt_of("ES256d")}};
  const std::string t = mint(c);
  http::header_list h = auth("DPoP " + t);
  h.add("DPoP", proof("POST", resource, t));
  auto o = g->check("POST", resource, h);
  ASSERT_FALSE(o);
  EXPECT_EQ(o.denied.code, errc::verifier_failure);
  EXPECT_EQ(o.denied.status, 500);
}
