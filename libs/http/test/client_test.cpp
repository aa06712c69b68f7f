#include "authplane/http/client.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "test_support.hpp"

namespace authplane::http {
namespace {
using namespace std::chrono_literals;

TEST(Client, RejectsBadUrls) {
  for (const char* bad : {"", "127.0.0.1/x", "http://", "http:///x", "http://user@host/", "http://h:abc/",
                          "http://[::1/", "http://h:/"}) {
    auto r = fetch("GET", bad, {}, "", 1s);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error(), boost::system::errc::invalid_argument) << bad;
  }
  for (const char* other : {"ftp://example.com/", "file:///etc/passwd", "gopher://h/"}) {
    auto r = fetch("GET", other, {}, "", 1s);
    ASSERT_FALSE(r) << other;
    EXPECT_EQ(r.error(), boost::system::errc::protocol_not_supported) << other;
  }
  auto big_port = fetch("GET", "http://h:65536/", {}, "", 1s);
  ASSERT_FALSE(big_port);
  EXPECT_EQ(big_port.error(), boost::system::errc::invalid_argument);
}

TEST(Client, ConnectionRefused) {
  std::uint16_t port;
  {
    router r;
    test::running_server s(r);
    port = s.port;
  }
  auto res = fetch("GET", "http://127.0.0.1:" + std::to_string(port) + "/", {}, "", 2s);
  EXPECT_FALSE(res);
}

TEST(Client, SendsHeadersAndBody) {
  router r;
  r.add("PUT", "/put", [](request& q, responder done) {
    response res = response::text(200, q.body);
    res.set_header("X-Host", std::string(q.headers.get("Host").value_or("")));
    res.set_header("X-Len", std::string(q.headers.get("Content-Length").value_or("")));
    res.set_header("X-Auth", std::string(q.headers.get("Authorization").value_or("")));
    res.set_header("X-Query", q.query);
    done(std::move(res));
  });
  r.add("GET", "/big", [](request&, responder done) { done(response::text(200, std::string(5 * 1024 * 1024, 'x'))); });
  test::running_server s(r);
  header_list h;
  h.add("Authorization", "Bearer abc");
  auto res = fetch("PUT", s.url("/put?q=1#frag"), h, "payload", 5s);
  ASSERT_TRUE(res) << res.error().message();
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "payload");
  EXPECT_EQ(res->headers.get("X-Host"), "127.0.0.1:" + std::to_string(s.port));
  EXPECT_EQ(res->headers.get("X-Len"), "7");
  EXPECT_EQ(res->headers.get("X-Auth"), "Bearer abc");
  EXPECT_EQ(res->headers.get("X-Query"), "q=1");
  auto big = fetch("GET", s.url("/big"), {}, "", 5s);
  EXPECT_FALSE(big);  // over the 4 MiB cap
}

TEST(Client, TimesOut) {
  router r;
  std::vector<std::thread> workers;
  r.add("GET", "/hang", [&](request&, responder done) {
    workers.emplace_back([d = std::move(done)]() mutable {
      std::this_thread::sleep_for(1500ms);
      d(response::empty(200));
    });
  });
  {
    test::running_server s(r);
    auto start = std::chrono::steady_clock::now();
    auto res = fetch("GET", s.url("/hang"), {}, "", 200ms);
    ASSERT_FALSE(res);
    EXPECT_EQ(res.error(), boost::system::errc::timed_out);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1200ms);
  }
  for (auto& t : workers) t.join();
}
}  // namespace
}  // namespace authplane::http
