#include "authplane/crypto/hash.hpp"

#include <gtest/gtest.h>

#include <cstdio>

using namespace authplane;

namespace {
std::string hex(std::string_view b) {
  std::string out;
  char buf[3];
  for (unsigned char c : b) {
    std::snprintf(buf, sizeof buf, "%02x", c);
    out += buf;
  }
  return out;
}
}  // namespace

TEST(Hash, Sha256Fips180Vectors) {
  EXPECT_EQ(hex(crypto::sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex(crypto::sha256("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(crypto::sha384("abc").size(), 48u);
  EXPECT_EQ(crypto::sha512("abc").size(), 64u);
}

TEST(Hash, HmacSha256Rfc4231Case2) {
  EXPECT_EQ(hex(crypto::hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Hash, HmacSha256EmptyKey) {
  EXPECT_EQ(hex(crypto::hmac_sha256("", "")),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}
