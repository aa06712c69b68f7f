// sdk::beast: a plain Boost.Beast request checked by the guard, and the refusal as a Beast response.
#include <authplane/sdk/beast.hpp>

#include <boost/beast/http.hpp>

#include "helpers.hpp"

namespace {
using namespace sdktest;
namespace bhttp = boost::beast::http;

bhttp::request<bhttp::string_body> post(std::string target) {
  bhttp::request<bhttp::string_body> r{bhttp::verb::post, target, 11};
  r.set(bhttp::field::host, "attacker.example");  // must not influence the URL
  r.set(bhttp::field::content_type, "application/json");
  return r;
}

TEST(BeastAdapter, AllowsAValidTokenAndIgnoresHost) {
  guard_env env;
  auto req = post("/mcp");
  req.set(bhttp::field::authorization, "Bearer " + mint(good_claims()));
  auto o = sdk::beast::authorize(env.g(), "https://mcp.example", req);
  ASSERT_TRUE(o) << o.denied.description;
  EXPECT_EQ(o.allowed->claims->subject, "user-1");
}

TEST(BeastAdapter, RefusalIsTheExactResponse) {
  guard_env env;
  auto req = post("/mcp");
  auto o = sdk::beast::authorize(env.g(), "https://mcp.example", req);
  ASSERT_FALSE(o);
  auto res = sdk::beast::refusal(o.denied, req.version(), true);
  EXPECT_EQ(res.result_int(), 401);
  EXPECT_EQ(res[bhttp::field::www_authenticate], "Bearer scope=\"mcp:echo\", " + rm);
  EXPECT_EQ(res[bhttp::field::content_type], "application/json");
  EXPECT_EQ(res[bhttp::field::cache_control], "no-store");
  EXPECT_EQ(res.body(), R"({"error":"invalid_token","error_description":"Missing Authorization header"})");
  EXPECT_EQ(res[bhttp::field::content_length], std::to_string(res.body().size()));
}

TEST(BeastAdapter, RepeatedAuthorizationHeadersStayVisible) {
  guard_env env;
  auto req = post("/mcp");
  const std::string t = mint(good_claims());
  req.insert(bhttp::field::authorization, "Bearer " + t);
  req.insert(bhttp::field::authorization, "Bearer " + t);
  auto o = sdk::beast::authorize(env.g(), "https://mcp.example", req);
  ASSERT_FALSE(o);
  EXPECT_EQ(o.denied.status, 400);
  EXPECT_EQ(o.denied.code, sdk::errc::invalid_request);
}

TEST(BeastAdapter, PerRouteScopes) {
  guard_env env;
  auto req = post("/mcp");
  req.set(bhttp::field::authorization, "Bearer " + mint(good_claims()));
  auto o = sdk::beast::authorize(env.g(), "https://mcp.example", req, {"mcp:admin"});
  ASSERT_FALSE(o);
  EXPECT_EQ(o.denied.status, 403);
  EXPECT_EQ(o.denied.code, sdk::errc::insufficient_scope);
}
}  // namespace
