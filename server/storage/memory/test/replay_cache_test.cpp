#include "authplane/storage/memory/replay_cache.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <string>
#include <thread>
#include <vector>

namespace authplane::storage::memory {
namespace {

constexpr std::int64_t now = 1'700'000'000;

TEST(replay_cache, SecondInsertOfLiveKeyIsReplay) {
  replay_cache c;
  EXPECT_TRUE(c.insert_if_absent("jti-1", now + 60, now));
  EXPECT_FALSE(c.insert_if_absent("jti-1", now + 60, now));
  EXPECT_FALSE(c.insert_if_absent("jti-1", now + 120, now + 59));
  EXPECT_TRUE(c.insert_if_absent("jti-2", now + 60, now));
}

TEST(replay_cache, ExpiredKeyCountsAsAbsent) {
  replay_cache c;
  EXPECT_TRUE(c.insert_if_absent("k", now + 60, now));
  EXPECT_TRUE(c.insert_if_absent("k", now + 120, now + 60));   // expires_at <= now: gone
  EXPECT_FALSE(c.insert_if_absent("k", now + 180, now + 119));  // recorded afresh until now+120
}

TEST(replay_cache, TwoThreadsSameKeyExactlyOneWins) {
  replay_cache c;
  for (int round = 0; round < 2000; ++round) {
    std::atomic<int> wins{0};
    std::barrier sync(2);
    const std::string key = "k" + std::to_string(round);
    auto racer = [&] {
      sync.arrive_and_wait();
      if (c.insert_if_absent(key, now + 60, now)) ++wins;
    };
    std::thread a(racer), b(racer);
    a.join();
    b.join();
    ASSERT_EQ(wins.load(), 1) << key;
  }
}

TEST(replay_cache, ManyThreadsManyKeysEachKeyAcceptedOnce) {
  replay_cache c(1'000'000);
  constexpr int threads = 8, keys = 20'000;
  std::atomic<int> wins{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&] {
      for (int k = 0; k < keys; ++k)
        if (c.insert_if_absent("key-" + std::to_string(k), now + 60, now)) ++wins;
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(wins.load(), keys);
  EXPECT_EQ(c.size(), static_cast<std::size_t>(keys));
}

TEST(replay_cache, BoundedPurgesExpiredFirst) {
  replay_cache c(160);  // 10 per shard
  for (int k = 0; k < 10'000; ++k) EXPECT_TRUE(c.insert_if_absent("old-" + std::to_string(k), now + 1, now));
  EXPECT_LE(c.size(), c.capacity());
  // Later, everything old has expired: new keys push them out, never refused.
  for (int k = 0; k < 100; ++k) EXPECT_TRUE(c.insert_if_absent("new-" + std::to_string(k), now + 100, now + 10));
  EXPECT_LE(c.size(), c.capacity());
  // Live keys still detected.
  EXPECT_FALSE(c.insert_if_absent("new-99", now + 100, now + 10));
}

TEST(replay_cache, FullOfLiveKeysEvictsSoonestExpiryNeverRefuses) {
  replay_cache c(16);  // 1 per shard: every insert into a used shard evicts
  EXPECT_EQ(c.capacity(), 16u);
  int accepted = 0;
  for (int k = 0; k < 1000; ++k)
    if (c.insert_if_absent("live-" + std::to_string(k), now + 1000 + k, now)) ++accepted;
  EXPECT_EQ(accepted, 1000);  // a full cache never reports a fresh key as replay
  EXPECT_LE(c.size(), 16u);
  // The newest key (latest expiry) survives in its shard.
  EXPECT_FALSE(c.insert_if_absent("live-999", now + 5000, now));
}

TEST(replay_cache, EvictionPrefersSoonestExpiry) {
  replay_cache c(16 * 3);  // 3 per shard
  // Shard placement is internal, so check in bulk: 32 long-lived keys, then a flood of
  // short-lived ones.
  std::vector<std::string> long_lived;
  for (int k = 0; k < 32; ++k) {
    long_lived.push_back("long-" + std::to_string(k));
    c.insert_if_absent(long_lived.back(), now + 10'000, now);
  }
  for (int k = 0; k < 200; ++k) c.insert_if_absent("short-" + std::to_string(k), now + 5, now);
  EXPECT_LE(c.size(), c.capacity());
  // Each short insert evicts the soonest expiry in its shard, i.e. a short one whenever the shard
  // already holds one; long-lived keys can only go while a shard holds no short key.
  int still_detected = 0;
  for (const auto& k : long_lived)
    if (!c.insert_if_absent(k, now + 10'000, now)) ++still_detected;
  EXPECT_GT(still_detected, 16);
}

}  // namespace
}  // namespace authplane::storage::memory
