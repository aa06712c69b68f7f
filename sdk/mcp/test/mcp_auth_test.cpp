// authplane::mcp::auth over an in-memory key source: the gate's challenges, the caller handed to
// tools, per-tool scopes with the SDK's challenge, and the metadata route.
#include <authplane/sdk/mcp_auth.hpp>

#include "../../test/helpers.hpp"

namespace {
using namespace sdktest;
namespace mcp = authplane::mcp;

constexpr const char* kCall = R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"%s","arguments":{"text":"hi"}}})";

std::string call_body(const std::string& tool) {
  std::string s = kCall;
  return s.replace(s.find("%s"), 2, tool);
}

struct fixture {
  guard_env env;
  mcp::server srv{{.name = "t", .version = "1"}};
  http::router router;
  std::unique_ptr<mcp::auth> auth;

  fixture() {
    env.clk->set(std::time(nullptr));  // the transport's sessions use the system clock
    srv.tool("echo", "Echo", {"text"}, [](mcp::context& ctx, std::string text) {
      return text + " from " + ctx.who()->subject;
    });
    srv.tool("write", "Needs mcp:write", {"text"}, [](std::string t) { return t; },
             {.auth = authplane::require_scopes({"mcp:write"})});
    env.g();
    auth = std::make_unique<mcp::auth>(env.guard);
    auto opts = auth->protect({.transport = {.stateless = true}});
    opts.configure(router);
    srv.routes(router, opts.transport);
  }
  http::response send(const std::string& method, const std::string& target, const std::string& body,
                      const std::string& authorization = {}) {
    http::request q;
    q.method = method;
    q.target = q.path = target;
    q.headers.add("Content-Type", "application/json");
    q.headers.add("Accept", "application/json, text/event-stream");
    if (!authorization.empty()) q.headers.add("Authorization", authorization);
    q.body = body;
    http::response out;
    out.status = -1;
    router.dispatch(q, http::responder([&](http::response&& r) { out = std::move(r); }));
    return out;
  }
  std::string token(const std::string& scope) {
    auto c = good_claims(env.clk->now());
    c["scope"] = scope;
    return mint(c);
  }
};

TEST(McpAuth, NoTokenGetsTheChallengeOnEveryMethod) {
  fixture f;
  for (const char* m : {"POST", "GET", "DELETE"}) {
    auto r = f.send(m, "/mcp", m == std::string("POST") ? call_body("echo") : "");
    EXPECT_EQ(r.status, 401) << m;
    EXPECT_EQ(r.headers.get("WWW-Authenticate"), R"(Bearer scope="mcp:echo", )" + rm) << m;
  }
}

TEST(McpAuth, BadTokenGetsInvalidToken) {
  fixture f;
  auto c = good_claims(f.env.clk->now());
  c["aud"] = "https://mcp.example/other";
  auto r = f.send("POST", "/mcp", call_body("echo"), "Bearer " + mint(c));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.headers.get("WWW-Authenticate"),
            R"(Bearer error="invalid_token", error_description="Invalid access token", scope="mcp:echo", )" + rm);
}

TEST(McpAuth, ToolSeesTheCaller) {
  fixture f;
  auto r = f.send("POST", "/mcp", call_body("echo"), "Bearer " + f.token("mcp:echo"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"hi from user-1"}]}})");
}

TEST(McpAuth, PerToolScopeUsesTheSdkChallenge) {
  fixture f;
  auto r = f.send("POST", "/mcp", call_body("write"), "Bearer " + f.token("mcp:echo"));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.headers.get("WWW-Authenticate"),
            R"(Bearer error="insufficient_scope", error_description="The access token lacks a required scope", scope="mcp:write", )" + rm);
  EXPECT_EQ(r.headers.get("Content-Type"), "application/json");
  EXPECT_EQ(f.send("POST", "/mcp", call_body("write"), "Bearer " + f.token("mcp:echo mcp:write")).status, 200);
}

TEST(McpAuth, ResourceWideScopeIsCheckedAtTheGate) {
  fixture f;
  auto r = f.send("POST", "/mcp", call_body("echo"), "Bearer " + f.token("mcp:read"));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.headers.get("WWW-Authenticate"),
            R"(Bearer error="insufficient_scope", error_description="The access token lacks a required scope", scope="mcp:echo", )" + rm);
}

TEST(McpAuth, MetadataRouteIsPublic) {
  fixture f;
  auto r = f.send("GET", "/.well-known/oauth-protected-resource/mcp", "");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body,
            R"({"resource":"https://mcp.example/mcp","authorization_servers":["https://as.example"],"scopes_supported":["mcp:echo"],"bearer_methods_supported":["header"]})");
}

TEST(McpAuth, DevModeNamesTheScopeMismatch) {
  fixture f;
  f.env.opts.dev_mode = true;
  f.env.guard.reset();
  f.env.g();
  mcp::auth a(f.env.guard);
  std::shared_ptr<const mcp::principal> who;
  http::request q;
  q.method = "POST";
  q.target = q.path = "/mcp";
  q.headers.add("Authorization", "Bearer " + f.token("mcp:echo"));
  EXPECT_FALSE(a.check(q, who));
  ASSERT_TRUE(who);
  auto d = who->insufficient_scope({"mcp:write"});
  EXPECT_EQ(d.status, 403);
  EXPECT_EQ(d.message, "Token missing required scope 'mcp:write'. Token has scopes: 'mcp:echo'");
}

}  // namespace

namespace {
// A repeated token is served the same principal (built once from the cached claims); another
// token gets its own.
TEST(McpAuth, PrincipalIsBuiltOncePerVerifiedToken) {
  fixture f;
  mcp::auth a(f.env.guard);
  auto ask = [&](const std::string& token) {
    http::request q;
    q.method = "POST";
    q.target = q.path = "/mcp";
    q.headers.add("Authorization", "Bearer " + token);
    std::shared_ptr<const mcp::principal> who;
    EXPECT_FALSE(a.check(q, who));
    return who;
  };
  const std::string t1 = f.token("mcp:echo");
  auto c2 = good_claims(f.env.clk->now());
  c2["jti"] = "another";
  c2["sub"] = "user-2";
  const std::string t2 = mint(c2);
  auto first = ask(t1);
  ASSERT_TRUE(first);
  EXPECT_EQ(ask(t1).get(), first.get());
  auto other = ask(t2);
  ASSERT_TRUE(other);
  EXPECT_NE(other.get(), first.get());
  EXPECT_EQ(other->subject, "user-2");
  EXPECT_EQ(first->subject, "user-1");
}
}  // namespace
