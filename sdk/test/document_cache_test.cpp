// Document cache freshness, background refresh, single flight, stale-on-error and rebinding
// (checklist 20-24), with an injected fetcher, a manual clock and a queued background runner.
#include <authplane/sdk/document_cache.hpp>
#include <authplane/sdk/error.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <thread>

namespace {
using namespace authplane;
using namespace std::chrono_literals;
using sdk::errc;
constexpr std::int64_t t0 = 1'700'000'000;

struct scripted_fetcher final : sdk::document_fetcher {
  std::mutex mu;
  std::vector<std::string> urls;
  std::string body = "v1";
  int status = 200;
  bool fail = false;
  http::header_list headers;
  std::chrono::milliseconds delay{0};
  result<sdk::fetched_document> get(std::string_view url) override {
    if (delay.count() > 0) std::this_thread::sleep_for(delay);
    std::lock_guard lk(mu);
    urls.emplace_back(url);
    if (fail) return error_code(boost::system::errc::make_error_code(boost::system::errc::connection_refused));
    return sdk::fetched_document{status, headers, body};
  }
  std::size_t calls() {
    std::lock_guard lk(mu);
    return urls.size();
  }
};

// Tasks wait here until the test runs them.
struct queued_runner {
  std::deque<std::function<void()>> tasks;
  sdk::background_runner fn() {
    return [this](std::function<void()> t) { tasks.push_back(std::move(t)); };
  }
  void run_all() {
    while (!tasks.empty()) {
      auto t = std::move(tasks.front());
      tasks.pop_front();
      t();
    }
  }
};

using text_cache = sdk::document_cache<std::string>;

result<std::shared_ptr<const std::string>> parse_text(const sdk::fetched_document& d) {
  if (d.status != 200 || d.body == "bad") return error_code(errc::jwks_fetch_failed);
  return std::make_shared<const std::string>(d.body);
}

struct CacheTest : ::testing::Test {
  std::shared_ptr<scripted_fetcher> f = std::make_shared<scripted_fetcher>();
  std::shared_ptr<manual_clock> clk = std::make_shared<manual_clock>(t0);
  queued_runner runner;
  std::shared_ptr<text_cache> make(std::int64_t ttl = 100, bool background = true) {
    return text_cache::create(f, "https://as.example/doc", {.ttl_seconds = ttl, .retry_seconds = 10}, parse_text, clk,
                              background ? runner.fn() : sdk::background_runner{});
  }
};

http::header_list headers(std::initializer_list<std::pair<const char*, const char*>> hs) {
  http::header_list h;
  for (auto [k, v] : hs) h.add(k, v);
  return h;
}

TEST(Freshness, CacheControlAndExpires) {
  EXPECT_EQ(sdk::server_freshness(headers({{"Cache-Control", "no-store"}}), t0), 0);
  EXPECT_EQ(sdk::server_freshness(headers({{"Cache-Control", "No-Cache"}}), t0), 0);
  EXPECT_EQ(sdk::server_freshness(headers({{"Cache-Control", "max-age=60"}}), t0), 60);
  EXPECT_EQ(sdk::server_freshness(headers({{"cache-control", "public, max-age=0"}}), t0), 0);
  EXPECT_EQ(sdk::server_freshness(headers({{"Cache-Control", "max-age=60, no-store"}}), t0), 0);
  EXPECT_EQ(sdk::server_freshness(headers({{"Cache-Control", "max-age=abc"}}), t0), std::nullopt);
  EXPECT_EQ(sdk::server_freshness(headers({{"Cache-Control", "public"}}), t0), std::nullopt);
  EXPECT_EQ(sdk::server_freshness({}, t0), std::nullopt);
  // 1700000000 = Tue, 14 Nov 2023 22:13:20 GMT
  EXPECT_EQ(sdk::server_freshness(headers({{"Expires", "Tue, 14 Nov 2023 22:15:00 GMT"}}), t0), 100);
  EXPECT_EQ(sdk::server_freshness(headers({{"Expires", "Tue, 14 Nov 2023 22:00:00 GMT"}}), t0), 0);
  EXPECT_EQ(sdk::server_freshness(headers({{"Expires", "0"}}), t0), 0);
  EXPECT_EQ(sdk::server_freshness(headers({{"Expires", "Tue, 14 Nov 2023 22:15:00 GMT"}, {"Cache-Control", "max-age=7"}}), t0), 7);
  EXPECT_EQ(sdk::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
  EXPECT_EQ(sdk::parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(sdk::effective_ttl(300, headers({{"Cache-Control", "max-age=60"}}), t0), 60);
  EXPECT_EQ(sdk::effective_ttl(30, headers({{"Cache-Control", "max-age=60"}}), t0), 30);
  EXPECT_EQ(sdk::effective_ttl(30, {}, t0), 30);
}

TEST_F(CacheTest, WithinTtlNoFetchAfterTtlRefetch) {
  auto c = make(100, false);
  EXPECT_EQ(**c->get(), "v1");
  clk->advance(99);
  f->body = "v2";
  EXPECT_EQ(**c->get(), "v1");
  EXPECT_EQ(f->calls(), 1u);
  clk->advance(1);
  EXPECT_EQ(**c->get(), "v2");
  EXPECT_EQ(f->calls(), 2u);
}

TEST_F(CacheTest, MaxAgeShortensTheTtl) {
  f->headers = headers({{"Cache-Control", "max-age=60"}});
  auto c = make(300, false);
  c->get();
  clk->advance(59);
  c->get();
  EXPECT_EQ(f->calls(), 1u);
  clk->advance(1);
  c->get();
  EXPECT_EQ(f->calls(), 2u);
}

TEST_F(CacheTest, ConfiguredTtlBoundsMaxAge) {
  f->headers = headers({{"Cache-Control", "max-age=1000"}});
  auto c = make(100, false);
  c->get();
  clk->advance(100);
  c->get();
  EXPECT_EQ(f->calls(), 2u);
}

TEST_F(CacheTest, ExpiresUsedWithoutMaxAge) {
  f->headers = headers({{"Expires", "Tue, 14 Nov 2023 22:13:50 GMT"}});  // t0 + 30
  auto c = make(300, false);
  c->get();
  clk->advance(29);
  c->get();
  EXPECT_EQ(f->calls(), 1u);
  clk->advance(1);
  c->get();
  EXPECT_EQ(f->calls(), 2u);
}

TEST_F(CacheTest, NoStoreAndNoCacheRefetchEveryRead) {
  for (const char* cc : {"no-store", "no-cache", "max-age=600, no-cache"}) {
    f->headers = headers({{"Cache-Control", cc}});
    auto c = make(300, true);
    const auto before = f->calls();
    c->get();
    c->get();
    c->get();
    EXPECT_EQ(f->calls() - before, 3u) << cc;
    EXPECT_TRUE(runner.tasks.empty()) << cc;
  }
}

TEST_F(CacheTest, OneBackgroundRefreshPast80Percent) {
  auto c = make(100);
  c->get();
  clk->advance(79);
  c->get();
  EXPECT_TRUE(runner.tasks.empty());
  clk->advance(1);  // 80 % of 100 s
  f->body = "v2";
  EXPECT_EQ(**c->get(), "v1");  // served from cache; the refresh runs in the background
  EXPECT_EQ(**c->get(), "v1");
  EXPECT_EQ(runner.tasks.size(), 1u);
  EXPECT_EQ(f->calls(), 1u);
  runner.run_all();
  EXPECT_EQ(f->calls(), 2u);
  EXPECT_EQ(**c->get(), "v2");
  EXPECT_TRUE(runner.tasks.empty());  // the new document starts a new TTL
  clk->advance(80);
  c->get();
  EXPECT_EQ(runner.tasks.size(), 1u);
}

TEST_F(CacheTest, FailedBackgroundRefreshKeepsValueAndWaitsBeforeRetrying) {
  auto c = make(100);
  c->get();
  clk->advance(85);
  c->get();
  f->fail = true;
  runner.run_all();
  EXPECT_EQ(f->calls(), 2u);
  EXPECT_EQ(**c->get(), "v1");
  EXPECT_TRUE(runner.tasks.empty());  // next background attempt after retry_seconds
  clk->advance(10);
  c->get();
  EXPECT_EQ(runner.tasks.size(), 1u);
}

TEST_F(CacheTest, ConcurrentColdReadsShareOneFetch) {
  f->delay = 200ms;
  auto c = make(100, false);
  std::vector<std::thread> readers;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    readers.emplace_back([&] {
      auto v = c->get();
      if (v && **v == "v1") ++ok;
    });
  }
  for (auto& t : readers) t.join();
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(f->calls(), 1u);
}

TEST_F(CacheTest, StaleOnErrorAndTypedErrorWhenCold) {
  f->fail = true;
  auto cold = make(100, false);
  auto r = cold->get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), boost::system::errc::connection_refused);
  f->fail = false;
  auto c = make(100, false);
  c->get();
  clk->advance(100);
  f->fail = true;
  EXPECT_EQ(**c->get(), "v1");
  const auto after = f->calls();
  EXPECT_EQ(**c->get(), "v1");  // no retry inside retry_seconds
  EXPECT_EQ(f->calls(), after);
}

TEST_F(CacheTest, RefusedDocumentIsNeverCommitted) {
  auto c = make(100, false);
  std::vector<std::string> seen;
  c->on_update([&](const std::shared_ptr<const std::string>& v) { seen.push_back(*v); });
  c->get();
  clk->advance(100);
  f->body = "bad";
  EXPECT_EQ(**c->get(), "v1");
  EXPECT_EQ(**c->refresh(), "v1");
  f->status = 500;
  f->body = "v3";
  EXPECT_EQ(**c->refresh(), "v1");
  EXPECT_EQ(seen, (std::vector<std::string>{"v1"}));
  f->status = 200;
  EXPECT_EQ(**c->refresh(), "v3");
  EXPECT_EQ(seen, (std::vector<std::string>{"v1", "v3"}));
}

TEST_F(CacheTest, RebindFetchesOnlyTheNewUrl) {
  auto c = make(100, false);
  c->get();
  c->rebind("https://as.example/doc2");
  f->body = "v2";
  EXPECT_EQ(**c->get(), "v2");
  clk->advance(100);
  c->get();
  EXPECT_EQ(f->urls, (std::vector<std::string>{"https://as.example/doc", "https://as.example/doc2",
                                               "https://as.example/doc2"}));
  EXPECT_EQ(c->url(), "https://as.example/doc2");
}

TEST_F(CacheTest, RebindFailureKeepsPreviousValueAsFallback) {
  auto c = make(100, false);
  c->get();
  f->fail = true;
  c->rebind("https://as.example/doc2");
  EXPECT_EQ(**c->get(), "v1");
  EXPECT_EQ(f->urls.back(), "https://as.example/doc2");
}
}  // namespace
