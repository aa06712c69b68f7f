// RFC 8414 URL construction and metadata validation (checklist 1-4, 6, 7).
#include <authplane/sdk/discovery.hpp>
#include <authplane/sdk/error.hpp>

#include <gtest/gtest.h>

namespace {
using namespace authplane;
using sdk::errc;

sdk::fetched_document doc(std::string body, int status = 200) { return {status, {}, std::move(body)}; }

result<sdk::as_metadata> parse(std::string body, std::string_view issuer = "https://as.example/tenant",
                               sdk::fetch_settings s = {}) {
  return sdk::parse_metadata(doc(std::move(body)), issuer, s);
}

void expect_error(const result<sdk::as_metadata>& r, errc code, std::string_view message) {
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), code);
  EXPECT_EQ(r.error().message(), message);
}

TEST(MetadataUrl, WellKnownGoesBeforeTheIssuerPath) {
  EXPECT_EQ(*sdk::metadata_url("https://as.example/tenant"),
            "https://as.example/.well-known/oauth-authorization-server/tenant");
  EXPECT_EQ(*sdk::metadata_url("https://auth.example.com/tenant1"),
            "https://auth.example.com/.well-known/oauth-authorization-server/tenant1");
  EXPECT_EQ(*sdk::metadata_url("https://as.example/a/b/"),
            "https://as.example/.well-known/oauth-authorization-server/a/b");
}

TEST(MetadataUrl, NoPathTrailingSlashPortSchemeQuery) {
  EXPECT_EQ(*sdk::metadata_url("https://as.example/"), "https://as.example/.well-known/oauth-authorization-server");
  EXPECT_EQ(*sdk::metadata_url("https://as.example"), "https://as.example/.well-known/oauth-authorization-server");
  EXPECT_EQ(*sdk::metadata_url("https://as.example:8443//t//"),
            "https://as.example:8443/.well-known/oauth-authorization-server/t");
  EXPECT_EQ(*sdk::metadata_url("http://127.0.0.1:9000/t?x=1#f"),
            "http://127.0.0.1:9000/.well-known/oauth-authorization-server/t");
  EXPECT_EQ(*sdk::metadata_url("https://as.example?x=1"), "https://as.example/.well-known/oauth-authorization-server");
  for (const char* bad : {"as.example", "", "ftp://as.example/", "https://"}) {
    auto r = sdk::metadata_url(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error(), errc::invalid_options) << bad;
  }
}

TEST(ParseMetadata, ExposesFields) {
  auto r = parse(R"({"issuer":"https://as.example/tenant","jwks_uri":"https://as.example/jwks",
      "token_endpoint":"https://as.example/token","introspection_endpoint":"https://as.example/introspect",
      "revocation_endpoint":"https://as.example/revoke","registration_endpoint":"https://as.example/register",
      "scopes_supported":["mcp:echo",7,"mcp:read"],"custom":true})");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->issuer, "https://as.example/tenant");
  EXPECT_EQ(r->jwks_uri, "https://as.example/jwks");
  EXPECT_EQ(r->token_endpoint, "https://as.example/token");
  EXPECT_EQ(r->introspection_endpoint, "https://as.example/introspect");
  EXPECT_EQ(r->revocation_endpoint, "https://as.example/revoke");
  EXPECT_EQ(r->registration_endpoint, "https://as.example/register");
  EXPECT_EQ(r->scopes_supported, (std::vector<std::string>{"mcp:echo", "mcp:read"}));
  EXPECT_TRUE(r->raw.at("custom").as_bool());
}

TEST(ParseMetadata, OptionalEndpointsEmptyWhenAbsent) {
  auto r = parse(R"({"issuer":"https://as.example/tenant","jwks_uri":"https://as.example/jwks"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->token_endpoint, "");
  EXPECT_EQ(r->introspection_endpoint, "");
  EXPECT_TRUE(r->scopes_supported.empty());
}

TEST(ParseMetadata, IssuerMissingOrEmpty) {
  const std::string_view msg = "AS metadata missing required 'issuer' field";
  expect_error(parse(R"({"jwks_uri":"https://as.example/jwks"})"), errc::metadata_issuer_missing, msg);
  expect_error(parse(R"({"issuer":"","jwks_uri":"https://as.example/jwks"})"), errc::metadata_issuer_missing, msg);
  expect_error(parse(R"({"issuer":42,"jwks_uri":"https://as.example/jwks"})"), errc::metadata_issuer_missing, msg);
}

TEST(ParseMetadata, IssuerMismatchIsByteExact) {
  const std::string_view msg = "AS metadata issuer mismatch";
  expect_error(parse(R"({"issuer":"https://as.example/tenant/","jwks_uri":"https://as.example/jwks"})"),
               errc::metadata_issuer_mismatch, msg);
  expect_error(parse(R"({"issuer":"https://AS.example/tenant","jwks_uri":"https://as.example/jwks"})"),
               errc::metadata_issuer_mismatch, msg);
  expect_error(parse(R"({"issuer":"https://evil.example/tenant","jwks_uri":"https://as.example/jwks"})"),
               errc::metadata_issuer_mismatch, msg);
  // A configured issuer ending in '/' is kept as is (checklist 5).
  EXPECT_TRUE(parse(R"({"issuer":"https://as.example/","jwks_uri":"https://as.example/jwks"})", "https://as.example/"));
  expect_error(parse(R"({"issuer":"https://as.example","jwks_uri":"https://as.example/jwks"})", "https://as.example/"),
               errc::metadata_issuer_mismatch, msg);
}

TEST(ParseMetadata, JwksUriRequiredNeverSynthesised) {
  const std::string_view msg = "AS metadata missing required 'jwks_uri' field";
  expect_error(parse(R"({"issuer":"https://as.example/tenant","token_endpoint":"https://as.example/token"})"),
               errc::metadata_endpoint_missing, msg);
  expect_error(parse(R"({"issuer":"https://as.example/tenant","jwks_uri":null})"), errc::metadata_endpoint_missing, msg);
}

TEST(ParseMetadata, EndpointsMustBeAbsoluteHttps) {
  const std::string_view msg = "AS metadata endpoint URL is not absolute or not https";
  const std::string base = R"({"issuer":"https://as.example/tenant","jwks_uri":"https://as.example/jwks",)";
  for (const char* field : {"token_endpoint", "introspection_endpoint", "revocation_endpoint", "registration_endpoint"}) {
    for (const char* value : {"/relative", "http://as.example/x", "as.example/x", "ftp://as.example/x"}) {
      expect_error(parse(base + "\"" + field + "\":\"" + value + "\"}"), errc::metadata_endpoint_invalid, msg);
    }
  }
  expect_error(parse(R"({"issuer":"https://as.example/tenant","jwks_uri":"/jwks"})"), errc::metadata_endpoint_invalid, msg);
  expect_error(parse(R"({"issuer":"https://as.example/tenant","jwks_uri":"http://as.example/jwks"})"),
               errc::metadata_endpoint_invalid, msg);
  expect_error(parse(base + R"("token_endpoint":5})"), errc::metadata_endpoint_invalid, msg);
}

TEST(ParseMetadata, HttpEndpointsWhenHttpAllowed) {
  sdk::fetch_settings s;
  s.allow_http = true;
  auto r = parse(R"({"issuer":"https://as.example/tenant","jwks_uri":"http://as.example/jwks",
                     "token_endpoint":"http://as.example/token"})",
                 "https://as.example/tenant", s);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->jwks_uri, "http://as.example/jwks");
  expect_error(parse(R"({"issuer":"https://as.example/tenant","jwks_uri":"/jwks"})", "https://as.example/tenant", s),
               errc::metadata_endpoint_invalid, "AS metadata endpoint URL is not absolute or not https");
}

TEST(ParseMetadata, StatusAndBodyShape) {
  const std::string_view msg = "failed to fetch authorization server metadata";
  const std::string good = R"({"issuer":"https://as.example/tenant","jwks_uri":"https://as.example/jwks"})";
  expect_error(sdk::parse_metadata(doc(good, 500), "https://as.example/tenant", {}), errc::metadata_fetch_failed, msg);
  expect_error(sdk::parse_metadata(doc(good, 302), "https://as.example/tenant", {}), errc::metadata_fetch_failed, msg);
  expect_error(parse("[1,2]"), errc::metadata_fetch_failed, msg);
  expect_error(parse("not json"), errc::metadata_fetch_failed, msg);
}
}  // namespace
