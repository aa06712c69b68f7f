// The admin-private helpers: RFC 3339 formatting/parsing, uptime text, http(s) URI checks.
#include <gtest/gtest.h>

#include "../src/admin/admin_common.hpp"

namespace authplane::api::admin_detail {
namespace {

TEST(AdminRfc3339, Format) {
  EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(1795662600), "2026-11-26T03:10:00Z");
  EXPECT_EQ(format_rfc3339(951782400), "2000-02-29T00:00:00Z");
  EXPECT_EQ(format_rfc3339(253402300799), "9999-12-31T23:59:59Z");
}

TEST(AdminRfc3339, ParseValid) {
  EXPECT_EQ(parse_rfc3339("2026-11-26T03:10:00Z"), 1795662600);
  EXPECT_EQ(parse_rfc3339("2026-11-26t03:10:00z"), 1795662600);
  EXPECT_EQ(parse_rfc3339("2026-11-26T03:10:00.999999999Z"), 1795662600);
  EXPECT_EQ(parse_rfc3339("2026-11-26T05:10:00+02:00"), 1795662600);
  EXPECT_EQ(parse_rfc3339("2026-11-25T22:40:00-04:30"), 1795662600);
  EXPECT_EQ(parse_rfc3339("2028-02-29T00:00:00Z"), 1835395200);
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_rfc3339("2016-12-31T23:59:60Z"), 1483228799);  // leap second read as :59
}

TEST(AdminRfc3339, RoundTrip) {
  for (std::int64_t t : {0LL, 1LL, 86399LL, 1795662600LL, 4102444800LL})
    EXPECT_EQ(parse_rfc3339(format_rfc3339(t)), t) << t;
}

TEST(AdminRfc3339, ParseInvalid) {
  for (const char* s : {"", "2026-11-26", "2026-11-26T03:10:00", "2026-11-26 03:10:00Z", "2026-13-01T00:00:00Z",
                        "2026-00-01T00:00:00Z", "2026-02-29T00:00:00Z", "2026-04-31T00:00:00Z",
                        "2026-11-26T24:00:00Z", "2026-11-26T23:60:00Z", "2026-11-26T23:00:61Z",
                        "2026-11-26T03:10:00.Z", "2026-11-26T03:10:00+0200", "2026-11-26T03:10:00+24:00",
                        "2026-11-26T03:10:00Zjunk", "+2026-11-26T03:10:00Z", "2026-1-26T03:10:00Z",
                        "２026-11-26T03:10:00Z", "2026-11-26T03:10:00+02:60"})
    EXPECT_FALSE(parse_rfc3339(s)) << s;
}

TEST(AdminUptime, Format) {
  EXPECT_EQ(format_uptime(0), "0h 0m 0s");
  EXPECT_EQ(format_uptime(59), "0h 0m 59s");
  EXPECT_EQ(format_uptime(3600), "1h 0m 0s");
  EXPECT_EQ(format_uptime(86400), "1d 0h 0m 0s");
  EXPECT_EQ(format_uptime(93784), "1d 2h 3m 4s");
  EXPECT_EQ(format_uptime(-5), "0h 0m 0s");
}

TEST(AdminUri, ParsesHostAndScheme) {
  std::string err;
  auto p = parse_http_uri("HTTPS://User@Example.COM:8443/p?q#f", err);
  ASSERT_TRUE(p) << err;
  EXPECT_EQ(p->scheme, "https");
  EXPECT_EQ(p->host, "example.com");
  EXPECT_TRUE(p->has_fragment);
  p = parse_http_uri("http://[::1]:8080/cb", err);
  ASSERT_TRUE(p) << err;
  EXPECT_EQ(p->host, "::1");
  EXPECT_TRUE(is_loopback_host(p->host));
  p = parse_http_uri("http://localhost", err);
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->has_fragment);
  EXPECT_FALSE(is_loopback_host("localhost.evil.example"));
  EXPECT_FALSE(is_loopback_host("127.0.0.2"));
}

TEST(AdminUri, Rejects) {
  struct c {
    const char* uri;
    const char* why;
  } cases[] = {{"", "must be an absolute URI"},
               {"example.com/cb", "must be an absolute URI"},
               {":x", "must be an absolute URI"},
               {"javascript:alert(1)", "scheme must be http or https"},
               {"https:example.com", "must be an absolute URI with a host"},
               {"https://", "must be an absolute URI with a host"},
               {"https://:443/", "must be an absolute URI with a host"},
               {"https://user@/", "must be an absolute URI with a host"},
               {"https://[::1/", "has an invalid host"},
               {"https://evil.example\\.good.example/", "has an invalid host"},
               {"https://a\"b.example/", "has an invalid host"},
               {"https://[::1;x]/", "has an invalid host"},
               {"https://a.example:x/", "has an invalid port"},
               {"https://a.example:65536/", "has an invalid port"},
               {"https://[::1]x/", "has an invalid port"},
               {"https://a.example/\x01", "must not contain whitespace or control characters"},
               {"https://a.example/\x7f", "must not contain whitespace or control characters"}};
  for (const auto& k : cases) {
    std::string err;
    EXPECT_FALSE(parse_http_uri(k.uri, err)) << k.uri;
    EXPECT_EQ(err, k.why) << k.uri;
  }
  std::string err;
  EXPECT_TRUE(parse_http_uri("https://a.example:/", err)) << "empty port is allowed by RFC 3986";
  EXPECT_TRUE(parse_http_uri("https://a.example:65535/", err));
}

TEST(AdminQuery, PageBounds) {
  std::string err;
  auto q = parse_query("limit=0&offset=0");
  ASSERT_TRUE(q);
  auto p = parse_page(*q, err);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->limit, 50u);  // 0 means the default
  EXPECT_EQ(p->offset, 0u);
  q = parse_query("limit=&offset=");
  p = parse_page(*q, err);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->limit, 50u);
  EXPECT_FALSE(parse_query("a=%"));
  EXPECT_EQ(parse_query("a=1&a=2")->value("a"), "1");
}

}  // namespace
}  // namespace authplane::api::admin_detail
