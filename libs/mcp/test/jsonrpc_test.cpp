#include <gtest/gtest.h>

#include "authplane/mcp/jsonrpc.hpp"

namespace authplane::mcp::jsonrpc {
namespace {
namespace json = boost::json;

std::string dump(const json::value& v) { return json::serialize(v); }

TEST(JsonRpc, ParseErrorHasNullId) {
  auto p = parse("{not json");
  ASSERT_TRUE(p.error);
  EXPECT_EQ(dump(*p.error), R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}})");
}

TEST(JsonRpc, EmptyBatchIsInvalidRequest) {
  auto p = parse("[]");
  ASSERT_TRUE(p.error);
  EXPECT_EQ(p.error->at("error").at("code").as_int64(), invalid_request);
  EXPECT_TRUE(p.error->at("id").is_null());
}

TEST(JsonRpc, ClassifiesMessages) {
  auto req = parse(R"({"jsonrpc":"2.0","id":7,"method":"ping"})");
  ASSERT_FALSE(req.error);
  EXPECT_FALSE(req.batch);
  EXPECT_EQ(req.messages[0].type, kind::request);
  EXPECT_EQ(req.messages[0].id.as_int64(), 7);
  EXPECT_EQ(parse(R"({"jsonrpc":"2.0","method":"notifications/initialized"})").messages[0].type, kind::notification);
  EXPECT_EQ(parse(R"({"jsonrpc":"2.0","id":"a","result":{}})").messages[0].type, kind::response);
  EXPECT_EQ(parse(R"({"jsonrpc":"2.0","id":"a","error":{"code":1,"message":"x"}})").messages[0].type, kind::response);
  auto b = parse(R"([{"jsonrpc":"2.0","id":1,"method":"a"},{"jsonrpc":"2.0","method":"b"}])");
  EXPECT_TRUE(b.batch);
  ASSERT_EQ(b.messages.size(), 2u);
  EXPECT_EQ(b.messages[1].type, kind::notification);
}

TEST(JsonRpc, InvalidRequests) {
  auto check = [](std::string_view body, const char* expected) {
    auto p = parse(body);
    ASSERT_FALSE(p.error) << body;
    ASSERT_EQ(p.messages[0].type, kind::invalid) << body;
    EXPECT_EQ(dump(p.messages[0].error), expected) << body;
  };
  check(R"(42)", R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request: not a JSON object"}})");
  check(R"({"id":1,"method":"ping"})",
        R"({"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"Invalid Request: jsonrpc must be \"2.0\""}})");
  check(R"({"jsonrpc":"2.0","id":null,"method":"ping"})",
        R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request: id must be a string or an integer"}})");
  check(R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})",
        R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request: id must be a string or an integer"}})");
  check(R"({"jsonrpc":"2.0","id":"x","method":5})",
        R"({"jsonrpc":"2.0","id":"x","error":{"code":-32600,"message":"Invalid Request: method must be a string"}})");
  check(R"({"jsonrpc":"2.0","id":2,"method":"ping","params":[1]})",
        R"({"jsonrpc":"2.0","id":2,"error":{"code":-32602,"message":"Invalid params: params must be an object"}})");
  check(R"({"jsonrpc":"2.0","id":3})",
        R"({"jsonrpc":"2.0","id":3,"error":{"code":-32600,"message":"Invalid Request: neither a request, a notification nor a response"}})");
}

TEST(JsonRpc, Builders) {
  EXPECT_EQ(dump(result_response(1, json::object{})), R"({"jsonrpc":"2.0","id":1,"result":{}})");
  EXPECT_EQ(dump(error_response("a", method_not_found, "Method not found", json::value(3))),
            R"({"jsonrpc":"2.0","id":"a","error":{"code":-32601,"message":"Method not found","data":3}})");
  EXPECT_EQ(dump(notification("notifications/progress", {{"progress", 1}})),
            R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progress":1}})");
}
}  // namespace
}  // namespace authplane::mcp::jsonrpc
