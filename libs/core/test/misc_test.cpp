#include <gtest/gtest.h>

#include <set>

#include "authplane/core/clock.hpp"
#include "authplane/core/constant_time.hpp"
#include "authplane/core/random.hpp"

using namespace authplane;

TEST(ConstantTime, Equality) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_FALSE(constant_time_equal("abc", ""));
}

TEST(Random, TokenLengthsAndUniqueness) {
  EXPECT_EQ(random_token(16).size(), 22u);
  EXPECT_EQ(random_token(32).size(), 43u);
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(random_token(16));
  EXPECT_EQ(seen.size(), 1000u);
}

// 1 in 64 tokens starts with '-'; 5000 draws would contain ~78 of them.
TEST(Random, IdentifiersNeverStartWithADash) {
  for (int i = 0; i < 5000; ++i) {
    std::string id = random_identifier(16);
    ASSERT_EQ(id.size(), 22u);
    ASSERT_NE(id.front(), '-') << id;
  }
}

TEST(Clock, ManualClockMoves) {
  manual_clock c{100};
  c.advance(5);
  EXPECT_EQ(c.now(), 105);
  system_clock s;
  EXPECT_GT(s.now(), 1'700'000'000);
}
