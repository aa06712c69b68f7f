// Rules behind the browser pages: redirect URI matching (loopback ports, decoy hosts), safe
// post-login redirects, and the check order of GET /oauth/authorize (reference §2.2).
#include "admin_fakes.hpp"
#include "authplane/api/browser.hpp"

namespace authplane::api::admin_test {
namespace {

TEST(RedirectUri, ExactOrLoopbackWithAnyPort) {
  EXPECT_TRUE(redirect_uri_matches("https://app.example/cb", "https://app.example/cb"));
  EXPECT_FALSE(redirect_uri_matches("https://app.example/cb", "https://app.example:8443/cb"));
  EXPECT_FALSE(redirect_uri_matches("https://app.example/cb", "https://app.example/cb/"));
  EXPECT_FALSE(redirect_uri_matches("https://app.example/cb", "https://APP.example/cb"));
  EXPECT_TRUE(redirect_uri_matches("http://127.0.0.1/cb", "http://127.0.0.1:53123/cb"));
  EXPECT_TRUE(redirect_uri_matches("http://localhost:3000/cb", "http://localhost:9/cb"));
  EXPECT_TRUE(redirect_uri_matches("http://[::1]/cb", "http://[::1]:8080/cb"));
  EXPECT_TRUE(redirect_uri_matches("http://127.0.0.1/cb?x=1", "http://127.0.0.1:1/cb?x=1"));
  EXPECT_FALSE(redirect_uri_matches("http://127.0.0.1/cb?x=1", "http://127.0.0.1:1/cb?x=2"));
  EXPECT_FALSE(redirect_uri_matches("http://127.0.0.1/cb", "https://127.0.0.1:1/cb"));
  EXPECT_FALSE(redirect_uri_matches("http://127.0.0.1/cb", "http://localhost:1/cb"));
  EXPECT_FALSE(redirect_uri_matches("http://127.0.0.1/cb", "http://127.0.0.1:1/cb/x"));
}

TEST(RedirectUri, DecoyHostsNeverMatchLoopback) {
  EXPECT_FALSE(redirect_uri_matches("http://127.0.0.1/cb", "http://127.0.0.1.evil.example/cb"));
  EXPECT_FALSE(redirect_uri_matches("http://127.0.0.1/cb", "http://127.0.0.1:80.evil.example/cb"));
  EXPECT_FALSE(redirect_uri_matches("http://127.0.0.1/cb", "http://evil.example@127.0.0.1:8/cb"));
  EXPECT_FALSE(redirect_uri_matches("http://127.0.0.1/cb", "http://127.0.0.1@evil.example/cb"));
  EXPECT_FALSE(redirect_uri_matches("http://localhost/cb", "http://localhost.evil.example:1/cb"));
  auto p = split_uri("http://127.0.0.1.evil.example/cb");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->host, "127.0.0.1.evil.example");
  auto u = split_uri("https://user@Real.Example:8443/x?y");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "real.example");
  EXPECT_EQ(u->port, "8443");
  EXPECT_TRUE(u->userinfo);
}

TEST(SafeRedirect, OnlyRelativePaths) {
  EXPECT_TRUE(is_safe_local_redirect("/"));
  EXPECT_TRUE(is_safe_local_redirect("/oauth/authorize?client_id=a&redirect_uri=http%3A%2F%2Fx"));
  for (const char* bad : {"", "x", "//evil.example", "/\\evil.example", "https://evil.example", "/a://b",
                          "/a\\b", "/a\r\nSet-Cookie: x=y", "javascript:alert(1)"})
    EXPECT_FALSE(is_safe_local_redirect(bad)) << bad;
}

// ---- check order of GET /oauth/authorize ----------------------------------------------------

struct stub_users : ports::user_store {
  result<std::optional<domain::user>> find_user(std::string_view) override { return std::optional<domain::user>{}; }
  result<std::optional<domain::user>> find_user_by_email(std::string_view) override { return std::optional<domain::user>{}; }
  result<void> create_user(const domain::user&) override { return {}; }
  result<void> update_user(const domain::user&) override { return {}; }
  result<std::vector<domain::user>> list_users(const ports::user_filter&, ports::list_page) override { return std::vector<domain::user>{}; }
  result<void> delete_user(std::string_view) override { return {}; }
  result<std::size_t> count_active_user_tokens(std::string_view, std::int64_t) override { return std::size_t{0}; }
  result<std::size_t> end_user_sessions(std::string_view, std::int64_t) override { return std::size_t{0}; }
};
struct stub_consents : ports::consent_store {
  result<std::optional<domain::consent_grant>> find_consent(std::string_view, std::string_view, std::string_view) override {
    return std::optional<domain::consent_grant>{};
  }
  result<domain::consent_grant> upsert_consent(const domain::consent_grant& g) override { return g; }
};
struct stub_passwords : ports::password_hasher {
  result<std::string> hash(std::string_view) const override { return std::string("h"); }
  bool verify(std::string_view, std::string_view) const override { return false; }
  bool needs_rehash(std::string_view) const override { return false; }
};
struct stub_sessions : ports::browser_sessions {
  std::string issue(const ports::session_claims&) const override { return "c"; }
  std::optional<ports::session_claims> verify(std::string_view, std::int64_t) const override { return std::nullopt; }
  std::string new_login_nonce() const override { return "n|m"; }
  bool login_nonce_valid(std::string_view) const override { return false; }
  std::string csrf_token(std::string_view, std::string_view) const override { return "t"; }
  bool csrf_valid(std::string_view, std::string_view, std::string_view) const override { return false; }
};
struct stub_lockout : ports::login_throttle {
  std::int64_t locked_for(std::string_view, std::int64_t) override { return 0; }
  void record_failure(std::string_view, std::int64_t) override {}
  void record_success(std::string_view) override {}
};
struct stub_pending : ports::pending_authorizations {
  std::string put(ports::pending_authorization, std::int64_t) override { return "id"; }
  std::optional<ports::pending_authorization> find(std::string_view, std::int64_t) override { return std::nullopt; }
  void erase(std::string_view) override {}
};
// A fake of the token side's code issuer: records grants, returns a fixed code.
struct fake_codes : ports::authorization_codes {
  std::vector<ports::code_grant> issued;
  result<std::string> issue(const ports::code_grant& g) override {
    issued.push_back(g);
    return std::string(43, 'c');
  }
};

class AuthorizeChecks : public ::testing::Test {
 protected:
  AuthorizeChecks() {
    domain::client c;
    c.id = "cl";
    c.name = "App";
    c.redirect_uris = {"http://127.0.0.1/cb"};
    c.grant_types = {"authorization_code"};
    c.token_endpoint_auth_method = "none";
    c.scope = "r:read r:write";
    clients.rows[c.id] = c;
    domain::resource r;
    r.id = "res1";
    r.slug = "r";
    r.uri = "https://r.example/mcp";
    r.scopes = {{"r:read", "", ""}, {"r:write", "", ""}, {"r:admin", "", ""}};
    resources.rows.push_back(r);
  }
  authorize_request good() const {
    return {"code", "cl", "http://127.0.0.1:5000/cb", "r:read", "s", "r", std::string(43, 'A'), "S256"};
  }
  fake_client_store clients;
  fake_resource_store resources;
  stub_users users;
  stub_consents consents;
  stub_passwords passwords;
  stub_sessions sessions;
  stub_lockout lockout;
  stub_pending pending;
  fake_codes codes;
  manual_clock clk{1000};
  browser_deps d{clients, resources, users, consents, passwords, sessions, lockout, pending, codes, clk};
};

std::string page_title(const authorize_check& c) {
  auto* e = std::get_if<authorize_page_error>(&c);
  return e ? std::to_string(e->status) + " " + e->title : "not a page";
}
std::string redirect_error(const authorize_check& c) {
  auto* e = std::get_if<authorize_redirect_error>(&c);
  return e ? e->error : "not a redirect";
}

TEST_F(AuthorizeChecks, AcceptsAndCanonicalisesTheResource) {
  auto out = check_authorize(good(), d);
  auto* ok = std::get_if<authorize_accepted>(&out);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->request.resource, "https://r.example/mcp");
  EXPECT_EQ(ok->request.scope, "r:read");
  EXPECT_EQ(ok->request.redirect_uri, "http://127.0.0.1:5000/cb");
}

TEST_F(AuthorizeChecks, OrderResponseTypeBeforeClientBeforeRedirectBeforePkce) {
  auto q = good();
  q.response_type = "token";
  q.client_id = "unknown";
  q.code_challenge.clear();
  EXPECT_EQ(page_title(check_authorize(q, d)), "400 Authorization Error");
  q.response_type = "code";
  EXPECT_EQ(page_title(check_authorize(q, d)), "400 Invalid Client");
  q.client_id = "https://app.example/meta.json";
  EXPECT_EQ(page_title(check_authorize(q, d)), "400 Invalid Client");
  q.client_id = "cl";
  clients.rows["cl"].status = domain::client_status::suspended;
  q.redirect_uri = "http://127.0.0.1.evil.example/cb";
  EXPECT_EQ(page_title(check_authorize(q, d)), "403 Client Suspended");
  clients.rows["cl"].status = domain::client_status::active;
  EXPECT_EQ(page_title(check_authorize(q, d)), "400 Invalid Redirect URI");
  q.redirect_uri = "http://127.0.0.1/cb";
  q.resource = "nope";
  EXPECT_EQ(redirect_error(check_authorize(q, d)), "invalid_grant");  // PKCE before resource
  q.code_challenge = std::string(43, 'A');
  q.code_challenge_method = "plain";
  EXPECT_EQ(redirect_error(check_authorize(q, d)), "invalid_grant");
  q.code_challenge_method = "S256";
  q.scope = "";
  EXPECT_EQ(page_title(check_authorize(q, d)), "400 Unknown Resource");  // resource before scope
  q.resource = "https://r.example/mcp";
  EXPECT_EQ(redirect_error(check_authorize(q, d)), "invalid_scope");
}

TEST_F(AuthorizeChecks, ScopeRules) {
  auto q = good();
  q.scope = "r:admin";  // in the catalog, above the client's ceiling
  EXPECT_EQ(redirect_error(check_authorize(q, d)), "invalid_scope");
  q.scope = "other:x";
  EXPECT_EQ(redirect_error(check_authorize(q, d)), "invalid_scope");
  q.scope = "";
  d.require_scope = false;  // default: the resource's scopes within the ceiling
  auto out = check_authorize(q, d);
  ASSERT_TRUE(std::holds_alternative<authorize_accepted>(out));
  EXPECT_EQ(std::get<authorize_accepted>(out).request.scope, "r:read r:write");
  resources.rows[0].scopes.clear();
  q.scope = "r:read";
  EXPECT_EQ(redirect_error(check_authorize(q, d)), "invalid_scope");
}

TEST(ErrorRedirect, CarriesStateAndIss) {
  EXPECT_EQ(error_redirect("http://127.0.0.1:9/cb?a=1", "access_denied", "no", "s t", "http://127.0.0.1:9000"),
            "http://127.0.0.1:9/cb?a=1&error=access_denied&error_description=no&state=s%20t&iss=http%3A%2F%2F127.0.0.1%3A9000");
}

}  // namespace
}  // namespace authplane::api::admin_test
