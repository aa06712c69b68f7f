#include "authplane/core/base64url.hpp"

#include <gtest/gtest.h>

using namespace authplane;

TEST(Base64Url, Rfc4648Vectors) {
  EXPECT_EQ(base64url_encode(""), "");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_encode("foo"), "Zm9v");
  EXPECT_EQ(base64url_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  EXPECT_EQ(*base64url_decode("-_8"), "\xfb\xff");
  EXPECT_EQ(*base64url_decode("Zm9vYmE"), "fooba");
}

TEST(Base64Url, RejectsPaddingAndStdAlphabet) {
  EXPECT_FALSE(base64url_decode("Zg=="));
  EXPECT_FALSE(base64url_decode("+/8"));
  EXPECT_FALSE(base64url_decode("Z"));      // impossible length
  EXPECT_FALSE(base64url_decode("Zh"));     // non-zero trailing bits
  EXPECT_FALSE(base64url_decode("Zm9v\n"));
}

TEST(Base64, StdWithPadding) {
  EXPECT_EQ(base64_encode("user:pass"), "dXNlcjpwYXNz");
  EXPECT_EQ(*base64_decode("dXNlcjpwYXNz"), "user:pass");
  EXPECT_EQ(*base64_decode("Zg=="), "f");
  EXPECT_FALSE(base64_decode("Zg="));
  EXPECT_FALSE(base64_decode("Z=g="));
}

TEST(Base64Url, AlphabetOnly) {
  EXPECT_TRUE(base64url_alphabet_only("AZaz09-_"));
  EXPECT_TRUE(base64url_alphabet_only(""));
  EXPECT_TRUE(base64url_alphabet_only("Z"));  // no length check
  for (const char* bad : {"a+b", "a/b", "a=", "a b", "a.b", "\xc3\xa9"}) EXPECT_FALSE(base64url_alphabet_only(bad)) << bad;
  EXPECT_FALSE(base64url_alphabet_only(std::string_view("a\0b", 3)));
}
