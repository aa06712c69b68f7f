#include "authplane/core/scope.hpp"

#include <gtest/gtest.h>

using namespace authplane;

TEST(Scope, SplitDedupsAndKeepsOrder) {
  EXPECT_EQ(split_scopes("  b a  b c "), (std::vector<std::string>{"b", "a", "c"}));
  EXPECT_TRUE(split_scopes("").empty());
  EXPECT_EQ(join_scopes({"x", "y"}), "x y");
}

TEST(Scope, Subset) {
  EXPECT_TRUE(scopes_subset({}, {"a"}));
  EXPECT_TRUE(scopes_subset({"a"}, {"b", "a"}));
  EXPECT_FALSE(scopes_subset({"a", "c"}, {"a", "b"}));
}

TEST(Scope, TokenGrammar) {
  EXPECT_TRUE(valid_scope_token("mcp:echo"));
  EXPECT_TRUE(valid_scope_token("tools/query_database"));
  EXPECT_FALSE(valid_scope_token(""));
  EXPECT_FALSE(valid_scope_token("a\"b"));
  EXPECT_FALSE(valid_scope_token("a\\b"));
  EXPECT_FALSE(valid_scope_token("a b"));
}
