// Argon2id password hashing: PHC format with the configured cost, salted, verify, rehash
// detection when the cost changes, and refusal of malformed stored hashes.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "authplane/services/passwords.hpp"

namespace authplane::services {
namespace {

const argon2id_cost kFast = argon2id_cost::minimum();

TEST(argon2id_passwords, HashIsArgon2idPhcStringWithTheConfiguredCost) {
  argon2id_passwords pw(kFast);
  auto h = pw.hash("correct horse battery staple");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->rfind("$argon2id$v=19$m=8,t=1,p=1$", 0), 0u) << *h;
  EXPECT_EQ(h->find("correct horse"), std::string::npos);
}

TEST(argon2id_passwords, InteractiveCostIsTwoPassesOver64MiB) {
  auto c = argon2id_cost::interactive();
  EXPECT_EQ(c.opslimit, 2u);
  EXPECT_EQ(c.memlimit, 64u * 1024 * 1024);
}

TEST(argon2id_passwords, SameInputHashesDifferently) {
  argon2id_passwords pw(kFast);
  EXPECT_NE(*pw.hash("password-1"), *pw.hash("password-1"));  // random salt
}

TEST(argon2id_passwords, VerifyAcceptsOnlyTheRightPassword) {
  argon2id_passwords pw(kFast);
  auto h = *pw.hash("password-1");
  EXPECT_TRUE(pw.verify("password-1", h));
  EXPECT_FALSE(pw.verify("password-2", h));
  EXPECT_FALSE(pw.verify("password-", h));
  EXPECT_FALSE(pw.verify("", h));
}

TEST(argon2id_passwords, PasswordsWithNulBytesAreHashedWhole) {
  argon2id_passwords pw(kFast);
  std::string with_nul("abc\0defgh", 9);
  auto h = *pw.hash(with_nul);
  EXPECT_TRUE(pw.verify(with_nul, h));
  EXPECT_FALSE(pw.verify("abc", h));
}

TEST(argon2id_passwords, MalformedStoredHashesNeverVerify) {
  argon2id_passwords pw(kFast);
  const std::vector<std::string> malformed = {"", "plaintext", "$argon2id$v=19$m=8,t=1,p=1$", "hs256$abc",
                                              std::string(200, 'x')};
  for (const auto& bad : malformed) {
    EXPECT_FALSE(pw.verify("plaintext", bad)) << bad;
    EXPECT_TRUE(pw.needs_rehash(bad)) << bad;
  }
}

TEST(argon2id_passwords, NeedsRehashWhenTheCostChanged) {
  argon2id_passwords fast(kFast);
  argon2id_passwords stronger({kFast.opslimit + 1, kFast.memlimit * 2});
  auto h = *fast.hash("password-1");
  EXPECT_FALSE(fast.needs_rehash(h));
  EXPECT_TRUE(stronger.needs_rehash(h));
  EXPECT_TRUE(stronger.verify("password-1", h));  // old hashes still verify
  EXPECT_FALSE(stronger.needs_rehash(*stronger.hash("password-1")));
}

}  // namespace
}  // namespace authplane::services
