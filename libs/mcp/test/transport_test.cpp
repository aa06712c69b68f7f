#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "authplane/http/client.hpp"
#include "authplane/mcp/server.hpp"

namespace authplane::mcp {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;

constexpr const char* kInit =
    R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})";
constexpr const char* kInitialized = R"({"jsonrpc":"2.0","method":"notifications/initialized"})";
constexpr const char* kList = R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})";

void add_tools(server& srv) {
  srv.tool("echo", "Echo text", {"text"}, [](std::string text) { return text; });
  srv.tool("secret", "Needs a scope", [] { return std::string("s3cret"); }, {.auth = require_scopes({"mcp:secret"})});
}

struct fixture {
  manual_clock clock{1'000'000};   // declared first: outlives the router and its workers
  server srv{{.name = "demo-server", .version = "1.0.0"}};
  http::router router;
  explicit fixture(transport_options o = {}) {
    add_tools(srv);
    o.clock = &clock;
    srv.routes(router, std::move(o));
  }
  http::response send(std::string method, std::string body, std::vector<std::pair<std::string, std::string>> extra = {},
                      bool default_headers = true) {
    http::request q;
    q.method = std::move(method);
    q.path = q.target = "/mcp";
    if (default_headers) {
      q.headers.add("Content-Type", "application/json");
      q.headers.add("Accept", "application/json, text/event-stream");
    }
    for (auto& [k, v] : extra) q.headers.set(k, v);
    q.body = std::move(body);
    // tools/call answers from a worker thread: wait for the responder.
    auto answered = std::make_shared<std::promise<http::response>>();
    auto fut = answered->get_future();
    router.dispatch(q, http::responder([answered](http::response&& r) { answered->set_value(std::move(r)); }));
    if (fut.wait_for(5s) != std::future_status::ready) {
      http::response none;
      none.status = -1;
      return none;
    }
    return fut.get();
  }
  std::string initialize() {
    auto r = send("POST", kInit);
    EXPECT_EQ(r.status, 200);
    auto sid = r.headers.get("Mcp-Session-Id");
    EXPECT_TRUE(sid);
    return sid ? std::string(*sid) : std::string();
  }
};

TEST(Transport, HeaderChecks) {
  fixture f;
  EXPECT_EQ(f.send("POST", kInit, {{"Accept", "application/json"}}).status, 406);
  EXPECT_EQ(f.send("POST", kInit, {{"Accept", "text/event-stream"}}).status, 406);
  EXPECT_EQ(f.send("POST", kInit, {}, false).status, 415);
  EXPECT_EQ(f.send("POST", kInit, {{"Content-Type", "text/plain"}}).status, 415);
  EXPECT_EQ(f.send("POST", kInit, {{"Accept", "*/*"}}).status, 200);
  EXPECT_EQ(f.send("POST", kInit, {{"Accept", "text/event-stream;q=0.5, application/json"}}).status, 200);
  EXPECT_EQ(f.send("POST", kInit, {{"Content-Type", "Application/JSON; charset=utf-8"}}).status, 200);
  EXPECT_EQ(f.send("POST", kInit, {{"Origin", "https://evil.example"}}).status, 403);
  EXPECT_EQ(f.send("POST", kInit, {{"Origin", "http://localhost:6274"}}).status, 200);
  EXPECT_EQ(f.send("POST", kInit, {{"Origin", "http://localhost.evil.example"}}).status, 403);
  EXPECT_EQ(f.send("GET", "", {{"Origin", "https://evil.example"}}).status, 403);
  auto get = f.send("GET", "");
  EXPECT_EQ(get.status, 405);
  EXPECT_EQ(get.headers.get("Allow"), "POST, DELETE");
  auto parse = f.send("POST", "{oops");
  EXPECT_EQ(parse.status, 400);
  EXPECT_EQ(parse.body, R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}})");
}

TEST(Transport, ProgressArrivesAsServerSentEvents) {
  fixture f({.stateless = true});
  f.srv.tool("count", "Count", {"n"}, [](context& ctx, int n) {
    for (int i = 1; i <= n; ++i) ctx.progress(i, n);
    return std::string("ok");
  });
  auto r = f.send("POST", R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"count","arguments":{"n":1},"_meta":{"progressToken":5}}})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.get("Content-Type"), "text/event-stream");
  EXPECT_EQ(r.body,
            "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":5,\"progress\":1E0,\"total\":1E0}}\n\n"
            "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"ok\"}]}}\n\n");
  // An invalid notification cannot be accepted: 400, not 202.
  EXPECT_EQ(f.send("POST", R"({"jsonrpc":"2.0","method":"notifications/x","params":[1]})").status, 400);
}

TEST(Transport, BodyCap) {
  fixture f({.max_body_bytes = 64});
  std::string big = R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":")" + std::string(100, 'x') + R"("}})";
  EXPECT_EQ(f.send("POST", big).status, 413);
}

TEST(Transport, WildcardOrigin) {
  fixture f({.allowed_origins = {"*"}});
  EXPECT_EQ(f.send("POST", kInit, {{"Origin", "https://anything.example"}}).status, 200);
}

TEST(Transport, AllowedOriginsList) {
  fixture f({.allowed_origins = {"https://app.example"}});
  EXPECT_EQ(f.send("POST", kInit, {{"Origin", "https://app.example"}}).status, 200);
  EXPECT_EQ(f.send("POST", kInit, {{"Origin", "http://localhost"}}).status, 403);
}

TEST(Transport, SessionLifecycle) {
  fixture f;
  auto init = f.send("POST", kInit);
  ASSERT_EQ(init.status, 200);
  EXPECT_EQ(init.headers.get("Content-Type"), "application/json");
  EXPECT_NE(init.body.find(R"("protocolVersion":"2025-06-18")"), std::string::npos);
  std::string sid(*init.headers.get("Mcp-Session-Id"));
  EXPECT_EQ(sid.size(), 32u);
  for (char c : sid) EXPECT_TRUE(c >= 0x21 && c <= 0x7e);

  auto note = f.send("POST", kInitialized, {{"Mcp-Session-Id", sid}});
  EXPECT_EQ(note.status, 202);
  EXPECT_EQ(note.body, "");
  EXPECT_EQ(f.send("POST", kList, {}).status, 400);                                 // no session id
  EXPECT_EQ(f.send("POST", kList, {{"Mcp-Session-Id", "unknown"}}).status, 404);
  auto list = f.send("POST", kList, {{"Mcp-Session-Id", sid}, {"MCP-Protocol-Version", "2025-06-18"}});
  EXPECT_EQ(list.status, 200);
  EXPECT_NE(list.body.find(R"("name":"echo")"), std::string::npos);
  EXPECT_EQ(f.send("POST", kList, {{"Mcp-Session-Id", sid}, {"MCP-Protocol-Version", "1999-01-01"}}).status, 400);
  // A second initialize creates a different session.
  EXPECT_NE(f.initialize(), sid);
  EXPECT_EQ(f.send("DELETE", "", {{"Mcp-Session-Id", sid}}).status, 204);
  EXPECT_EQ(f.send("POST", kList, {{"Mcp-Session-Id", sid}}).status, 404);
  EXPECT_EQ(f.send("DELETE", "", {{"Mcp-Session-Id", sid}}).status, 404);
  EXPECT_EQ(f.send("DELETE", "", {}).status, 400);
}

TEST(Transport, SessionsExpireAndAreBounded) {
  fixture f({.max_sessions = 2, .session_idle_seconds = 60});
  std::string a = f.initialize();
  f.clock.advance(30);
  std::string b = f.initialize();
  EXPECT_EQ(f.send("POST", kInit).status, 503);
  f.clock.advance(31);  // a idle 61 s, b idle 31 s
  EXPECT_EQ(f.send("POST", kList, {{"Mcp-Session-Id", a}}).status, 404);
  EXPECT_EQ(f.send("POST", kList, {{"Mcp-Session-Id", b}}).status, 200);
  EXPECT_FALSE(f.initialize().empty());
}

TEST(Transport, BatchesFollowTheSessionVersion) {
  fixture f;
  std::string batch = std::string("[") + kList + "," + kInitialized + "]";
  std::string sid = f.initialize();  // 2025-06-18
  auto r = f.send("POST", batch, {{"Mcp-Session-Id", sid}});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("-32600"), std::string::npos);
  auto old = f.send("POST", R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26"}})");
  std::string sid2(*old.headers.get("Mcp-Session-Id"));
  auto ok = f.send("POST", batch, {{"Mcp-Session-Id", sid2}});
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body.front(), '[');
  EXPECT_EQ(f.send("POST", std::string("[") + kInitialized + "]", {{"Mcp-Session-Id", sid2}}).status, 202);
}

TEST(Transport, Stateless) {
  fixture f({.stateless = true});
  auto init = f.send("POST", kInit);
  EXPECT_EQ(init.status, 200);
  EXPECT_FALSE(init.headers.get("Mcp-Session-Id"));
  auto list = f.send("POST", kList, {{"MCP-Protocol-Version", "2025-11-25"}});
  EXPECT_EQ(list.status, 200);
  EXPECT_NE(list.body.find(R"("name":"echo")"), std::string::npos);
  EXPECT_EQ(f.send("POST", kList, {{"MCP-Protocol-Version", "bogus"}}).status, 400);
  EXPECT_EQ(f.send("DELETE", "").status, 405);
}

TEST(Transport, PerToolAuthUsesTheAuthenticatedPrincipal) {
  fixture f({.stateless = true, .authenticate = [](const http::request& q) -> std::shared_ptr<const principal> {
               auto s = q.headers.get("X-Test-Scopes");
               if (!s) return nullptr;
               return std::make_shared<principal>(principal{.subject = "u", .scopes = {std::string(*s)}});
             }});
  const char* call = R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"secret"}})";
  auto anon = f.send("POST", call);
  EXPECT_EQ(anon.status, 401);
  auto low = f.send("POST", call, {{"X-Test-Scopes", "mcp:other"}});
  EXPECT_EQ(low.status, 403);
  EXPECT_EQ(low.headers.get("WWW-Authenticate"), R"(Bearer error="insufficient_scope", scope="mcp:secret")");
  auto ok = f.send("POST", call, {{"X-Test-Scopes", "mcp:secret"}});
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, R"({"jsonrpc":"2.0","id":3,"result":{"content":[{"type":"text","text":"s3cret"}]}})");
}

// The gate runs first on every method: it refuses with its own response or names the caller,
// whose insufficient_scope hook then phrases per-tool refusals.
TEST(Transport, GateRefusesOrNamesTheCaller) {
  int gate_calls = 0;
  fixture f({.stateless = true,
             .gate = [&](const http::request& q, std::shared_ptr<const principal>& who) -> std::optional<http::response> {
               ++gate_calls;
               auto s = q.headers.get("X-Test-Scopes");
               if (!s) {
                 auto r = http::response::json(401, R"({"error":"invalid_token"})");
                 r.set_header("WWW-Authenticate", R"(Bearer resource_metadata="x")");
                 return r;
               }
               auto p = std::make_shared<principal>(principal{.subject = "u", .scopes = {std::string(*s)}});
               p->insufficient_scope = [](const std::vector<std::string>& req) {
                 auth_denial d;
                 d.headers.emplace_back("WWW-Authenticate", "Bearer error=\"insufficient_scope\", scope=\"" + req[0] + "\", resource_metadata=\"x\"");
                 return d;
               };
               who = std::move(p);
               return std::nullopt;
             }});
  const char* call = R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"secret"}})";
  auto anon = f.send("POST", call);
  EXPECT_EQ(anon.status, 401);
  EXPECT_EQ(anon.headers.get("WWW-Authenticate"), R"(Bearer resource_metadata="x")");
  EXPECT_EQ(f.send("GET", "").status, 401);
  EXPECT_EQ(f.send("DELETE", "").status, 401);
  auto low = f.send("POST", call, {{"X-Test-Scopes", "mcp:other"}});
  EXPECT_EQ(low.status, 403);
  EXPECT_EQ(low.headers.get("WWW-Authenticate"), R"(Bearer error="insufficient_scope", scope="mcp:secret", resource_metadata="x")");
  EXPECT_EQ(f.send("POST", call, {{"X-Test-Scopes", "mcp:secret"}}).status, 200);
  EXPECT_EQ(gate_calls, 5);
}

// The same flow over a real socket.
TEST(Transport, OverRealSocket) {
  server srv{{.name = "demo-server", .version = "1.0.0"}};
  add_tools(srv);
  http::router router;
  srv.routes(router, {});
  http::server hs({.threads = 1, .max_body_bytes = 4 * 1024 * 1024, .handle_signals = false});
  auto port = hs.listen("127.0.0.1", 0, router);
  std::thread t([&] { hs.run(); });
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/mcp";
  auto post = [&](std::string body, std::vector<std::pair<std::string, std::string>> extra,
                  bool defaults = true) -> http::client_response {
    http::header_list h;
    if (defaults) {
      h.add("Content-Type", "application/json");
      h.add("Accept", "application/json, text/event-stream");
    }
    for (auto& [k, v] : extra) h.set(k, v);
    auto r = http::fetch("POST", url, h, body, 5s);
    EXPECT_TRUE(r);
    return r ? *r : http::client_response{};
  };
  EXPECT_EQ(post(kInit, {{"Accept", "application/json"}}).status, 406);
  EXPECT_EQ(post(kInit, {{"Accept", "application/json, text/event-stream"}}, false).status, 415);
  EXPECT_EQ(post(kInit, {{"Origin", "http://attacker.example"}}).status, 403);
  auto init = post(kInit, {});
  ASSERT_EQ(init.status, 200);
  auto sid = init.headers.get("Mcp-Session-Id");
  ASSERT_TRUE(sid);
  std::string id(*sid);
  EXPECT_EQ(post(kInitialized, {{"Mcp-Session-Id", id}}).status, 202);
  EXPECT_EQ(post(kList, {}).status, 400);
  EXPECT_EQ(post(kList, {{"Mcp-Session-Id", id}, {"MCP-Protocol-Version", "2030-01-01"}}).status, 400);
  auto call = post(R"({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"}}})",
                   {{"Mcp-Session-Id", id}, {"MCP-Protocol-Version", "2025-06-18"}});
  EXPECT_EQ(call.status, 200);
  EXPECT_EQ(call.body, R"({"jsonrpc":"2.0","id":4,"result":{"content":[{"type":"text","text":"hi"}]}})");
  http::header_list dh;
  dh.add("Mcp-Session-Id", id);
  auto del = http::fetch("DELETE", url, dh, "", 5s);
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 204);
  EXPECT_EQ(post(kList, {{"Mcp-Session-Id", id}}).status, 404);
  auto get = http::fetch("GET", url, {}, "", 5s);
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 405);
  hs.stop();
  t.join();
}

TEST(Transport, StatelessOverRealSocket) {
  server srv{{.name = "demo-server", .version = "1.0.0"}};
  add_tools(srv);
  http::router router;
  srv.routes(router, {.stateless = true});
  http::server hs({.threads = 1, .handle_signals = false});
  auto port = hs.listen("127.0.0.1", 0, router);
  std::thread t([&] { hs.run(); });
  http::header_list h;
  h.add("Content-Type", "application/json");
  h.add("Accept", "application/json, text/event-stream");
  auto r = http::fetch("POST", "http://127.0.0.1:" + std::to_string(port) + "/mcp", h, kList, 5s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_FALSE(r->headers.get("Mcp-Session-Id"));
  hs.stop();
  t.join();
}
}  // namespace
}  // namespace authplane::mcp

namespace authplane::mcp {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;

struct sse_event {
  std::string id;
  std::string data;
  std::string retry;
};

// Splits a text/event-stream body into its events (id, retry and data fields only).
std::vector<sse_event> parse_sse(const std::string& body) {
  std::vector<sse_event> out;
  std::size_t pos = 0;
  while (pos < body.size()) {
    auto end = body.find("\n\n", pos);
    if (end == std::string::npos) break;
    sse_event e;
    std::string_view block(body.data() + pos, end - pos);
    while (!block.empty()) {
      auto nl = block.find('\n');
      std::string_view line = block.substr(0, nl);
      auto field = [&](std::string_view name) { return line.starts_with(name) ? std::string(line.substr(name.size())) : std::string(); };
      if (line.starts_with("id: ")) e.id = field("id: ");
      if (line.starts_with("data: ")) e.data = field("data: ");
      if (line.starts_with("retry: ")) e.retry = field("retry: ");
      if (nl == std::string_view::npos) break;
      block.remove_prefix(nl + 1);
    }
    out.push_back(std::move(e));
    pos = end + 2;
  }
  return out;
}

constexpr const char* kInitAsking =
    R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"elicitation":{}},"clientInfo":{"name":"t","version":"1"}}})";

struct polling_fixture : fixture {
  std::string sid;
  explicit polling_fixture(transport_options o = {}) : fixture(std::move(o)) {
    srv.tool("ask", "Asks the user", [](context& ctx) {
      ctx.progress(1, 2);
      return "got " + json::serialize(ctx.elicit("Name?", {{"type", "object"}}));
    });
    auto r = send("POST", kInitAsking);
    sid = std::string(r.headers.get("Mcp-Session-Id").value_or(""));
  }
  http::response post(std::string body) { return send("POST", std::move(body), {{"Mcp-Session-Id", sid}}); }
  http::response resume(std::string last) {
    return send("GET", "", {{"Mcp-Session-Id", sid}, {"Last-Event-ID", std::move(last)}, {"Accept", "text/event-stream"}});
  }
};

TEST(Transport, ElicitationEndsThePostStreamAndResumesWithGet) {
  polling_fixture f;
  auto r = f.post(R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"ask","_meta":{"progressToken":"p"}}})");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.get("Content-Type"), "text/event-stream");
  auto ev = parse_sse(r.body);
  ASSERT_EQ(ev.size(), 3u);
  std::string stream = ev[0].id.substr(0, ev[0].id.find('/'));
  EXPECT_EQ(ev[0].id, stream + "/0");   // priming: an id and empty data
  EXPECT_EQ(ev[0].retry, "200");
  EXPECT_EQ(ev[0].data, "");
  EXPECT_EQ(ev[1].id, stream + "/1");
  EXPECT_EQ(ev[1].data, R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"p","progress":1E0,"total":2E0}})");
  EXPECT_EQ(ev[2].id, stream + "/2");
  EXPECT_EQ(ev[2].data, R"({"jsonrpc":"2.0","id":1,"method":"elicitation/create","params":{"message":"Name?","requestedSchema":{"type":"object"}}})");

  // The answer is a POSTed JSON-RPC response: 202, and the tool continues.
  EXPECT_EQ(f.post(R"({"jsonrpc":"2.0","id":1,"result":{"action":"accept","content":{"name":"Ada"}}})").status, 202);
  auto g = f.resume(stream + "/2");
  ASSERT_EQ(g.status, 200);
  auto rest = parse_sse(g.body);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].id, stream + "/3");
  EXPECT_EQ(rest[0].data,
            R"({"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"got {\"action\":\"accept\",\"content\":{\"name\":\"Ada\"}}"}]}})");
  // Delivered streams are forgotten; GET without Last-Event-ID is still not a server stream.
  EXPECT_EQ(f.resume(stream + "/3").status, 404);
  EXPECT_EQ(f.send("GET", "", {{"Mcp-Session-Id", f.sid}}).status, 405);
}

TEST(Transport, ClientErrorAnswerAndTimeoutBecomeToolErrors) {
  polling_fixture f({.client_request_timeout = 50ms});
  auto first = parse_sse(f.post(R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"ask"}})").body);
  ASSERT_EQ(first.size(), 2u);
  std::string stream = first[0].id.substr(0, first[0].id.find('/'));
  EXPECT_EQ(f.post(R"({"jsonrpc":"2.0","id":1,"error":{"code":-1,"message":"user closed the dialog"}})").status, 202);
  auto rest = parse_sse(f.resume(stream + "/1").body);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].data,
            R"({"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"elicitation/create failed: user closed the dialog"}],"isError":true}})");

  auto second = parse_sse(f.post(R"({"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"ask"}})").body);
  ASSERT_EQ(second.size(), 2u);
  stream = second[0].id.substr(0, second[0].id.find('/'));
  auto late = parse_sse(f.resume(stream + "/1").body);   // nobody answers: the 50 ms timeout ends the wait
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].data,
            R"({"jsonrpc":"2.0","id":8,"result":{"content":[{"type":"text","text":"elicitation/create: no answer from the client"}],"isError":true}})");
}

TEST(Transport, CloseStreamAndReplayFromAnEarlierEvent) {
  polling_fixture f;
  f.srv.tool("hangup", "Ends its stream early", [](context& ctx) {
    ctx.log("info", "before");
    ctx.close_stream();
    return std::string("done");
  });
  auto ev = parse_sse(f.post(R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"hangup"}})").body);
  ASSERT_EQ(ev.size(), 2u);
  std::string stream = ev[0].id.substr(0, ev[0].id.find('/'));
  EXPECT_EQ(ev[1].data, R"({"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"before"}})");
  auto again = parse_sse(f.resume(stream + "/0").body);   // the client missed event 1: it is sent again
  ASSERT_FALSE(again.empty());
  EXPECT_EQ(again[0].id, stream + "/1");
  EXPECT_EQ(again[0].data, ev[1].data);
  if (again.size() == 1) again = parse_sse(f.resume(stream + "/1").body);   // the tool had not returned yet
  ASSERT_FALSE(again.empty());
  EXPECT_EQ(again.back().id, stream + "/2");
  EXPECT_EQ(again.back().data, R"({"jsonrpc":"2.0","id":3,"result":{"content":[{"type":"text","text":"done"}]}})");
  // A stream of another session, or a made-up id: 404.
  EXPECT_EQ(f.resume("nope/1").status, 404);
}

// A client that declared nothing a tool could ask of it is served inline: a tool that tries to
// ask anyway gets an isError result in the same plain JSON response, no stream is opened.
TEST(Transport, ClientsThatCannotBeAskedAreServedInline) {
  fixture f;
  f.srv.tool("ask", "Asks the user", [](context& ctx) {
    return "got " + json::serialize(ctx.elicit("Name?", {{"type", "object"}}));
  });
  std::string sid = f.initialize();   // kInit declares no capabilities
  auto r = f.send("POST", R"({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"ask"}})", {{"Mcp-Session-Id", sid}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.get("Content-Type"), "application/json");
  auto v = json::parse(r.body).as_object();
  EXPECT_EQ(v.at("id"), 5);
  EXPECT_EQ(v.at("result").at("isError"), true);
}

TEST(Transport, PlainToolCallsStayJson) {
  polling_fixture f;
  auto r = f.post(R"({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"}}})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.get("Content-Type"), "application/json");
  EXPECT_EQ(r.body, R"({"jsonrpc":"2.0","id":4,"result":{"content":[{"type":"text","text":"hi"}]}})");
}
}  // namespace
}  // namespace authplane::mcp

namespace authplane::mcp {
namespace {
TEST(Transport, InvalidToolCallOnTheWorkerPathIsStill400) {
  fixture f;
  std::string sid = f.initialize();
  auto r = f.send("POST", R"({"jsonrpc":"1.0","id":9,"method":"tools/call","params":{"name":"echo"}})", {{"Mcp-Session-Id", sid}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, R"({"jsonrpc":"2.0","id":9,"error":{"code":-32600,"message":"Invalid Request: jsonrpc must be \"2.0\""}})");
}
}  // namespace
}  // namespace authplane::mcp
