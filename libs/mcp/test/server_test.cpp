#include <gtest/gtest.h>

#include "authplane/mcp/server.hpp"

namespace demo2 {
struct add_args {
  int a = 0;
  int b = 0;
  std::optional<std::string> note;
};
}  // namespace demo2
template <>
struct authplane::mcp::describe<demo2::add_args> {
  static auto fields() {
    return std::tuple{mcp::field("a", &demo2::add_args::a, "first"), mcp::field("b", &demo2::add_args::b),
                      mcp::field("note", &demo2::add_args::note)};
  }
};

namespace authplane::mcp {
namespace {
namespace json = boost::json;

std::string call(const server& srv, std::string_view body, session_state* st = nullptr, const principal* who = nullptr) {
  session_state local;
  local.protocol_version = "2025-11-25";
  auto r = srv.dispatch(body, st ? *st : local, who);
  return r.reply ? json::serialize(*r.reply) : std::string("<none>");
}

std::string init_body(std::string_view version) {
  return R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":")" + std::string(version) +
         R"(","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})";
}

TEST(Server, InitializeNegotiation) {
  server srv{{.name = "demo-server", .version = "1.0.0"}};
  for (std::string v : {"2025-11-25", "2025-06-18", "2025-03-26"}) {
    session_state st;
    EXPECT_EQ(call(srv, init_body(v), &st),
              R"({"jsonrpc":"2.0","id":1,"result":{"protocolVersion":")" + v +
                  R"(","capabilities":{"logging":{}},"serverInfo":{"name":"demo-server","version":"1.0.0"}}})");
    EXPECT_EQ(st.protocol_version, v);
  }
  session_state st;
  EXPECT_EQ(call(srv, init_body("2024-11-05"), &st),
            R"({"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-11-25","capabilities":{"logging":{}},)"
            R"("serverInfo":{"name":"demo-server","version":"1.0.0"}}})");
  EXPECT_EQ(call(srv, R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{}})"),
            R"({"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Invalid params: protocolVersion must be a string"}})");
}

// dispatch_parsed (used by the HTTP transport, which parses the body once) answers exactly as
// dispatch does on the same text: single messages, batches, errors, tool arguments read in place.
TEST(Server, DispatchParsedMatchesDispatch) {
  server srv{{.name = "s", .version = "1"}};
  srv.tool("echo", "Echo", {"text"}, [](std::string t) { return t; });
  srv.raw_tool("keys", "Argument keys", json::object{{"type", "object"}}, [](const json::object& args) {
    std::string out;
    for (const auto& kv : args) out += std::string(kv.key()) + ";";
    return tool_result::text(out);
  });
  const std::vector<std::string> bodies = {
      R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"}}})",
      R"({"jsonrpc":"2.0","id":"x","method":"tools/call","params":{"name":"keys","arguments":{"b":1,"a":{"c":[1,2]}}}})",
      R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"keys"}})",
      R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"keys","arguments":null}})",
      R"({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"keys","arguments":[1]}})",
      R"({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"nope"}})",
      R"({"jsonrpc":"2.0","id":6,"method":"tools/call","params":[]})",
      R"({"jsonrpc":"2.0","id":7,"method":"tools/list"})",
      R"({"jsonrpc":"2.0","id":8,"method":"no/such"})",
      R"({"jsonrpc":"2.0","method":"notifications/initialized"})",
      R"({"jsonrpc":"1.0","id":9,"method":"ping"})",
      R"({"jsonrpc":"2.0","id":{},"method":"ping"})",
      R"({"jsonrpc":"2.0","id":10,"result":{}})",
      R"([])",
      R"([{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"notifications/x"},3])",
      R"(42)",
  };
  for (std::string version : {"2025-11-25", "2025-03-26"}) {
    for (const auto& b : bodies) {
      session_state a, c;
      a.protocol_version = c.protocol_version = version;
      auto by_text = srv.dispatch(b, a);
      auto by_value = srv.dispatch_parsed(json::parse(b), c);
      EXPECT_EQ(by_text.reply.has_value(), by_value.reply.has_value()) << b;
      if (by_text.reply && by_value.reply) EXPECT_EQ(json::serialize(*by_text.reply), json::serialize(*by_value.reply)) << b;
      EXPECT_EQ(by_text.parse_failed, by_value.parse_failed) << b;
    }
  }
  session_state st;
  auto bad = srv.dispatch("{nope", st);
  ASSERT_TRUE(bad.reply);
  EXPECT_TRUE(bad.parse_failed);
  EXPECT_EQ(json::serialize(*bad.reply), R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}})");
  EXPECT_EQ(call(srv, R"({"jsonrpc":"2.0","id":"x","method":"tools/call","params":{"name":"keys","arguments":{"b":1,"a":2}}})"),
            R"({"jsonrpc":"2.0","id":"x","result":{"content":[{"type":"text","text":"b;a;"}]}})");
}

TEST(Server, CapabilitiesInstructionsAndTitle) {
  server srv{{.name = "s", .version = "2", .title = "S", .instructions = "Use echo."}};
  srv.tool("echo", "Echo", {"text"}, [](std::string t) { return t; });
  srv.resource({.uri = "file:///a.txt", .name = "a"}, [] { return std::string("A"); });
  srv.prompt({.name = "p"}, [](const auto&) { return std::vector<prompt_message>{}; });
  EXPECT_EQ(call(srv, init_body("2025-06-18")),
            R"({"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-06-18","capabilities":{"tools":{"listChanged":false},)"
            R"("resources":{"subscribe":true,"listChanged":false},"prompts":{"listChanged":false},"completions":{},"logging":{}},)"
            R"("serverInfo":{"name":"s","version":"2","title":"S"},"instructions":"Use echo."}})");
}

TEST(Server, PingNotificationsAndUnknownMethods) {
  server srv{{.name = "s", .version = "1"}};
  EXPECT_EQ(call(srv, R"({"jsonrpc":"2.0","id":"p","method":"ping"})"), R"({"jsonrpc":"2.0","id":"p","result":{}})");
  EXPECT_EQ(call(srv, R"({"jsonrpc":"2.0","method":"notifications/initialized"})"), "<none>");
  EXPECT_EQ(call(srv, R"({"jsonrpc":"2.0","method":"no/such"})"), "<none>");
  EXPECT_EQ(call(srv, R"({"jsonrpc":"2.0","id":2,"method":"no/such"})"),
            R"({"jsonrpc":"2.0","id":2,"error":{"code":-32601,"message":"Method not found: no/such"}})");
  // tools/list without tools: the capability is not declared.
  EXPECT_EQ(call(srv, R"({"jsonrpc":"2.0","id":3,"method":"tools/list"})"),
            R"({"jsonrpc":"2.0","id":3,"error":{"code":-32601,"message":"Method not found: tools/list"}})");
  EXPECT_EQ(call(srv, "{"), R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}})");
  // A response from the client is accepted silently.
  EXPECT_EQ(call(srv, R"({"jsonrpc":"2.0","id":9,"result":{}})"), "<none>");
}

TEST(Server, BatchesOnlyFor20250326) {
  server srv{{.name = "s", .version = "1"}};
  const char* batch = R"([{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"notifications/x"},)"
                      R"({"jsonrpc":"2.0","id":2,"method":"nope"},5])";
  session_state old;
  old.protocol_version = "2025-03-26";
  EXPECT_EQ(call(srv, batch, &old),
            R"([{"jsonrpc":"2.0","id":1,"result":{}},{"jsonrpc":"2.0","id":2,"error":{"code":-32601,"message":"Method not found: nope"}},)"
            R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request: not a JSON object"}}])");
  EXPECT_EQ(call(srv, R"([{"jsonrpc":"2.0","method":"notifications/initialized"}])", &old), "<none>");
  EXPECT_EQ(call(srv, "[" + init_body("2025-03-26") + "]", &old),
            R"([{"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"Invalid Request: initialize cannot be batched"}}])");
  session_state now;
  now.protocol_version = "2025-06-18";
  auto r = srv.dispatch(batch, now);
  EXPECT_TRUE(r.parse_failed);
  EXPECT_EQ(json::serialize(*r.reply),
            R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request: batches are not supported by protocol version 2025-06-18"}})");
}

TEST(Server, ToolsListPagination) {
  server srv{{.name = "s", .version = "1", .page_size = 2}};
  for (int i = 0; i < 5; ++i) srv.tool("t" + std::to_string(i), "d", [] { return std::string("x"); });
  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    std::string body = R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{)" +
                       (cursor.empty() ? std::string() : R"("cursor":")" + cursor + "\"") + "}}";
    auto v = json::parse(call(srv, body));
    const auto& res = v.at("result").as_object();
    for (const auto& t : res.at("tools").as_array()) seen.emplace_back(t.at("name").as_string());
    cursor = res.contains("nextCursor") ? std::string(res.at("nextCursor").as_string()) : "";
    ++pages;
  } while (!cursor.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, (std::vector<std::string>{"t0", "t1", "t2", "t3", "t4"}));
  for (const char* bad : {R"("zzz")", R"("bzo5OQ")", "5", R"("")"}) {
    EXPECT_EQ(call(srv, std::string(R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"cursor":)") + bad + "}}"),
              R"({"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Invalid cursor"}})")
        << bad;
  }
}

TEST(Server, ToolListingShowsDerivedSchema) {
  server srv{{.name = "s", .version = "1"}};
  srv.tool("echo", "Echo text", {"text", "times"}, [](std::string t, std::optional<int> n) {
    std::string out;
    for (int i = 0; i < n.value_or(1); ++i) out += t;
    return out;
  }, {.title = "Echo", .annotations = json::object{{"readOnlyHint", true}}});
  srv.tool("add", "Add", [](demo2::add_args a) { return json::value(json::object{{"sum", a.a + a.b}}); });
  EXPECT_EQ(call(srv, R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})"),
            R"({"jsonrpc":"2.0","id":1,"result":{"tools":[)"
            R"({"name":"echo","description":"Echo text","inputSchema":{"type":"object","properties":{"text":{"type":"string"},)"
            R"("times":{"type":"integer"}},"required":["text"]},"title":"Echo","annotations":{"readOnlyHint":true}},)"
            R"({"name":"add","description":"Add","inputSchema":{"type":"object","properties":{"a":{"type":"integer","description":"first"},)"
            R"("b":{"type":"integer"},"note":{"type":"string"}},"required":["a","b"]}}]}})");
}

TEST(Server, ToolCallsAndValidation) {
  server srv{{.name = "s", .version = "1", .argument_errors_as_tool_errors = false}};  // the pre-SEP-1303 form
  int runs = 0;
  srv.tool("echo", "Echo", {"text", "times"}, [&](const std::string& t, std::optional<int> n) {
    ++runs;
    std::string out;
    for (int i = 0; i < n.value_or(1); ++i) out += t;
    return out;
  });
  srv.tool("add", "Add", [](demo2::add_args a) { return json::value(json::object{{"sum", a.a + a.b}}); });
  srv.tool("list", "List", {"xs"}, [](std::vector<double> xs) { return json::value(json::array(xs.begin(), xs.end())); });
  srv.tool("nothing", "Nothing", [] {});
  auto tc = [&](std::string_view name, std::string_view args) {
    return call(srv, R"({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":")" + std::string(name) +
                         R"(","arguments":)" + std::string(args) + "}}");
  };
  EXPECT_EQ(tc("echo", R"({"text":"ab","times":2})"),
            R"({"jsonrpc":"2.0","id":5,"result":{"content":[{"type":"text","text":"abab"}]}})");
  EXPECT_EQ(tc("add", R"({"a":2,"b":3})"),
            R"({"jsonrpc":"2.0","id":5,"result":{"content":[{"type":"text","text":"{\"sum\":5}"}],"structuredContent":{"sum":5}}})");
  EXPECT_EQ(tc("list", R"({"xs":[1,2.5]})"),
            R"({"jsonrpc":"2.0","id":5,"result":{"content":[{"type":"text","text":"[1E0,2.5E0]"}]}})");
  EXPECT_EQ(tc("nothing", "{}"), R"({"jsonrpc":"2.0","id":5,"result":{"content":[]}})");
  EXPECT_EQ(tc("nothing", "null"), R"({"jsonrpc":"2.0","id":5,"result":{"content":[]}})");
  runs = 0;
  EXPECT_EQ(tc("echo", R"({"times":2})"),
            R"({"jsonrpc":"2.0","id":5,"error":{"code":-32602,"message":"Invalid arguments for tool echo: missing required argument \"text\""}})");
  EXPECT_EQ(tc("echo", R"({"text":1})"),
            R"({"jsonrpc":"2.0","id":5,"error":{"code":-32602,"message":"Invalid arguments for tool echo: argument \"text\": expected string, got integer"}})");
  EXPECT_EQ(tc("add", R"({"a":2})"),
            R"({"jsonrpc":"2.0","id":5,"error":{"code":-32602,"message":"Invalid arguments for tool add: missing required argument \"b\""}})");
  EXPECT_EQ(tc("echo", "[1]"),
            R"({"jsonrpc":"2.0","id":5,"error":{"code":-32602,"message":"Invalid params: arguments must be an object"}})");
  EXPECT_EQ(tc("nope", "{}"), R"({"jsonrpc":"2.0","id":5,"error":{"code":-32602,"message":"Unknown tool: nope"}})");
  EXPECT_EQ(runs, 0);
  EXPECT_EQ(call(srv, R"({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{}})"),
            R"({"jsonrpc":"2.0","id":5,"error":{"code":-32602,"message":"Invalid params: name must be a string"}})");
}

TEST(Server, ArgumentErrorsAreToolErrorsByDefault) {
  server srv{{.name = "s", .version = "1"}};   // SEP-1303 (MCP 2025-11-25)
  srv.tool("echo", "Echo", {"text"}, [](std::string t) { return t; });
  EXPECT_EQ(call(srv, R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{}}})"),
            R"({"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"Invalid arguments for tool echo: missing required argument \"text\""}],"isError":true}})");
  // An unknown tool stays a protocol error.
  EXPECT_EQ(call(srv, R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x"}})"),
            R"({"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Unknown tool: x"}})");
}

TEST(Server, NestedStructAndRawTool) {
  server srv{{.name = "s", .version = "1"}};
  srv.tool("sum", "Sum", {"args", "scale"}, [](demo2::add_args a, double scale) { return std::to_string((a.a + a.b) * scale); });
  srv.raw_tool("raw", "Raw", json::object{{"type", "object"}}, [](const json::object& args) {
    return tool_result::text(std::to_string(args.size()));
  });
  EXPECT_EQ(call(srv, R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"sum","arguments":{"args":{"a":1,"b":2},"scale":2}}})"),
            R"({"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"6.000000"}]}})");
  EXPECT_EQ(call(srv, R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"sum","arguments":{"args":{"a":1},"scale":2}}})"),
            R"({"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"Invalid arguments for tool sum: missing required argument \"args.b\""}],"isError":true}})");
  EXPECT_EQ(call(srv, R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"raw","arguments":{"x":1,"y":2}}})"),
            R"({"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"2"}]}})");
}

TEST(Server, ContextParameterGivesPrincipalAndProgress) {
  server srv{{.name = "s", .version = "1"}};
  srv.tool("whoami", "Who", [](context& ctx) { return ctx.who() ? ctx.who()->subject : std::string("nobody"); });
  srv.tool("count", "Count", {"n"}, [](context& ctx, int n) {
    for (int i = 1; i <= n; ++i) ctx.progress(i, n, i == n ? "done" : "");
    return std::to_string(n);
  });
  srv.tool("add", "Add", [](const context&, demo2::add_args a) { return std::to_string(a.a + a.b); });
  EXPECT_EQ(call(srv, R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})"),
            R"({"jsonrpc":"2.0","id":1,"result":{"tools":[)"
            R"({"name":"whoami","description":"Who","inputSchema":{"type":"object","properties":{}}},)"
            R"({"name":"count","description":"Count","inputSchema":{"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]}},)"
            R"({"name":"add","description":"Add","inputSchema":{"type":"object","properties":{"a":{"type":"integer","description":"first"},)"
            R"("b":{"type":"integer"},"note":{"type":"string"}},"required":["a","b"]}}]}})");
  principal p{.subject = "alice"};
  session_state st;
  EXPECT_EQ(call(srv, R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami"}})", &st, &p),
            R"({"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"alice"}]}})");
  EXPECT_EQ(call(srv, R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}})"),
            R"({"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"3"}]}})");
  auto r = srv.dispatch(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"count","arguments":{"n":2},"_meta":{"progressToken":"tok"}}})", st);
  ASSERT_EQ(r.notifications.size(), 2u);
  EXPECT_EQ(json::serialize(r.notifications[0]),
            R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"tok","progress":1E0,"total":2E0}})");
  EXPECT_EQ(json::serialize(r.notifications[1]),
            R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"tok","progress":2E0,"total":2E0,"message":"done"}})");
  auto quiet = srv.dispatch(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"count","arguments":{"n":2}}})", st);
  EXPECT_TRUE(quiet.notifications.empty());
}

TEST(Server, ToolErrorsBecomeIsErrorResults) {
  server srv{{.name = "s", .version = "1"}};
  srv.tool("fail", "f", [] () -> std::string { throw tool_error("disk full"); });
  srv.tool("throw", "t", [] () -> std::string { throw std::runtime_error("boom"); });
  srv.tool("flag", "g", [] { return tool_result::text("bad input", true); });
  auto tc = [&](std::string_view name) {
    return call(srv, R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":")" + std::string(name) + R"("}})");
  };
  EXPECT_EQ(tc("fail"), R"({"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"disk full"}],"isError":true}})");
  EXPECT_EQ(tc("throw"), R"({"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"boom"}],"isError":true}})");
  EXPECT_EQ(tc("flag"), R"({"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"bad input"}],"isError":true}})");
}

TEST(Server, RegistrationErrors) {
  server srv{{.name = "s", .version = "1"}};
  srv.tool("a", "a", [] {});
  EXPECT_THROW(srv.tool("a", "a", [] {}), std::invalid_argument);
  EXPECT_THROW(srv.tool("b", "b", {"x"}, [](int, int) {}), std::invalid_argument);
}

TEST(Server, PerToolAuthHook) {
  server srv{{.name = "s", .version = "1"}};
  int runs = 0;
  srv.tool("secret", "s", [&] { ++runs; return std::string("ok"); }, {.auth = require_scopes({"mcp:secret"})});
  const char* body = R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"secret"}})";
  session_state st;
  auto anon = srv.dispatch(body, st, nullptr);
  ASSERT_TRUE(anon.denied);
  EXPECT_EQ(anon.denied->status, 401);
  principal low{.subject = "u", .scopes = {"mcp:other"}};
  auto r = srv.dispatch(body, st, &low);
  ASSERT_TRUE(r.denied);
  EXPECT_EQ(r.denied->status, 403);
  ASSERT_EQ(r.denied->headers.size(), 2u);
  EXPECT_EQ(r.denied->headers[0].second, R"(Bearer error="insufficient_scope", scope="mcp:secret")");
  EXPECT_EQ(json::serialize(*r.reply),
            R"({"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"insufficient scope: requires mcp:secret"}],"isError":true}})");
  EXPECT_EQ(runs, 0);
  principal ok{.subject = "u", .scopes = {"mcp:secret"}};
  auto good = srv.dispatch(body, st, &ok);
  EXPECT_FALSE(good.denied);
  EXPECT_EQ(runs, 1);
}

TEST(Server, ResourcesPromptsLogging) {
  server srv{{.name = "s", .version = "1"}};
  srv.resource({.uri = "file:///hello.txt", .name = "hello", .description = "greeting"}, [] { return std::string("Hello"); });
  srv.prompt({.name = "greet", .description = "Greets", .arguments = {{.name = "who", .required = true}}},
             [](const std::map<std::string, std::string>& a) {
               return std::vector<prompt_message>{{.text = "Say hello to " + a.at("who")}};
             });
  EXPECT_EQ(call(srv, R"({"jsonrpc":"2.0","id":1,"method":"resources/list"})"),
            R"({"jsonrpc":"2.0","id":1,"result":{"resources":[{"uri":"file:///hello.txt","name":"hello","mimeType":"text/plain","description":"greeting"}]}})");
  EXPECT_EQ(call(srv, R"({"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"file:///hello.txt"}})"),
            R"({"jsonrpc":"2.0","id":1,"result":{"contents":[{"uri":"file:///hello.txt","mimeType":"text/plain","text":"Hello"}]}})");
  EXPECT_EQ(call(srv, R"({"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"file:///x"}})"),
            R"({"jsonrpc":"2.0","id":1,"error":{"code":-32002,"message":"Resource not found","data":{"uri":"file:///x"}}})");
  EXPECT_EQ(call(srv, R"({"jsonrpc":"2.0","id":1,"method":"prompts/list"})"),
            R"({"jsonrpc":"2.0","id":1,"result":{"prompts":[{"name":"greet","description":"Greets","arguments":[{"name":"who","required":true}]}]}})");
  EXPECT_EQ(call(srv, R"({"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"name":"greet","arguments":{"who":"Ada"}}})"),
            R"({"jsonrpc":"2.0","id":1,"result":{"messages":[{"role":"user","content":{"type":"text","text":"Say hello to Ada"}}],"description":"Greets"}})");
  EXPECT_EQ(call(srv, R"({"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"name":"greet"}})"),
            R"({"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Missing required argument \"who\""}})");
  EXPECT_EQ(call(srv, R"({"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"name":"x"}})"),
            R"({"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Unknown prompt: x"}})");
  session_state st;
  EXPECT_EQ(call(srv, R"({"jsonrpc":"2.0","id":1,"method":"logging/setLevel","params":{"level":"error"}})", &st),
            R"({"jsonrpc":"2.0","id":1,"result":{}})");
  EXPECT_EQ(st.log_level.load(), 4);
  EXPECT_EQ(call(srv, R"({"jsonrpc":"2.0","id":1,"method":"logging/setLevel","params":{"level":"loud"}})", &st),
            R"({"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Invalid params: unknown log level"}})");
}
}  // namespace
}  // namespace authplane::mcp

namespace authplane::mcp {
namespace {
namespace json = boost::json;

std::string call2(const server& srv, std::string_view body, session_state& st) {
  auto r = srv.dispatch(body, st);
  return r.reply ? json::serialize(*r.reply) : std::string("<none>");
}

TEST(Content, BlocksEncodeBinaryAsBase64) {
  EXPECT_EQ(json::serialize(content::text("hi")), R"({"type":"text","text":"hi"})");
  EXPECT_EQ(json::serialize(content::image("abc", "image/png")), R"({"type":"image","data":"YWJj","mimeType":"image/png"})");
  EXPECT_EQ(json::serialize(content::audio("ab", "audio/wav")), R"({"type":"audio","data":"YWI=","mimeType":"audio/wav"})");
  EXPECT_EQ(json::serialize(content::resource_text("test://r", "text/plain", "T")),
            R"({"type":"resource","resource":{"uri":"test://r","mimeType":"text/plain","text":"T"}})");
  EXPECT_EQ(json::serialize(content::resource_blob("test://b", "image/png", "a")),
            R"({"type":"resource","resource":{"uri":"test://b","mimeType":"image/png","blob":"YQ=="}})");
}

TEST(Server, LogNotificationsFollowTheSessionLevel) {
  server srv{{.name = "s", .version = "1"}};
  srv.tool("talk", "Logs", [](context& ctx) {
    ctx.log("debug", "d");
    ctx.log("warning", json::object{{"k", 1}}, "db");
  });
  session_state st;
  st.protocol_version = "2025-11-25";
  const char* body = R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"talk"}})";
  auto r = srv.dispatch(body, st);   // default level: info
  ASSERT_EQ(r.notifications.size(), 1u);
  EXPECT_EQ(json::serialize(r.notifications[0]),
            R"({"jsonrpc":"2.0","method":"notifications/message","params":{"level":"warning","data":{"k":1},"logger":"db"}})");
  call2(srv, R"({"jsonrpc":"2.0","id":2,"method":"logging/setLevel","params":{"level":"debug"}})", st);
  EXPECT_EQ(srv.dispatch(body, st).notifications.size(), 2u);
  call2(srv, R"({"jsonrpc":"2.0","id":2,"method":"logging/setLevel","params":{"level":"error"}})", st);
  EXPECT_EQ(srv.dispatch(body, st).notifications.size(), 0u);
}

TEST(Server, ClientRequestsNeedCapabilityAndChannel) {
  server srv{{.name = "s", .version = "1"}};
  srv.tool("ask", "Asks", [](context& ctx) { return json::serialize(ctx.elicit("?", {{"type", "object"}})); });
  srv.tool("llm", "Samples", [](context& ctx) { return json::serialize(ctx.sample({{"maxTokens", 1}})); });
  session_state st;
  st.protocol_version = "2025-11-25";
  const char* ask = R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"ask"}})";
  EXPECT_EQ(call2(srv, ask, st),
            R"({"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"the client does not support elicitation"}],"isError":true}})");
  EXPECT_EQ(call2(srv, R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"llm"}})", st),
            R"({"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"the client does not support sampling"}],"isError":true}})");
  call2(srv, R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"elicitation":{}},"clientInfo":{"name":"c","version":"1"}}})", st);
  EXPECT_EQ(call2(srv, ask, st),
            R"({"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"this transport cannot send requests to the client"}],"isError":true}})");
}

TEST(Server, ResourceTemplatesBlobsAndSubscriptions) {
  server srv{{.name = "s", .version = "1"}};
  srv.binary_resource({.uri = "test://bin", .name = "bin", .mime_type = "image/png"}, [] { return std::string("ab"); });
  srv.resource_template({.uri_template = "test://items/{id}/data", .name = "item", .mime_type = "application/json"},
                        [](const std::string& uri, const std::map<std::string, std::string>& v) {
                          return resource_content{uri + " " + v.at("id")};
                        });
  session_state st;
  st.protocol_version = "2025-11-25";
  EXPECT_EQ(call2(srv, R"({"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"test://bin"}})", st),
            R"({"jsonrpc":"2.0","id":1,"result":{"contents":[{"uri":"test://bin","mimeType":"image/png","blob":"YWI="}]}})");
  EXPECT_EQ(call2(srv, R"({"jsonrpc":"2.0","id":1,"method":"resources/templates/list"})", st),
            R"({"jsonrpc":"2.0","id":1,"result":{"resourceTemplates":[{"uriTemplate":"test://items/{id}/data","name":"item","mimeType":"application/json"}]}})");
  EXPECT_EQ(call2(srv, R"({"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"test://items/42/data"}})", st),
            R"({"jsonrpc":"2.0","id":1,"result":{"contents":[{"uri":"test://items/42/data","mimeType":"application/json","text":"test://items/42/data 42"}]}})");
  for (const char* miss : {"test://items//data", "test://items/4/2/data", "test://items/42/datax"})
    EXPECT_EQ(call2(srv, R"({"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":")" + std::string(miss) + "\"}}", st),
              R"({"jsonrpc":"2.0","id":1,"error":{"code":-32002,"message":"Resource not found","data":{"uri":")" +
                  std::string(miss) + "\"}}}");
  EXPECT_EQ(call2(srv, R"({"jsonrpc":"2.0","id":1,"method":"resources/subscribe","params":{"uri":"test://bin"}})", st),
            R"({"jsonrpc":"2.0","id":1,"result":{}})");
  EXPECT_EQ(st.subscriptions, std::set<std::string>{"test://bin"});
  call2(srv, R"({"jsonrpc":"2.0","id":1,"method":"resources/unsubscribe","params":{"uri":"test://bin"}})", st);
  EXPECT_TRUE(st.subscriptions.empty());
  EXPECT_EQ(call2(srv, R"({"jsonrpc":"2.0","id":1,"method":"resources/subscribe","params":{}})", st),
            R"({"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Invalid params: uri must be a string"}})");
}

TEST(Server, CompletionAndPromptContent) {
  server srv{{.name = "s", .version = "1"}};
  auto fruit = [](std::string_view p) {
    std::vector<std::string> out;
    for (std::string f : {"apple", "apricot", "banana"})
      if (f.starts_with(p)) out.push_back(f);
    return out;
  };
  srv.prompt({.name = "p", .arguments = {{.name = "fruit", .complete = fruit}, {.name = "plain"}}}, [](const auto&) {
    return std::vector<prompt_message>{{.content = content::image("x", "image/png")}, {.role = "assistant", .text = "ok"}};
  });
  srv.resource_template({.uri_template = "f://{name}", .name = "f", .complete = {{"name", fruit}}},
                        [](const auto&, const auto&) { return resource_content{"x"}; });
  session_state st;
  st.protocol_version = "2025-11-25";
  auto complete = [&](std::string ref, std::string arg, std::string value) {
    return call2(srv, R"({"jsonrpc":"2.0","id":1,"method":"completion/complete","params":{"ref":)" + ref +
                          R"(,"argument":{"name":")" + arg + R"(","value":")" + value + "\"}}}", st);
  };
  EXPECT_EQ(complete(R"({"type":"ref/prompt","name":"p"})", "fruit", "ap"),
            R"({"jsonrpc":"2.0","id":1,"result":{"completion":{"values":["apple","apricot"],"total":2,"hasMore":false}}})");
  EXPECT_EQ(complete(R"({"type":"ref/prompt","name":"p"})", "plain", "x"),
            R"({"jsonrpc":"2.0","id":1,"result":{"completion":{"values":[],"total":0,"hasMore":false}}})");
  EXPECT_EQ(complete(R"({"type":"ref/resource","uri":"f://{name}"})", "name", "b"),
            R"({"jsonrpc":"2.0","id":1,"result":{"completion":{"values":["banana"],"total":1,"hasMore":false}}})");
  EXPECT_EQ(complete(R"({"type":"ref/prompt","name":"q"})", "fruit", ""),
            R"({"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Unknown prompt: q"}})");
  EXPECT_EQ(complete(R"({"type":"ref/other"})", "fruit", ""),
            R"({"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Invalid params: unknown ref type ref/other"}})");
  EXPECT_EQ(call2(srv, R"({"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"name":"p"}})", st),
            R"({"jsonrpc":"2.0","id":1,"result":{"messages":[{"role":"user","content":{"type":"image","data":"eA==","mimeType":"image/png"}},)"
            R"({"role":"assistant","content":{"type":"text","text":"ok"}}]}})");
}
}  // namespace
}  // namespace authplane::mcp
