#include <authplane/config/config.hpp>

#include <gtest/gtest.h>

namespace cfg = authplane::config;
using namespace std::chrono_literals;

TEST(Duration, ParsesGoSyntax) {
  EXPECT_EQ(cfg::parse_duration("15m"), cfg::duration(15min));
  EXPECT_EQ(cfg::parse_duration("168h"), cfg::duration(168h));
  EXPECT_EQ(cfg::parse_duration("1h30m"), cfg::duration(90min));
  EXPECT_EQ(cfg::parse_duration("500ms"), cfg::duration(500ms));
  EXPECT_EQ(cfg::parse_duration("10s"), cfg::duration(10s));
  EXPECT_EQ(cfg::parse_duration("1.5h"), cfg::duration(90min));
  EXPECT_EQ(cfg::parse_duration("2h45m30s"), cfg::duration(2h + 45min + 30s));
  EXPECT_EQ(cfg::parse_duration("1500us"), cfg::duration(1ms));
  EXPECT_EQ(cfg::parse_duration("0"), cfg::duration(0));
  EXPECT_EQ(cfg::parse_duration("-1m"), cfg::duration(-1min));
  EXPECT_EQ(cfg::parse_duration(".5s"), cfg::duration(500ms));
}

TEST(Duration, RejectsBareNumbersAndJunk) {
  EXPECT_FALSE(cfg::parse_duration("15"));
  EXPECT_FALSE(cfg::parse_duration("1h30"));
  EXPECT_FALSE(cfg::parse_duration(""));
  EXPECT_FALSE(cfg::parse_duration("abc"));
  EXPECT_FALSE(cfg::parse_duration("1d"));
  EXPECT_FALSE(cfg::parse_duration("m"));
  EXPECT_FALSE(cfg::parse_duration("1 h"));
  EXPECT_FALSE(cfg::parse_duration("99999999999999h"));
}

TEST(Duration, FormatsLikeGo) {
  EXPECT_EQ(cfg::format_duration(15min), "15m0s");
  EXPECT_EQ(cfg::format_duration(168h), "168h0m0s");
  EXPECT_EQ(cfg::format_duration(90min), "1h30m0s");
  EXPECT_EQ(cfg::format_duration(60s), "1m0s");
  EXPECT_EQ(cfg::format_duration(10s), "10s");
  EXPECT_EQ(cfg::format_duration(500ms), "500ms");
  EXPECT_EQ(cfg::format_duration(1500ms), "1.5s");
  EXPECT_EQ(cfg::format_duration(0s), "0s");
  EXPECT_EQ(cfg::format_duration(-90s), "-1m30s");
  EXPECT_EQ(cfg::format_duration(std::chrono::seconds(3600)), "1h0m0s");
}

TEST(Duration, RoundTrips) {
  for (auto text : {"15m0s", "168h0m0s", "1h30m0s", "500ms", "1.25s", "10s"}) {
    auto d = cfg::parse_duration(text);
    ASSERT_TRUE(d) << text;
    EXPECT_EQ(cfg::format_duration(*d), text);
  }
}
