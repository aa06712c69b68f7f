// authorization_code (PKCE) and refresh_token grants against in-memory fakes: exact wire errors,
// rotation, reuse detection and its cascade to access tokens, narrowing, DPoP binding.
#include <chrono>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <atomic>
#include <set>
#include <thread>
#include <variant>

#include "authplane/core/base64url.hpp"
#include "authplane/core/random.hpp"
#include "authplane/crypto/hash.hpp"
#include "authplane/services/codes.hpp"
#include "authplane/services/oauth.hpp"
#include "authplane/services/secrets.hpp"
#include "fakes.hpp"

using namespace authplane;
namespace json = boost::json;
using domain::oauth_errc;

namespace {
constexpr const char* kIssuer = "http://127.0.0.1:9000";
constexpr const char* kRes = "http://127.0.0.1:8080/mcp";
constexpr const char* kRedirect = "http://127.0.0.1:7777/cb";
constexpr std::int64_t kNow = 1'800'000'000;
// RFC 7636 Appendix B.
constexpr const char* kVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr const char* kChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

// Codes and families in memory, with the same atomicity the sqlite adapter gives (one mutex).
struct fake_code_refresh : ports::code_store, ports::refresh_store {
  std::mutex mu;
  fakes::fake_issuances* iss = nullptr;
  ports::user_store* users = nullptr;  // set: rotations check the family's user like the sqlite adapter
  std::map<std::string, ports::stored_code, std::less<>> codes;
  std::map<std::string, std::optional<std::int64_t>, std::less<>> replayed;
  std::map<std::string, ports::refresh_family, std::less<>> families;
  std::map<std::string, ports::refresh_token_row, std::less<>> tokens;
  std::map<std::string, std::string, std::less<>> links;  // jti -> family

  result<void> put_code(const ports::stored_code& c) override {
    std::lock_guard lk(mu);
    if (!codes.emplace(c.code_hash, c).second) return domain::errc::conflict;
    return {};
  }
  result<std::optional<ports::stored_code>> consume_code(std::string_view h, std::int64_t now) override {
    std::lock_guard lk(mu);
    auto it = codes.find(h);
    if (it == codes.end()) return std::optional<ports::stored_code>{};
    auto before = it->second;
    if (!it->second.consumed_at) it->second.consumed_at = now;
    return std::optional<ports::stored_code>{before};
  }
  result<void> create_family(const ports::refresh_family& f, const ports::refresh_token_row& first,
                             std::string_view jti) override {
    std::lock_guard lk(mu);
    auto& c = codes[f.code_hash];
    if (!c.family_id.empty()) return domain::errc::conflict;
    c.family_id = f.id;
    families[f.id] = f;
    if (auto it = replayed.find(f.code_hash); it != replayed.end()) families[f.id].revoked_at = it->second;
    if (!first.token_hash.empty()) tokens[first.token_hash] = first;
    links[std::string(jti)] = f.id;
    return {};
  }
  std::atomic<int> refresh_reads{0};
  result<std::optional<ports::refresh_lookup>> find_refresh(std::string_view h) override {
    std::lock_guard lk(mu);
    ++refresh_reads;
    auto it = tokens.find(h);
    if (it == tokens.end()) return std::optional<ports::refresh_lookup>{};
    return std::optional<ports::refresh_lookup>{ports::refresh_lookup{it->second, families[it->second.family_id]}};
  }
  result<std::optional<ports::refresh_family>> find_family(std::string_view id) override {
    std::lock_guard lk(mu);
    ++family_reads;
    auto it = families.find(id);
    if (it == families.end()) return std::optional<ports::refresh_family>{};
    return std::optional<ports::refresh_family>{it->second};
  }
  std::atomic<int> family_reads{0};
  result<ports::rotate_outcome> rotate_refresh(std::string_view old, const ports::refresh_token_row& next,
                                               std::string_view jti, std::int64_t now) override {
    std::lock_guard lk(mu);
    auto it = tokens.find(old);
    if (it == tokens.end() || it->second.family_id != next.family_id) return domain::errc::not_found;
    auto& t = it->second;
    if (now >= t.expires_at) return ports::rotate_outcome::expired;
    if (families[t.family_id].revoked_at) return ports::rotate_outcome::family_revoked;
    if (t.consumed_at) return ports::rotate_outcome::reused;
    if (users) {
      auto u = users->find_user(families[t.family_id].user_id);
      if (!u || !*u || !(*u)->is_active()) return ports::rotate_outcome::user_inactive;
    }
    t.consumed_at = now;
    tokens[next.token_hash] = next;
    links[std::string(jti)] = next.family_id;
    return ports::rotate_outcome::rotated;
  }
  // The companion writes fake_issuances runs before storing an issuance (the sqlite adapter runs
  // them in the issuance's transaction).
  std::atomic<int> rotations{0}, creations{0};
  result<ports::rotate_outcome> apply(const ports::issuance_companion& c, std::string_view jti) {
    if (const auto* r = std::get_if<ports::refresh_rotation>(&c)) {
      ++rotations;
      return rotate_refresh(r->old_hash, r->next, jti, r->now);
    }
    if (const auto* f = std::get_if<ports::family_creation>(&c)) {
      ++creations;
      if (auto r = create_family(f->family, f->first, jti); !r) return r.error();
    }
    return ports::rotate_outcome::rotated;
  }
  std::size_t revoke_locked(const std::string& fam, std::int64_t now) {
    auto& f = families[fam];
    if (!f.revoked_at) f.revoked_at = now;
    std::size_t n = 0;
    for (auto& [jti, fid] : links)
      if (fid == fam && iss->revoke_issuance(jti, now)) ++n;
    return n;
  }
  result<std::size_t> revoke_family(std::string_view fam, std::int64_t now, std::string_view) override {
    std::lock_guard lk(mu);
    return revoke_locked(std::string(fam), now);
  }
  result<std::size_t> revoke_code_redemption(std::string_view h, std::int64_t now) override {
    std::lock_guard lk(mu);
    replayed[std::string(h)] = now;
    auto fam = codes[std::string(h)].family_id;
    if (fam.empty()) return std::size_t{0};
    return revoke_locked(fam, now);
  }
  result<std::optional<ports::refresh_family>> family_of_access_token(std::string_view jti) override {
    std::lock_guard lk(mu);
    auto it = links.find(jti);
    if (it == links.end()) return std::optional<ports::refresh_family>{};
    return std::optional<ports::refresh_family>{families[it->second]};
  }
};

struct fake_users : ports::user_store {
  std::map<std::string, domain::user, std::less<>> rows;
  result<std::optional<domain::user>> find_user(std::string_view id) override {
    auto it = rows.find(id);
    if (it == rows.end()) return std::optional<domain::user>{};
    return std::optional<domain::user>{it->second};
  }
  result<std::optional<domain::user>> find_user_by_email(std::string_view) override { return std::optional<domain::user>{}; }
  result<void> create_user(const domain::user&) override { return {}; }
  result<void> update_user(const domain::user&) override { return {}; }
  result<std::vector<domain::user>> list_users(const ports::user_filter&, ports::list_page) override {
    return std::vector<domain::user>{};
  }
  result<void> delete_user(std::string_view id) override {
    rows.erase(std::string(id));
    return {};
  }
  result<std::size_t> count_active_user_tokens(std::string_view, std::int64_t) override { return std::size_t{0}; }
  result<std::size_t> end_user_sessions(std::string_view, std::int64_t) override { return std::size_t{0}; }
};

struct CodeRefresh : ::testing::Test {
  manual_clock clk{kNow};
  fakes::fake_clients clients;
  fakes::fake_resources resources;
  fakes::fake_issuances store;
  fakes::fake_keys key_store;
  fakes::fake_replay replay;
  fake_code_refresh cr;
  fake_users users;
  services::hmac_client_secrets secrets{"pepper-for-tests-0123456789"};
  services::signing_keys keys{key_store, "ES256", clk};
  services::resource_catalog catalog{resources};
  std::unique_ptr<services::oauth_service> svc;
  std::unique_ptr<services::code_issuer> codes;

  void SetUp() override {
    cr.iss = &store;
    cr.users = &users;
    store.companion_writer = [this](const ports::issuance_companion& c, std::string_view jti) { return cr.apply(c, jti); };
    ASSERT_TRUE(keys.init());
    domain::resource r;
    r.id = "res-1";
    r.slug = "demo";
    r.uri = kRes;
    r.scopes = {{"mcp:read", "", ""}, {"mcp:write", "", ""}};
    r.runtime_client_ids = {"web"};  // the introspecting resource server
    resources.rows.push_back(r);
    ASSERT_TRUE(catalog.refresh());
    add_client("app", "none", {"authorization_code", "refresh_token"});
    add_client("other-app", "none", {"authorization_code", "refresh_token"});
    add_client("code-only", "none", {"authorization_code"});
    add_client("web", "client_secret_basic", {"authorization_code", "refresh_token"});
    domain::user u;
    u.id = "user-1";
    u.email = "a@example.com";
    users.rows[u.id] = u;
    services::oauth_options o;
    o.issuer = kIssuer;
    services::oauth_deps d{clients, store, store, secrets, replay, catalog, keys, clk};
    d.codes = &cr;
    d.refresh = &cr;
    d.users = &users;
    svc = std::make_unique<services::oauth_service>(o, d);
    codes = std::make_unique<services::code_issuer>(cr, clk);
  }
  void add_client(const std::string& id, const std::string& method, std::vector<std::string> grants) {
    domain::client c;
    c.id = id;
    c.token_endpoint_auth_method = method;
    if (method != "none") c.secret_hash = secrets.hash("web-secret");
    c.grant_types = std::move(grants);
    c.redirect_uris = {kRedirect};
    clients.rows[id] = c;
  }
  std::string code_for(const std::string& client = "app", std::string scope = "mcp:read mcp:write") {
    ports::code_grant g{client, "user-1", kRedirect, kChallenge, std::move(scope), kRes, ""};
    auto c = codes->issue(g);
    EXPECT_TRUE(c);
    return c ? *c : std::string();
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
  ports::token_outcome redeem(const std::string& code, const std::string& client = "app",
                              std::string verifier = kVerifier, std::string redirect = kRedirect) {
    return token({{"grant_type", "authorization_code"}, {"code", code}, {"client_id", client},
                  {"redirect_uri", redirect}, {"code_verifier", verifier}});
  }
  ports::token_outcome refresh(const std::string& rt, const std::string& client = "app", std::string scope = {}) {
    ports::form_params f{{"grant_type", "refresh_token"}, {"refresh_token", rt}, {"client_id", client}};
    if (!scope.empty()) f.emplace_back("scope", scope);
    return token(std::move(f));
  }
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
  static std::string str(const json::object& o, std::string_view k) {
    auto* v = o.if_contains(k);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  }
  json::object claims_of(const std::string& token) {
    jose::jwt_check c;
    c.issuer = kIssuer;
    c.now = clk.now();
    auto v = jose::verify_jwt(token, keys.snapshot()->verify_keys, jose::alg_set::all(), c);
    EXPECT_TRUE(v);
    return v ? *v : json::object{};
  }
  bool active(const std::string& access, const std::string& as = "web") {
    ports::introspection_request r;
    r.form = {{"token", access}};
    r.auth.basic = std::make_pair(as, std::string("web-secret"));
    auto o = svc->introspect(r);
    auto b = body(o);
    return b.if_contains("active") && b["active"].as_bool();
  }
  std::string dpop_proof(const crypto::private_key& k, std::string jti) {
    json::object h{{"typ", "dpop+jwt"}, {"jwk", jose::to_json(jose::jwk_from_key(k.public_part(), "", ""))}};
    json::object p{{"jti", jti}, {"htm", "POST"}, {"htu", std::string(kIssuer) + "/oauth/token"}, {"iat", clk.now()}};
    return *jose::sign_compact(h, p, k, jose::alg::ES256);
  }
};
}  // namespace

TEST(Pkce, Rfc7636AppendixBVector) {
  EXPECT_TRUE(services::pkce_verify(kVerifier, kChallenge));
  EXPECT_FALSE(services::pkce_verify(kVerifier, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN"));
  EXPECT_FALSE(services::pkce_verify(std::string(kVerifier) + "x", kChallenge));
}

TEST(Pkce, VerifierLengthAndAlphabet) {
  EXPECT_FALSE(services::pkce_verifier_well_formed(std::string(42, 'a')));
  EXPECT_TRUE(services::pkce_verifier_well_formed(std::string(43, 'a')));
  EXPECT_TRUE(services::pkce_verifier_well_formed(std::string(128, '~')));
  EXPECT_FALSE(services::pkce_verifier_well_formed(std::string(129, 'a')));
  EXPECT_TRUE(services::pkce_verifier_well_formed("AZaz09-._~" + std::string(33, 'x')));
  EXPECT_FALSE(services::pkce_verifier_well_formed(std::string(42, 'a') + "+"));
  EXPECT_FALSE(services::pkce_verifier_well_formed(std::string(42, 'a') + "="));
  // A 43-char verifier made of a disallowed char never verifies, even against its own hash.
  std::string bad(43, '/');
  EXPECT_FALSE(services::pkce_verify(bad, base64url_encode(crypto::sha256(bad))));
}

TEST_F(CodeRefresh, IssueStoresOnlyTheHashWithTenMinuteExpiry) {
  auto code = code_for();
  EXPECT_EQ(code.size(), 43u);
  ASSERT_EQ(cr.codes.size(), 1u);
  const auto& [hash, row] = *cr.codes.begin();
  EXPECT_EQ(hash, base64url_encode(crypto::sha256(code)));
  EXPECT_NE(hash, code);
  EXPECT_EQ(row.expires_at, kNow + 600);
  EXPECT_EQ(row.grant.client_id, "app");
  EXPECT_FALSE(codes->issue(ports::code_grant{"app", "", kRedirect, kChallenge, "", "", ""}));
}

TEST_F(CodeRefresh, RedeemIssuesAudienceBoundUserTokenAndRefreshToken) {
  auto o = redeem(code_for());
  auto b = body(o);
  ASSERT_FALSE(b.empty()) << err(o).description;
  EXPECT_EQ(str(b, "token_type"), "Bearer");
  EXPECT_EQ(b["expires_in"], 900);
  EXPECT_EQ(str(b, "scope"), "mcp:read mcp:write");
  const std::string rt = str(b, "refresh_token");
  // 12 hex digits of the issue time (ms), the family id, then 32 random bytes.
  ASSERT_EQ(rt.size(), 77u);
  const auto ms = std::stoll(rt.substr(0, 12), nullptr, 16);
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_LE(ms, now_ms);
  EXPECT_GT(ms, now_ms - 60'000);
  ASSERT_EQ(cr.families.size(), 1u);
  EXPECT_EQ(rt.substr(12, 22), cr.families.begin()->first);
  auto c = claims_of(str(b, "access_token"));
  EXPECT_EQ(str(c, "sub"), "user-1");
  EXPECT_EQ(str(c, "client_id"), "app");
  EXPECT_EQ(c["aud"], (json::array{kRes}));
  // Only the hash of the refresh token is stored.
  EXPECT_EQ(cr.tokens.count(str(b, "refresh_token")), 0u);
  EXPECT_EQ(cr.tokens.count(rt.substr(0, 12) + base64url_encode(crypto::sha256(rt))), 1u);
  ASSERT_EQ(store.rows.size(), 1u);
  EXPECT_EQ(store.rows.begin()->second.subject_user_id, "user-1");
  EXPECT_EQ(store.rows.begin()->second.resource_id, "res-1");
  EXPECT_TRUE(active(str(b, "access_token"), "web"));
}

TEST(RefreshTokenKey, TimePrefixThenHashOfTheWholeTokenAndLegacyTokensByHashAlone) {
  const std::string fam = "AAAAAAAAAAAAAAAAAAAA_-";
  const std::string t = services::new_refresh_token(fam);
  ASSERT_EQ(t.size(), 77u);
  EXPECT_EQ(services::refresh_token_family(t), fam);
  EXPECT_EQ(services::refresh_token_key(t), t.substr(0, 12) + services::secret_hash(t));
  EXPECT_NE(services::new_refresh_token(fam), t);
  // Tokens issued before the prefix (43 chars) and anything not of the new shape: hash alone,
  // no family.
  const std::string legacy(43, 'a');
  EXPECT_EQ(services::refresh_token_key(legacy), services::secret_hash(legacy));
  EXPECT_EQ(services::refresh_token_family(legacy), "");
  for (std::string bad : {std::string("A") + t.substr(1), t + "x", t.substr(0, 76), t.substr(0, 40) + "." + t.substr(41),
                          std::string()}) {
    EXPECT_EQ(services::refresh_token_key(bad), services::secret_hash(bad)) << bad;
    EXPECT_EQ(services::refresh_token_family(bad), "") << bad;
  }
  // A family id that is not 22 base64url characters gets a plain 43-char token.
  EXPECT_EQ(services::new_refresh_token("short").size(), 43u);
  EXPECT_EQ(services::new_refresh_token(std::string(22, '.')).size(), 43u);
}

TEST_F(CodeRefresh, NoRefreshTokenWithoutTheGrant) {
  auto b = body(redeem(code_for("code-only"), "code-only"));
  ASSERT_FALSE(b.empty());
  EXPECT_FALSE(b.contains("refresh_token"));
}

TEST_F(CodeRefresh, CodeErrorsAreExact) {
  EXPECT_EQ(err(redeem("not-a-code")).description, "the authorization grant is invalid, expired, or revoked");
  auto e = err(redeem(code_for(), "app", std::string(43, 'z')));
  EXPECT_EQ(e.code, oauth_errc::invalid_grant);
  EXPECT_EQ(e.description, "PKCE verification failed");
  e = err(redeem(code_for(), "app", "short"));
  EXPECT_EQ(e.description, "PKCE verification failed");
  e = err(redeem(code_for(), "app", kVerifier, "http://127.0.0.1:7777/cb/"));
  EXPECT_EQ(e.code, oauth_errc::invalid_grant);
  EXPECT_EQ(e.description, "redirect_uri does not match client registration");
  e = err(redeem(code_for(), "other-app"));
  EXPECT_EQ(e.code, oauth_errc::invalid_grant);
  EXPECT_EQ(e.description, "the authorization grant is invalid, expired, or revoked");
  auto c = code_for();
  clk.advance(600);
  e = err(redeem(c));
  EXPECT_EQ(e.code, oauth_errc::invalid_grant);
  EXPECT_EQ(e.description, "the authorization grant is invalid, expired, or revoked");
  clk.set(kNow);
  e = err(token({{"grant_type", "authorization_code"}, {"code", code_for()}, {"client_id", "app"},
                 {"redirect_uri", kRedirect}, {"code_verifier", kVerifier}, {"resource", "http://elsewhere/"}}));
  EXPECT_EQ(e.code, oauth_errc::invalid_target);
  users.rows["user-1"].status = "disabled";
  e = err(redeem(code_for()));
  EXPECT_EQ(e.code, oauth_errc::invalid_grant);
}

TEST_F(CodeRefresh, ConfidentialClientMustAuthenticate) {
  auto c = code_for("web");
  auto e = err(token({{"grant_type", "authorization_code"}, {"code", c}, {"client_id", "web"}, {"redirect_uri", kRedirect},
                      {"code_verifier", kVerifier}}));
  EXPECT_EQ(e.code, oauth_errc::invalid_client);
  auto o = token({{"grant_type", "authorization_code"}, {"code", c}, {"redirect_uri", kRedirect}, {"code_verifier", kVerifier}},
                 std::make_pair(std::string("web"), std::string("web-secret")));
  // The failed unauthenticated attempt did not reach the code: it is still redeemable.
  EXPECT_FALSE(body(o).empty()) << err(o).description;
  // Public clients must not send a secret.
  e = err(token({{"grant_type", "authorization_code"}, {"code", code_for()}, {"client_id", "app"},
                 {"client_secret", "x"}, {"redirect_uri", kRedirect}, {"code_verifier", kVerifier}}));
  EXPECT_EQ(e.code, oauth_errc::invalid_client);
}

TEST_F(CodeRefresh, ReplayedCodeIsRefusedAndRevokesTheFirstRedemption) {
  auto c = code_for();
  auto first = body(redeem(c));
  ASSERT_FALSE(first.empty());
  auto at = str(first, "access_token");
  EXPECT_TRUE(active(at));
  auto e = err(redeem(c));
  EXPECT_EQ(e.code, oauth_errc::invalid_grant);
  EXPECT_EQ(e.description, "authorization code has already been used");
  EXPECT_FALSE(active(at));
  auto r = err(refresh(str(first, "refresh_token")));
  EXPECT_EQ(r.code, oauth_errc::invalid_grant);
  EXPECT_EQ(r.description, "token family revoked due to reuse detection");
}

TEST_F(CodeRefresh, ConcurrentDoubleRedeemYieldsExactlyOneSuccess) {
  for (int round = 0; round < 20; ++round) {
    auto c = code_for();
    std::atomic<int> ok{0}, used{0};
    std::mutex mu;
    std::string winner;
    std::vector<std::thread> ts;
    for (int i = 0; i < 4; ++i)
      ts.emplace_back([&] {
        auto o = redeem(c);
        if (std::holds_alternative<ports::endpoint_reply>(o)) {
          ++ok;
          std::lock_guard lk(mu);
          winner = str(body(o), "access_token");
        } else if (err(o).description == "authorization code has already been used") {
          ++used;
        }
      });
    for (auto& t : ts) t.join();
    EXPECT_EQ(ok.load(), 1);
    EXPECT_EQ(used.load(), 3);
    // The replays proved PKCE as the right client: what the winner got is revoked, whatever
    // the interleaving.
    EXPECT_FALSE(active(winner));
  }
}

TEST_F(CodeRefresh, RefreshRotatesOnEveryUse) {
  auto b = body(redeem(code_for()));
  auto rt1 = str(b, "refresh_token");
  auto o2 = refresh(rt1);
  auto b2 = body(o2);
  ASSERT_FALSE(b2.empty()) << err(o2).description;
  auto rt2 = str(b2, "refresh_token");
  EXPECT_NE(rt2, rt1);
  EXPECT_EQ(str(b2, "scope"), "mcp:read mcp:write");
  auto c = claims_of(str(b2, "access_token"));
  EXPECT_EQ(str(c, "sub"), "user-1");
  EXPECT_EQ(c["aud"], (json::array{kRes}));
  auto b3 = body(refresh(rt2));
  ASSERT_FALSE(b3.empty());
  EXPECT_NE(str(b3, "refresh_token"), rt2);
  EXPECT_TRUE(active(str(b3, "access_token")));
}

TEST_F(CodeRefresh, TokensNameTheirFamilyWhichIsReadOnceThenCached) {
  auto rt = str(body(redeem(code_for())), "refresh_token");
  for (int i = 0; i < 3; ++i) {
    auto b = body(refresh(rt));
    ASSERT_FALSE(b.empty()) << i;
    rt = str(b, "refresh_token");
  }
  EXPECT_EQ(cr.family_reads.load(), 1);
  EXPECT_EQ(cr.refresh_reads.load(), 0);  // no lookup by token: the store checks it at the write
}

TEST_F(CodeRefresh, WhatOnlyTheStoreSeesIsRefusedAtTheWriteWithNothingStored) {
  auto b = body(redeem(code_for()));
  const std::string rt = str(b, "refresh_token");
  ASSERT_FALSE(body(refresh(rt)).empty());  // spent; the family is cached now
  const auto issued = store.rows.size();
  // A token naming a real family but not one of its tokens.
  std::string forged = rt.substr(0, 34) + std::string(43, 'A');
  auto e = err(refresh(forged));
  EXPECT_EQ(e.code, oauth_errc::invalid_grant);
  EXPECT_EQ(e.description, "the authorization grant is invalid, expired, or revoked");
  // A family that does not exist.
  e = err(refresh(rt.substr(0, 12) + std::string(22, 'Z') + rt.substr(34)));
  EXPECT_EQ(e.code, oauth_errc::invalid_grant);
  EXPECT_EQ(store.rows.size(), issued);
  // Expired: refused by the store, not spent, not counted as reuse.
  auto b2 = body(redeem(code_for()));
  const std::string rt2 = str(b2, "refresh_token");
  ASSERT_FALSE(body(refresh(rt2)).empty());  // caches the family
  auto b3 = body(redeem(code_for()));
  const std::string rt3 = str(b3, "refresh_token");
  clk.advance(31 * 86400);
  e = err(refresh(rt3));
  EXPECT_EQ(e.code, oauth_errc::invalid_grant);
  EXPECT_EQ(e.description, "the authorization grant is invalid, expired, or revoked");
  EXPECT_FALSE(cr.tokens.at(services::refresh_token_key(rt3)).consumed_at);
  EXPECT_FALSE(cr.families.at(std::string(services::refresh_token_family(rt3))).revoked_at);
}

TEST_F(CodeRefresh, ARevocationTheCacheMissedIsSeenByTheStore) {
  auto rt = str(body(redeem(code_for())), "refresh_token");
  auto b = body(refresh(rt));  // the family is cached unrevoked
  ASSERT_FALSE(b.empty());
  const std::string fam(services::refresh_token_family(rt));
  ASSERT_TRUE(cr.revoke_family(fam, kNow, "test"));
  auto e = err(refresh(str(b, "refresh_token")));
  EXPECT_EQ(e.code, oauth_errc::invalid_grant);
  EXPECT_EQ(e.description, "token family revoked due to reuse detection");
}

TEST_F(CodeRefresh, TokensWithoutAFamilyPartAreLookedUpByHash) {
  auto b = body(redeem(code_for()));
  const std::string fam(services::refresh_token_family(str(b, "refresh_token")));
  // A token as issued before the family part: 32 random bytes, stored under its hash.
  const std::string legacy(43, 'q');
  ports::refresh_token_row row{services::secret_hash(legacy), fam, kNow, kNow + 3600, std::nullopt};
  cr.tokens[row.token_hash] = row;
  auto o = refresh(legacy);
  auto b2 = body(o);
  ASSERT_FALSE(b2.empty()) << err(o).description;
  EXPECT_EQ(services::refresh_token_family(str(b2, "refresh_token")), fam);
  EXPECT_GE(cr.refresh_reads.load(), 1);
  EXPECT_TRUE(cr.tokens.at(row.token_hash).consumed_at);
  auto e = err(refresh(legacy));  // reuse, seen by the lookup
  EXPECT_EQ(e.description, "token family revoked due to reuse detection");
}

TEST_F(CodeRefresh, ReuseRevokesFamilyAndEveryAccessTokenFromIt) {
  auto b = body(redeem(code_for()));
  auto rt1 = str(b, "refresh_token");
  auto b2 = body(refresh(rt1));
  ASSERT_FALSE(b2.empty());
  auto e = err(refresh(rt1));  // rt1 was spent: reuse
  EXPECT_EQ(e.code, oauth_errc::invalid_grant);
  EXPECT_EQ(e.description, "token family revoked due to reuse detection");
  EXPECT_FALSE(active(str(b, "access_token")));
  EXPECT_FALSE(active(str(b2, "access_token")));
  // The newest token of the family is dead too.
  e = err(refresh(str(b2, "refresh_token")));
  EXPECT_EQ(e.description, "token family revoked due to reuse detection");
  bool audited = false;
  for (const auto& ev : store.events) audited = audited || ev.action == "family.revoked";
  EXPECT_TRUE(audited);
  for (const auto& ev : store.events) {
    EXPECT_EQ(ev.detail.find(rt1), std::string::npos);
  }
}

TEST_F(CodeRefresh, ScopeMayNarrowNeverWiden) {
  auto b = body(redeem(code_for("app", "mcp:read")));
  auto e = err(refresh(str(b, "refresh_token"), "app", "mcp:read mcp:write"));
  EXPECT_EQ(e.code, oauth_errc::invalid_scope);
  EXPECT_EQ(e.description, "the requested scope is invalid or not allowed");
  // The refused attempt did not spend the token.
  auto b1 = body(redeem(code_for()));
  auto n = body(refresh(str(b1, "refresh_token"), "app", "mcp:read"));
  ASSERT_FALSE(n.empty());
  EXPECT_EQ(str(n, "scope"), "mcp:read");
  // The family keeps its original scope: a later refresh without scope gets all of it back.
  auto w = body(refresh(str(n, "refresh_token")));
  EXPECT_EQ(str(w, "scope"), "mcp:read mcp:write");
  EXPECT_FALSE(body(refresh(str(b, "refresh_token"))).empty());
}

TEST_F(CodeRefresh, RefreshBoundToClientUserAndExpiry) {
  auto b = body(redeem(code_for()));
  auto rt = str(b, "refresh_token");
  auto e = err(refresh(rt, "other-app"));
  EXPECT_EQ(e.code, oauth_errc::invalid_grant);
  EXPECT_EQ(e.description, "the authorization grant is invalid, expired, or revoked");
  users.rows["user-1"].status = "disabled";
  EXPECT_EQ(err(refresh(rt)).code, oauth_errc::invalid_grant);
  EXPECT_FALSE(active(str(b, "access_token")));  // introspection: subject user inactive
  users.rows["user-1"].status = "active";
  clients.rows["app"].status = "suspended";
  EXPECT_EQ(err(refresh(rt)).code, oauth_errc::invalid_client);
  clients.rows["app"].status = "active";
  users.rows.erase("user-1");
  EXPECT_EQ(err(refresh(rt)).code, oauth_errc::invalid_grant);
  domain::user u;
  u.id = "user-1";
  users.rows[u.id] = u;
  clk.advance(7 * 86400);
  EXPECT_EQ(err(refresh(rt)).description, "the authorization grant is invalid, expired, or revoked");
  EXPECT_EQ(err(refresh("unknown")).code, oauth_errc::invalid_grant);
  EXPECT_EQ(err(token({{"grant_type", "refresh_token"}, {"client_id", "app"}})).description,
            "refresh_token parameter is required");
}

TEST_F(CodeRefresh, DpopBoundFamilyNeedsTheSameKey) {
  auto k1 = crypto::private_key::generate("ES256");
  auto k2 = crypto::private_key::generate("ES256");
  ASSERT_TRUE(k1 && k2);
  auto o = token({{"grant_type", "authorization_code"}, {"code", code_for()}, {"client_id", "app"},
                  {"redirect_uri", kRedirect}, {"code_verifier", kVerifier}},
                 {}, {dpop_proof(*k1, "j1")});
  auto b = body(o);
  ASSERT_FALSE(b.empty()) << err(o).description;
  EXPECT_EQ(str(b, "token_type"), "DPoP");
  auto c = claims_of(str(b, "access_token"));
  ASSERT_TRUE(c.contains("cnf"));
  auto rt = str(b, "refresh_token");
  auto e = err(refresh(rt));
  EXPECT_EQ(e.code, oauth_errc::invalid_dpop_proof);
  e = err(token({{"grant_type", "refresh_token"}, {"refresh_token", rt}, {"client_id", "app"}}, {}, {dpop_proof(*k2, "j2")}));
  EXPECT_EQ(e.code, oauth_errc::invalid_dpop_proof);
  auto ok = token({{"grant_type", "refresh_token"}, {"refresh_token", rt}, {"client_id", "app"}}, {}, {dpop_proof(*k1, "j3")});
  auto b2 = body(ok);
  ASSERT_FALSE(b2.empty()) << err(ok).description;
  EXPECT_EQ(str(b2, "token_type"), "DPoP");
}

TEST_F(CodeRefresh, RevokingRefreshTokenRevokesItsFamily) {
  auto b = body(redeem(code_for()));
  auto rt = str(b, "refresh_token");
  ports::introspection_request r;
  r.form = {{"token", rt}, {"client_id", "other-app"}};
  EXPECT_TRUE(std::holds_alternative<ports::endpoint_reply>(svc->revoke(r)));
  EXPECT_TRUE(active(str(b, "access_token")));  // another client's revocation is ignored
  r.form = {{"token", rt}, {"client_id", "app"}};
  EXPECT_TRUE(std::holds_alternative<ports::endpoint_reply>(svc->revoke(r)));
  EXPECT_FALSE(active(str(b, "access_token")));
  EXPECT_EQ(err(refresh(rt)).description, "token family revoked due to reuse detection");
}

TEST_F(CodeRefresh, GrantTypesListedOnce) {
  auto g = svc->grant_types();
  EXPECT_EQ(std::count(g.begin(), g.end(), "authorization_code"), 1);
  EXPECT_EQ(std::count(g.begin(), g.end(), "refresh_token"), 1);
}

TEST_F(CodeRefresh, FamilyAndRotationTravelWithTheIssuance) {
  auto b = body(redeem(code_for()));
  ASSERT_FALSE(b.empty());
  EXPECT_EQ(cr.creations.load(), 1);
  EXPECT_EQ(cr.rotations.load(), 0);
  auto jti1 = str(claims_of(str(b, "access_token")), "jti");
  ASSERT_EQ(cr.links.count(jti1), 1u);
  auto b2 = body(refresh(str(b, "refresh_token")));
  ASSERT_FALSE(b2.empty());
  EXPECT_EQ(cr.creations.load(), 1);
  EXPECT_EQ(cr.rotations.load(), 1);
  auto jti2 = str(claims_of(str(b2, "access_token")), "jti");
  EXPECT_EQ(cr.links.at(jti2), cr.links.at(jti1));  // the new access token joined the family
  EXPECT_EQ(store.rows.count(jti2), 1u);
}

TEST_F(CodeRefresh, FailedIssuanceLeavesTheRefreshTokenUnspent) {
  auto b = body(redeem(code_for()));
  auto rt = str(b, "refresh_token");
  store.fail_writes = true;
  auto e = err(refresh(rt));
  EXPECT_EQ(e.code, oauth_errc::server_error);
  EXPECT_FALSE(cr.tokens.at(services::refresh_token_key(rt)).consumed_at);
  store.fail_writes = false;
  auto o = refresh(rt);  // the rotation and the issuance are one write: nothing was spent
  EXPECT_FALSE(body(o).empty()) << err(o).description;
  // A code whose issuance failed keeps no family either (it was consumed, so it is refused later).
  store.fail_writes = true;
  auto c = code_for();
  EXPECT_EQ(err(redeem(c)).code, oauth_errc::server_error);
  EXPECT_TRUE(cr.codes.at(base64url_encode(crypto::sha256(c))).family_id.empty());
}

TEST_F(CodeRefresh, ReuseSeenOnlyByTheStoreRevokesTheFamily) {
  auto b = body(redeem(code_for()));
  auto rt1 = str(b, "refresh_token");
  auto h1 = services::refresh_token_key(rt1);
  const auto fam = cr.tokens.at(h1).family_id;
  // Another request spends rt1 between this request's lookup and its write (the lookup saw it
  // unspent): the store answers `reused` and nothing of this request is stored.
  bool interleaved = false;
  store.companion_writer = [&](const ports::issuance_companion& c, std::string_view jti) {
    if (!interleaved) {
      interleaved = true;
      ports::refresh_token_row other{"hash-of-the-concurrent-refresh", fam, kNow, kNow + 3600, std::nullopt};
      EXPECT_EQ(*cr.rotate_refresh(h1, other, "jti-of-the-concurrent-refresh", kNow), ports::rotate_outcome::rotated);
    }
    return cr.apply(c, jti);
  };
  const auto issued_before = store.rows.size();
  auto e = err(refresh(rt1));
  EXPECT_EQ(e.code, oauth_errc::invalid_grant);
  EXPECT_EQ(e.description, "token family revoked due to reuse detection");
  EXPECT_EQ(store.rows.size(), issued_before);  // no access token recorded for the refused one
  EXPECT_TRUE(cr.families.at(fam).revoked_at);
  EXPECT_FALSE(active(str(b, "access_token")));
  std::size_t revoked_events = 0;
  for (const auto& ev : store.events)
    revoked_events += ev.action == "family.revoked" && ev.detail.find("family=" + fam + " reason=reuse_detected") == 0;
  EXPECT_EQ(revoked_events, 1u);
  EXPECT_EQ(cr.families.at(fam).revoked_at, kNow);
  EXPECT_EQ(cr.rotations.load(), 1);  // this request's rotation reached the store, and was refused
  EXPECT_FALSE(cr.tokens.at("hash-of-the-concurrent-refresh").consumed_at);
}

TEST_F(CodeRefresh, ConcurrentRefreshOfOneTokenHasOneWinnerAndRevokesTheFamily) {
  for (int round = 0; round < 20; ++round) {
    auto b = body(redeem(code_for()));
    auto rt = str(b, "refresh_token");
    std::atomic<int> ok{0}, revoked{0};
    std::mutex mu;
    std::string winner;
    std::vector<std::thread> ts;
    for (int i = 0; i < 4; ++i)
      ts.emplace_back([&] {
        auto o = refresh(rt);
        if (std::holds_alternative<ports::endpoint_reply>(o)) {
          ++ok;
          std::lock_guard lk(mu);
          winner = str(body(o), "access_token");
        } else if (err(o).description == "token family revoked due to reuse detection") {
          ++revoked;
        }
      });
    for (auto& t : ts) t.join();
    EXPECT_EQ(ok.load(), 1);
    EXPECT_EQ(revoked.load(), 3);
    EXPECT_FALSE(active(winner));  // whichever path saw the reuse, the family is revoked
  }
}
