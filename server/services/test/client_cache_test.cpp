#include "authplane/services/catalog.hpp"
#include "authplane/services/client_cache.hpp"

#include <gtest/gtest.h>

#include "fakes.hpp"

using namespace authplane;

namespace {
struct counting_clients : fakes::fake_clients {
  int reads = 0;
  result<std::optional<domain::client>> find_client(std::string_view id) override {
    ++reads;
    return fake_clients::find_client(id);
  }
};
}  // namespace

TEST(ClientCache, ServesRepeatsFromMemoryUntilTtl) {
  manual_clock clk{1000};
  counting_clients inner;
  domain::client c;
  c.id = "a";
  inner.rows["a"] = c;
  services::client_cache cache{inner, clk, 1};
  ASSERT_TRUE((*cache.find_client("a")).has_value());
  ASSERT_TRUE((*cache.find_client("a")).has_value());
  EXPECT_EQ(inner.reads, 1);
  clk.advance(1);
  ASSERT_TRUE((*cache.find_client("a")).has_value());
  EXPECT_EQ(inner.reads, 2);
}

TEST(ClientCache, AbsenceIsCachedAndWritesInvalidate) {
  manual_clock clk{1000};
  counting_clients inner;
  services::client_cache cache{inner, clk, 60};
  EXPECT_FALSE((*cache.find_client("b")).has_value());
  EXPECT_FALSE((*cache.find_client("b")).has_value());
  EXPECT_EQ(inner.reads, 1);
  domain::client c;
  c.id = "b";
  ASSERT_TRUE(cache.create_client(c));
  EXPECT_TRUE((*cache.find_client("b")).has_value());
  c.status = domain::client_status::suspended;
  ASSERT_TRUE(cache.update_client(c));
  EXPECT_EQ((*cache.find_client("b"))->status, "suspended");
  ASSERT_TRUE(cache.delete_client("b"));
  EXPECT_FALSE((*cache.find_client("b")).has_value());
}

TEST(ClientCache, BoundedEntries) {
  manual_clock clk{1000};
  counting_clients inner;
  services::client_cache cache{inner, clk, 60, 4};
  for (int i = 0; i < 10; ++i) (void)cache.find_client("id" + std::to_string(i));
  EXPECT_EQ(inner.reads, 10);
  (void)cache.find_client("id9");
  EXPECT_EQ(inner.reads, 10);  // the newest entry survived the purge
}

namespace {
struct manual_feed : ports::change_feed {
  ports::change_versions v;
  int reads = 0;
  result<ports::change_versions> versions() override {
    ++reads;
    return v;
  }
};
}  // namespace

TEST(ClientCache, ChangeFeedInvalidatesWhenAnotherProcessWrites) {
  manual_clock clk{1000};
  counting_clients inner;
  domain::client c;
  c.id = "a";
  inner.rows["a"] = c;
  manual_feed feed;
  services::client_cache cache{inner, clk, 3600, 100, &feed, std::chrono::milliseconds(0)};
  ASSERT_TRUE((*cache.find_client("a")).has_value());
  ASSERT_TRUE((*cache.find_client("a")).has_value());
  EXPECT_EQ(inner.reads, 1);
  inner.rows["a"].status = domain::client_status::suspended;  // written behind the cache's back
  feed.v.clients = 7;
  EXPECT_EQ((*cache.find_client("a"))->status, "suspended");
  EXPECT_EQ(inner.reads, 2);
  EXPECT_GE(feed.reads, 3);
}

TEST(ResourceCatalog, ChangeFeedReloadsSnapshot) {
  fakes::fake_resources store;
  manual_feed feed;
  services::resource_catalog catalog{store, &feed, std::chrono::milliseconds(0)};
  ASSERT_TRUE(catalog.refresh());
  domain::resource r;
  EXPECT_EQ(catalog.resolve("demo", r), services::resource_catalog::lookup::unknown);
  domain::resource added;
  added.id = "r1";
  added.slug = "demo";
  added.uri = "http://127.0.0.1:8080/mcp";
  store.rows.push_back(added);
  feed.v.resources = 1;
  EXPECT_EQ(catalog.resolve("demo", r), services::resource_catalog::lookup::found);
  EXPECT_EQ(r.uri, "http://127.0.0.1:8080/mcp");
}
