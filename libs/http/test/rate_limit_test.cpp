#include "authplane/http/rate_limit.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "authplane/http/client.hpp"
#include "test_support.hpp"

namespace authplane::http {
namespace {
using namespace std::chrono_literals;

TEST(RateLimiter, TokenBucket) {
  rate_limiter rl(2.0, 3.0, 1000);  // 2 tokens/s, burst 3
  double retry = -1;
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(rl.allow("a", 100.0, retry));
    EXPECT_EQ(retry, 0.0);
  }
  EXPECT_FALSE(rl.allow("a", 100.0, retry));
  EXPECT_NEAR(retry, 0.5, 1e-9);
  EXPECT_TRUE(rl.allow("b", 100.0, retry));  // keys are independent
  EXPECT_FALSE(rl.allow("a", 100.25, retry));
  EXPECT_NEAR(retry, 0.25, 1e-9);
  EXPECT_TRUE(rl.allow("a", 100.5, retry));
  EXPECT_FALSE(rl.allow("a", 100.5, retry));
  // Refill is capped at burst.
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(rl.allow("a", 1000.0, retry));
  EXPECT_FALSE(rl.allow("a", 1000.0, retry));
  // Time going backwards never adds tokens.
  EXPECT_FALSE(rl.allow("a", 10.0, retry));
}

TEST(RateLimiter, DisabledWhenRateIsZero) {
  rate_limiter rl(0, 0, 10);
  double retry;
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(rl.allow("k", 1.0, retry));
}

TEST(RateLimiter, BoundedMemoryEvictsLeastRecentlySeen) {
  rate_limiter rl(1.0, 1.0, 64);
  double retry;
  for (int i = 0; i < 10'000; ++i) rl.allow("ip" + std::to_string(i), 1.0, retry);
  EXPECT_LE(rl.tracked(), 64u);
  EXPECT_GT(rl.tracked(), 0u);
  // A single-shard limiter keeps the most recent key.
  rate_limiter small(1.0, 1.0, 2);
  EXPECT_TRUE(small.allow("x", 1.0, retry));
  EXPECT_TRUE(small.allow("y", 1.0, retry));
  EXPECT_FALSE(small.allow("y", 1.0, retry));
  EXPECT_TRUE(small.allow("z", 1.0, retry));   // evicts x (least recently seen)
  EXPECT_FALSE(small.allow("z", 1.0, retry));
  EXPECT_TRUE(small.allow("x", 1.0, retry));   // x forgotten: fresh bucket
  EXPECT_EQ(small.tracked(), 2u);
}

TEST(RateLimiter, ThreadSafe) {
  rate_limiter rl(1000.0, 100.0, 256);
  std::atomic<int> allowed{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&] {
      double retry;
      for (int i = 0; i < 10'000; ++i) {
        if (rl.allow("shared", 5.0, retry)) ++allowed;
        rl.allow("k" + std::to_string(i % 500), 5.0, retry);
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(allowed.load(), 100);  // same instant: exactly the burst
}

TEST(RateLimiter, MiddlewareAnswers429WithRetryAfter) {
  router r;
  r.use(rate_limit_middleware(std::make_shared<rate_limiter>(0.5, 2.0, 100)));
  r.add("GET", "/x", [](request&, responder done) { done(response::empty(200)); });
  test::running_server s(r);
  test::raw_conn c(s.port);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(c.send("GET /x HTTP/1.1\r\nHost: h\r\n\r\n"));
    auto ok = c.read_response();
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->status, 200);
  }
  ASSERT_TRUE(c.send("GET /x HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto limited = c.read_response();
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->status, 429);
  EXPECT_EQ(limited->headers.get("Retry-After"), "2");
  EXPECT_EQ(limited->body, R"({"error":"too_many_requests","error_description":"too many requests"})");
  EXPECT_EQ(limited->headers.get("Content-Type"), "application/json");
  // Unknown paths are limited too (the middleware runs before the 404).
  ASSERT_TRUE(c.send("GET /nope HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto nf = c.read_response();
  ASSERT_TRUE(nf);
  EXPECT_EQ(nf->status, 429);
}
}  // namespace
}  // namespace authplane::http
