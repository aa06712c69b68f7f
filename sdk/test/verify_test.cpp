// Token verification and challenges (checklist items 25-27, 32-47, 81-87, 95).
#include "helpers.hpp"

#include <thread>

using namespace sdktest;
using sdk::errc;

namespace {
const std::string invalid_prod = "Bearer error=\"invalid_token\", error_description=\"Invalid access token\", "
                                 "scope=\"mcp:echo\", " + rm;
std::string invalid_dev(const std::string& desc) {
  return "Bearer error=\"invalid_token\", error_description=\"" + desc + "\", scope=\"mcp:echo\", " + rm;
}
}  // namespace

TEST_F(Guard, GoodTokenAllowed) {
  auto o = check_token(mint(good_claims()));
  ASSERT_TRUE(o) << o.denied.description;
  EXPECT_EQ(o.allowed->claims->subject, "user-1");
  EXPECT_EQ(o.allowed->claims->client_id, "cli-1");
  EXPECT_EQ(o.allowed->claims->issuer, issuer);
  EXPECT_EQ(o.allowed->claims->audience, std::vector<std::string>{resource});
  EXPECT_EQ(o.allowed->claims->scopes, (std::vector<std::string>{"mcp:echo", "mcp:read"}));
  EXPECT_EQ(o.allowed->claims->kid, "k1");
  EXPECT_EQ(o.allowed->claims->expires_at, t0 + 300);
  EXPECT_EQ(o.allowed->claims->not_before, 0);
  EXPECT_FALSE(o.allowed->dpop);
}

TEST_F(Guard, RsaTokenAndAudienceArrayAllowed) {
  auto c = good_claims();
  c["aud"] = json::array{"https://other.example", resource};
  auto o = check_token(mint(c, "k2", "at+jwt", "RS256", jose::alg::RS256));
  ASSERT_TRUE(o) << o.denied.description;
  EXPECT_EQ(o.allowed->claims->audience.size(), 2u);
}

TEST_F(Guard, SchemeIsCaseInsensitive) {
  std::string t = mint(good_claims());
  EXPECT_TRUE(check(auth("bearer " + t)));
  EXPECT_TRUE(check(auth("BEARER " + t)));
}

TEST_F(Guard, MissingHeaderGetsChallengeWithoutErrorCode) {
  auto o = check({});
  EXPECT_DENIED(o, 401, errc::token_missing, "Bearer scope=\"mcp:echo\", " + rm);
  EXPECT_EQ(o.denied.body, R"({"error":"invalid_token","error_description":"Missing Authorization header"})");
  EXPECT_EQ(*o.denied.headers.get("Content-Type"), "application/json");
  EXPECT_EQ(*o.denied.headers.get("Cache-Control"), "no-store");
}

TEST_F(Guard, OtherSchemeCountsAsMissing) {
  EXPECT_DENIED(check(auth("Basic dXNlcjpwYXNz")), 401, errc::token_missing, "Bearer scope=\"mcp:echo\", " + rm);
}

TEST_F(Guard, TwoAuthorizationHeadersRefused) {
  std::string t = mint(good_claims());
  http::header_list h = auth("Bearer " + t);
  h.add("authorization", "Bearer " + t);
  EXPECT_DENIED(check(h), 400, errc::invalid_request,
                "Bearer error=\"invalid_request\", error_description=\"Multiple Authorization headers\", "
                "scope=\"mcp:echo\", " + rm);
}

// Checklist 26: tab, double space, missing token or extra fields count as no token at all.
TEST_F(Guard, MalformedCredentialsCountAsMissing) {
  std::string t = mint(good_claims());
  for (std::string v : {std::string("Bearer"), std::string("Bearer "), "Bearer  " + t, "Bearer\t" + t,
                        "Bearer " + t + " extra"}) {
    SCOPED_TRACE(v);
    auto o = check(auth(v));
    EXPECT_DENIED(o, 401, errc::token_missing, "Bearer scope=\"mcp:echo\", " + rm);
    EXPECT_EQ(o.denied.body,
              R"({"error":"invalid_token","error_description":"Invalid Authorization header format, expected 'Bearer TOKEN' or 'DPoP TOKEN'"})");
  }
}

TEST_F(Guard, ExpiredTokenProduction) {
  auto c = good_claims(t0 - 1000);
  auto o = check_token(mint(c));
  EXPECT_DENIED(o, 401, errc::token_expired,
                "Bearer error=\"invalid_token\", error_description=\"The access token has expired\", "
                "scope=\"mcp:echo\", " + rm);
  EXPECT_EQ(o.denied.body, R"({"error":"invalid_token","error_description":"The access token has expired"})");
}

TEST_F(Guard, ExpiredTokenDevNamesTimes) {
  opts.dev_mode = true;
  auto c = good_claims();
  c["exp"] = t0 - 31;
  EXPECT_DENIED(check_token(mint(c)), 401, errc::token_expired,
                invalid_dev("Token has expired (exp=1699999969, now=1700000000, leeway=30s)"));
}

TEST_F(Guard, ExpiryLeeway) {
  auto c = good_claims();
  c["exp"] = t0 - 5;
  EXPECT_TRUE(check_token(mint(c)));
  guard_env other;
  other.opts.leeway_seconds = 0;
  EXPECT_DENIED(other.check_token(mint(c)), 401, errc::token_expired,
                "Bearer error=\"invalid_token\", error_description=\"The access token has expired\", "
                "scope=\"mcp:echo\", " + rm);
}

TEST_F(Guard, NotBeforeInFuture) {
  opts.dev_mode = true;
  auto c = good_claims();
  c["nbf"] = t0 + 31;
  EXPECT_DENIED(check_token(mint(c)), 401, errc::token_not_yet_valid,
                invalid_dev("Token 'nbf' claim is in the future (nbf=1700000031, now=1700000000, leeway=30s)"));
  c["nbf"] = t0 + 30;
  auto o = check_token(mint(c));
  ASSERT_TRUE(o);
  EXPECT_EQ(o.allowed->claims->not_before, t0 + 30);
}

TEST_F(Guard, IssuedInFuture) {
  auto c = good_claims();
  c["iat"] = t0 + 31;
  EXPECT_DENIED(check_token(mint(c)), 401, errc::token_issued_in_future, invalid_prod);
  c["iat"] = t0 + 30;
  EXPECT_TRUE(check_token(mint(c)));
}

TEST_F(Guard, WrongAudienceProduction) {
  auto c = good_claims();
  c["aud"] = "https://mcp.example/mcp/";
  EXPECT_DENIED(check_token(mint(c)), 401, errc::audience_mismatch, invalid_prod);
}

TEST_F(Guard, WrongAudienceDevNamesBoth) {
  opts.dev_mode = true;
  auto c = good_claims();
  c["aud"] = "https://mcp.example/mcp/";
  EXPECT_DENIED(check_token(mint(c)), 401, errc::audience_mismatch,
                invalid_dev("Token audience 'https://mcp.example/mcp/' does not contain the resource "
                            "'https://mcp.example/mcp'"));
}

TEST_F(Guard, WrongIssuer) {
  auto c = good_claims();
  c["iss"] = "https://as.example/";
  EXPECT_DENIED(check_token(mint(c)), 401, errc::issuer_mismatch, invalid_prod);
  guard_env dev;
  dev.opts.dev_mode = true;
  EXPECT_DENIED(dev.check_token(mint(c)), 401, errc::issuer_mismatch,
                invalid_dev("Token issuer 'https://as.example/' does not match the expected issuer "
                            "'https://as.example'"));
}

TEST_F(Guard, IssuerWithTrailingSlashKeptVerbatim) {
  opts.issuer = "https://as.example/";
  auto c = good_claims();
  c["iss"] = "https://as.example/";
  EXPECT_TRUE(check_token(mint(c)));
}

TEST_F(Guard, WrongTyp) {
  opts.dev_mode = true;
  EXPECT_DENIED(check_token(mint(good_claims(), "k1", "JWT")), 401, errc::typ_mismatch,
                invalid_dev("Token type must be 'at+jwt', got 'JWT'"));
  EXPECT_DENIED(check_token(mint(good_claims(), "k1", "application/at+jwt")), 401, errc::typ_mismatch,
                invalid_dev("Token type must be 'at+jwt', got 'application/at+jwt'"));
  EXPECT_DENIED(check_token(mint(good_claims(), "k1", "")), 401, errc::typ_mismatch,
                invalid_dev("Token type must be 'at+jwt', got ''"));
}

TEST_F(Guard, WrongTypProductionIsGeneric) {
  EXPECT_DENIED(check_token(mint(good_claims(), "k1", "JWT")), 401, errc::typ_mismatch, invalid_prod);
}

TEST_F(Guard, KidMissingNoKeyLookup) {
  opts.dev_mode = true;
  EXPECT_DENIED(check_token(mint(good_claims(), "")), 401, errc::kid_missing,
                invalid_dev("Token header missing 'kid' field"));
  EXPECT_EQ(keys->current_calls, 0);
  EXPECT_EQ(keys->refresh_calls, 0);
}

TEST_F(Guard, UnknownKidOneRefreshThenDeny) {
  opts.dev_mode = true;
  EXPECT_DENIED(check_token(mint(good_claims(), "k9")), 401, errc::unknown_kid,
                invalid_dev("Token kid 'k9' not found in JWKS after refresh"));
  EXPECT_EQ(keys->refresh_calls, 1);
}

TEST_F(Guard, UnknownKidProductionIsGeneric) {
  EXPECT_DENIED(check_token(mint(good_claims(), "k9")), 401, errc::unknown_kid, invalid_prod);
}

TEST_F(Guard, UnknownKidRefreshFindsRotatedKey) {
  keys->next = set_of({public_jwk("ES256b", "k3")});
  auto o = check_token(mint(good_claims(), "k3", "at+jwt", "ES256b"));
  ASSERT_TRUE(o) << o.denied.description;
  EXPECT_EQ(keys->refresh_calls, 1);
}

TEST_F(Guard, KeySelectionSkipsUnfitKeys) {
  // A key with kid k1 but use=enc, or alg RS256, or key_ops without verify is never used.
  jose::jwk enc = public_jwk("ES256", "k5");
  enc.use = "enc";
  jose::jwk wrong_alg = public_jwk("ES256", "k6");
  wrong_alg.alg = "ES384";
  jose::jwk no_verify = public_jwk("ES256", "k7");
  no_verify.members["key_ops"] = json::array{"sign"};
  keys->keys = set_of({enc, wrong_alg, no_verify});
  for (std::string kid : {"k5", "k6", "k7"}) {
    SCOPED_TRACE(kid);
    EXPECT_DENIED(check_token(mint(good_claims(), kid)), 401, errc::unknown_kid, invalid_prod);
  }
}

TEST_F(Guard, TamperedSignature) {
  opts.dev_mode = true;
  std::string t = mint(good_claims());
  t[t.size() - 5] = t[t.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_DENIED(check_token(t), 401, errc::signature_invalid, invalid_dev("Token signature verification failed"));
  // A payload swapped under a valid signature fails the same way.
  std::string other = mint(good_claims());
  auto c = good_claims();
  c["scope"] = "mcp:echo mcp:admin";
  std::string forged = mint(c);
  std::string spliced = forged.substr(0, forged.rfind('.')) + other.substr(other.rfind('.'));
  EXPECT_DENIED(check_token(spliced), 401, errc::signature_invalid,
                invalid_dev("Token signature verification failed"));
}

TEST_F(Guard, SignedByUnpublishedKeyWithKnownKid) {
  EXPECT_DENIED(check_token(mint(good_claims(), "k1", "at+jwt", "ES256b")), 401, errc::signature_invalid,
                invalid_prod);
}

TEST_F(Guard, AlgNoneAndHmacRefused) {
  opts.dev_mode = true;
  std::string payload = json::serialize(good_claims());
  EXPECT_DENIED(check_token(raw_token(R"({"alg":"none","typ":"at+jwt","kid":"k1"})", payload, "")), 401,
                errc::alg_not_allowed,
                invalid_dev("Token algorithm 'none' is not in the allowed list: [ES256, RS256]"));
  EXPECT_DENIED(check_token(raw_token(R"({"alg":"HS256","typ":"at+jwt","kid":"k1"})", payload, "mac")), 401,
                errc::alg_not_allowed,
                invalid_dev("Token algorithm 'HS256' is not in the allowed list: [ES256, RS256]"));
}

TEST_F(Guard, AlgOutsideAllowList) {
  keys->keys = set_of({public_jwk("ES384", "k4")});
  std::string t = mint(good_claims(), "k4", "at+jwt", "ES384", jose::alg::ES384);
  EXPECT_DENIED(check_token(t), 401, errc::alg_not_allowed, invalid_prod);
  guard_env wide;
  wide.keys->keys = keys->keys;
  wide.opts.allowed_algs.insert(jose::alg::ES384);
  EXPECT_TRUE(wide.check_token(t));
}

TEST_F(Guard, MalformedToken) {
  opts.dev_mode = true;
  auto o = check_token("abc.def");
  ASSERT_FALSE(o);
  EXPECT_EQ(o.denied.code, errc::token_malformed);
  EXPECT_EQ(o.denied.status, 401);
  EXPECT_TRUE(o.denied.description.starts_with("Failed to decode token: ")) << o.denied.description;
}

TEST_F(Guard, EachRequiredClaimMissing) {
  opts.dev_mode = true;
  for (std::string claim : {"iss", "aud", "sub", "client_id", "exp", "iat", "jti"}) {
    SCOPED_TRACE(claim);
    auto c = good_claims();
    c.erase(claim);
    EXPECT_DENIED(check_token(mint(c)), 401, errc::claim_missing,
                  invalid_dev("Token is missing the required claim '" + claim + "'"));
  }
}

TEST_F(Guard, InsufficientScopeProduction) {
  auto o = check(auth("Bearer " + mint(good_claims())), {"mcp:admin"});
  EXPECT_DENIED(o, 403, errc::insufficient_scope,
                "Bearer error=\"insufficient_scope\", error_description=\"The access token lacks a required "
                "scope\", scope=\"mcp:echo mcp:admin\", " + rm);
  EXPECT_EQ(o.denied.body,
            R"({"error":"insufficient_scope","error_description":"The access token lacks a required scope"})");
}

TEST_F(Guard, InsufficientScopeDevNamesMissing) {
  opts.dev_mode = true;
  opts.scopes = {"mcp:echo", "mcp:admin", "mcp:write"};
  EXPECT_DENIED(check_token(mint(good_claims())), 403, errc::insufficient_scope,
                "Bearer error=\"insufficient_scope\", error_description=\"Token missing required scopes "
                "'mcp:admin', 'mcp:write'. Token has scopes: 'mcp:echo', 'mcp:read'\", "
                "scope=\"mcp:echo mcp:admin mcp:write\", " + rm);
  auto c = good_claims();
  c.erase("scope");
  guard_env one;
  one.opts.dev_mode = true;
  EXPECT_DENIED(one.check_token(mint(c)), 403, errc::insufficient_scope,
                "Bearer error=\"insufficient_scope\", error_description=\"Token missing required scope "
                "'mcp:echo'. Token has scopes: (none)\", scope=\"mcp:echo\", " + rm);
}

TEST_F(Guard, NoRequiredScopesOmitsScopeParam) {
  opts.scopes.clear();
  EXPECT_DENIED(check({}), 401, errc::token_missing, "Bearer " + rm);
  EXPECT_TRUE(check_token(mint(good_claims())));
}

TEST_F(Guard, RealmComesFirst) {
  opts.realm = "mcp";
  EXPECT_DENIED(check_token(mint(good_claims(), "k1", "JWT")), 401, errc::typ_mismatch,
                "Bearer realm=\"mcp\", error=\"invalid_token\", error_description=\"Invalid access token\", "
                "scope=\"mcp:echo\", " + rm);
}

TEST_F(Guard, DescriptionsAreSanitized) {
  opts.dev_mode = true;
  auto c = good_claims();
  c["iss"] = "evil\"\r\n, error=\"x\\y";
  EXPECT_DENIED(check_token(mint(c)), 401, errc::issuer_mismatch,
                invalid_dev("Token issuer 'evil , error= x y' does not match the expected issuer "
                            "'https://as.example'"));
}

TEST_F(Guard, KeysUnavailable) {
  keys->keys = nullptr;
  EXPECT_DENIED(check_token(mint(good_claims())), 503, errc::keys_unavailable,
                "Bearer error=\"invalid_token\", error_description=\"No signing keys are available from the "
                "issuer\", scope=\"mcp:echo\", " + rm);
}

TEST_F(Guard, CacheHitSkipsKeysAndSignature) {
  std::string t = mint(good_claims());
  ASSERT_TRUE(check_token(t));
  EXPECT_EQ(g().counters().signature_checks, 1u);
  const int key_reads = keys->current_calls;
  auto o = check_token(t);
  ASSERT_TRUE(o);
  EXPECT_EQ(o.allowed->claims->subject, "user-1");
  EXPECT_EQ(g().counters().signature_checks, 1u);
  EXPECT_EQ(g().counters().cache_hits, 1u);
  EXPECT_EQ(keys->current_calls, key_reads);
  // Scopes are still enforced on a cache hit.
  EXPECT_DENIED(check(auth("Bearer " + t), {"mcp:admin"}), 403, errc::insufficient_scope,
                "Bearer error=\"insufficient_scope\", error_description=\"The access token lacks a required "
                "scope\", scope=\"mcp:echo mcp:admin\", " + rm);
}

TEST_F(Guard, CacheNeverServesPastExp) {
  std::string t = mint(good_claims());  // exp = t0 + 300
  ASSERT_TRUE(check_token(t));
  clk->set(t0 + 300);  // the cache entry is gone; full verification still accepts within leeway
  ASSERT_TRUE(check_token(t));
  EXPECT_EQ(g().counters().signature_checks, 2u);
  EXPECT_EQ(g().counters().cache_hits, 0u);
  clk->set(t0 + 330);
  EXPECT_DENIED(check_token(t), 401, errc::token_expired,
                "Bearer error=\"invalid_token\", error_description=\"The access token has expired\", "
                "scope=\"mcp:echo\", " + rm);
}

TEST_F(Guard, CacheDisabled) {
  opts.token_cache_entries = 0;
  std::string t = mint(good_claims());
  ASSERT_TRUE(check_token(t));
  ASSERT_TRUE(check_token(t));
  EXPECT_EQ(g().counters().signature_checks, 2u);
}

TEST_F(Guard, FailuresAreNotCached) {
  auto c = good_claims();
  c["aud"] = "https://elsewhere.example";
  std::string t = mint(c);
  EXPECT_FALSE(check_token(t));
  EXPECT_FALSE(check_token(t));
  EXPECT_EQ(g().counters().signature_checks, 2u);
}

TEST_F(Guard, ConcurrentChecksShareTheCache) {
  std::vector<std::string> tokens;
  for (int i = 0; i < 4; ++i) {
    auto c = good_claims();
    c["jti"] = "jti-" + std::to_string(i);
    tokens.push_back(mint(c));
  }
  g();
  std::atomic<int> ok{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < 4; ++i)
    ts.emplace_back([&, i] {
      for (int k = 0; k < 50; ++k)
        if (check_token(tokens[(i + k) % 4])) ++ok;
    });
  for (auto& th : ts) th.join();
  EXPECT_EQ(ok, 200);
  EXPECT_LE(g().counters().signature_checks, 16u);  // at most one miss per token per thread
  EXPECT_EQ(g().counters().signature_checks + g().counters().cache_hits, 200u);
}

TEST_F(Guard, EmptyTokenIsMissing) {
  std::string detail;
  auto r = g().verify_token("  ", &detail);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::token_missing);
  EXPECT_EQ(detail, "No access token provided");
}

TEST_F(Guard, AlgMissingRefused) {
  opts.dev_mode = true;
  std::string payload = json::serialize(good_claims());
  EXPECT_DENIED(check_token(raw_token(R"({"typ":"at+jwt","kid":"k1"})", payload, "sig")), 401,
                errc::alg_not_allowed, invalid_dev("Token header missing 'alg' field"));
}

TEST_F(Guard, VerifyTokenDoesNotEnforceScopes) {
  opts.scopes = {"mcp:admin"};
  auto r = g().verify_token(mint(good_claims()));
  ASSERT_TRUE(r);
  EXPECT_FALSE((*r)->has_scope("mcp:admin"));
}

// check_claims(): the same verdicts as check(), without a principal; a cached token hands out
// the cache's own claims object.
TEST_F(Guard, CheckClaimsMatchesCheck) {
  const std::string t = mint(good_claims());
  auto full = check_token(t);
  ASSERT_TRUE(full) << full.denied.description;
  auto c = g().check_claims("POST", resource, auth("Bearer " + t));
  ASSERT_TRUE(c) << c.denied.description;
  EXPECT_EQ(c.claims, full.allowed->claims);  // the cached object, not a copy
  EXPECT_EQ(c.claims->subject, "user-1");

  auto expired = good_claims();
  expired["exp"] = t0 - 100;
  const std::vector<http::header_list> refused = {
      {}, auth("Basic dXNlcjpwYXNz"), auth("Bearer " + mint(expired)), auth("Bearer not.a.token")};
  for (const auto& h : refused) {
    auto o = check(h);
    auto k = g().check_claims("POST", resource, h);
    ASSERT_FALSE(o);
    ASSERT_FALSE(k);
    EXPECT_EQ(k.denied.status, o.denied.status);
    EXPECT_EQ(k.denied.code, o.denied.code);
    EXPECT_EQ(k.denied.body, o.denied.body);
    EXPECT_EQ(www(sdk::outcome{nullptr, k.denied}), www(o));
  }
  auto scoped = g().check_claims("POST", resource, auth("Bearer " + t), {"mcp:admin"});
  ASSERT_FALSE(scoped);
  EXPECT_EQ(scoped.denied.status, 403);
  EXPECT_EQ(scoped.denied.code, errc::insufficient_scope);
}
