#include "authplane/http/message.hpp"

#include <gtest/gtest.h>

#include "authplane/http/server.hpp"

namespace authplane::http {
namespace {
using form = std::vector<std::pair<std::string, std::string>>;

TEST(Message, IequalsIgnoresAsciiCase) {
  EXPECT_TRUE(iequals("Content-Type", "content-type"));
  EXPECT_TRUE(iequals("", ""));
  EXPECT_FALSE(iequals("Content-Type", "Content-Typ"));
  EXPECT_FALSE(iequals("a", "b"));
}

TEST(Message, HeaderListGetCountSet) {
  header_list h;
  h.add("Accept", "a");
  h.add("X-Two", "1");
  h.add("x-two", "2");
  EXPECT_EQ(h.get("ACCEPT"), "a");
  EXPECT_EQ(h.get("x-TWO"), "1");
  EXPECT_FALSE(h.get("missing"));
  EXPECT_EQ(h.count("X-Two"), 2u);
  h.set("X-TWO", "3");
  EXPECT_EQ(h.count("x-two"), 1u);
  EXPECT_EQ(h.get("X-Two"), "3");
  h.set("New", "v");
  EXPECT_EQ(h.get("new"), "v");
  EXPECT_EQ(h.items.size(), 3u);
}

TEST(Message, ResponseFactories) {
  auto j = response::json(201, "{}");
  EXPECT_EQ(j.status, 201);
  EXPECT_EQ(j.headers.get("Content-Type"), "application/json");
  EXPECT_EQ(j.body, "{}");
  auto t = response::text(200, "hi");
  EXPECT_EQ(t.headers.get("content-type"), "text/plain; charset=utf-8");
  auto e = response::empty(204);
  EXPECT_EQ(e.status, 204);
  EXPECT_TRUE(e.headers.items.empty());
  EXPECT_TRUE(e.body.empty());
  EXPECT_EQ(status_text(404), "Not Found");
  EXPECT_EQ(status_text(429), "Too Many Requests");
  EXPECT_EQ(status_text(431), "Request Header Fields Too Large");
}

TEST(Message, ResponderCallsOnceAndAnswers500WhenDropped) {
  std::vector<int> seen;
  {
    responder r([&](response&& x) { seen.push_back(x.status); });
    r(response::empty(200));
    r(response::empty(201));  // ignored
  }
  EXPECT_EQ(seen, std::vector<int>({200}));
  std::string body;
  { responder r([&](response&& x) { seen.push_back(x.status), body = x.body; }); }
  EXPECT_EQ(seen, std::vector<int>({200, 500}));
  EXPECT_EQ(body, R"({"error":"server_error","error_description":"internal error"})");
  responder moved_from([&](response&& x) { seen.push_back(x.status); });
  { responder target(std::move(moved_from)); }
  EXPECT_EQ(seen.size(), 3u);  // only the target answered
}

TEST(Message, UrlDecode) {
  EXPECT_EQ(url_decode("a%20b+c"), "a b c");
  EXPECT_EQ(url_decode("a+b", false), "a+b");
  EXPECT_EQ(url_decode("%41%7a%7A"), "Azz");
  EXPECT_EQ(url_decode(""), "");
  EXPECT_EQ(url_decode("%00"), std::string(1, '\0'));
  EXPECT_FALSE(url_decode("%"));
  EXPECT_FALSE(url_decode("%4"));
  EXPECT_FALSE(url_decode("abc%4"));
  EXPECT_FALSE(url_decode("%zz"));
  EXPECT_FALSE(url_decode("%G1"));
}

TEST(Message, UrlEncodeRoundTrip) {
  EXPECT_EQ(url_encode("aZ09-._~"), "aZ09-._~");
  EXPECT_EQ(url_encode("a b/c?d=e&f+g"), "a%20b%2Fc%3Fd%3De%26f%2Bg");
  EXPECT_EQ(url_encode("\xff"), "%FF");
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  EXPECT_EQ(url_decode(url_encode(all)), all);
}

TEST(Message, ParseForm) {
  EXPECT_EQ(parse_form("grant_type=client_credentials&scope=a+b%20c"),
            (form{{"grant_type", "client_credentials"}, {"scope", "a b c"}}));
  EXPECT_EQ(parse_form(""), form{});
  EXPECT_EQ(parse_form("&&a=1&&"), (form{{"a", "1"}}));
  EXPECT_EQ(parse_form("flag&x="), (form{{"flag", ""}, {"x", ""}}));
  EXPECT_EQ(parse_form("a=1&a=2"), (form{{"a", "1"}, {"a", "2"}}));
  EXPECT_EQ(parse_form("a=b=c"), (form{{"a", "b=c"}}));
  EXPECT_EQ(parse_form("=v"), (form{{"", "v"}}));
  EXPECT_EQ(parse_form("k%3D=v%26"), (form{{"k=", "v&"}}));
  EXPECT_FALSE(parse_form("a=%zz"));
  EXPECT_FALSE(parse_form("a%2=1"));
  EXPECT_FALSE(parse_form("a=1&b=%"));
}

TEST(SplitHostPort, Forms) {
  EXPECT_EQ(split_host_port(":9000"), (std::pair<std::string, std::uint16_t>{"0.0.0.0", 9000}));
  EXPECT_EQ(split_host_port("127.0.0.1:9000"), (std::pair<std::string, std::uint16_t>{"127.0.0.1", 9000}));
  EXPECT_EQ(split_host_port("localhost:0"), (std::pair<std::string, std::uint16_t>{"localhost", 0}));
  EXPECT_EQ(split_host_port("[::1]:9000"), (std::pair<std::string, std::uint16_t>{"::1", 9000}));
  EXPECT_EQ(split_host_port("[::]:65535"), (std::pair<std::string, std::uint16_t>{"::", 65535}));
  for (const char* bad : {"", "9000", "host", "host:", ":", ":65536", ":99999999", "h:12a", "::1:80", "[::1]",
                          "[::1]80", "[::1:80", "[]:80", "h:-1", "a b:80"}) {
    EXPECT_THROW(split_host_port(bad), std::invalid_argument) << bad;
  }
}
}  // namespace
}  // namespace authplane::http
