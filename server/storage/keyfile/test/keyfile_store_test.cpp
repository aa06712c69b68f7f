#include "authplane/storage/keyfile/keyfile_store.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "authplane/domain/error.hpp"

namespace authplane::storage::keyfile {
namespace {

namespace fs = std::filesystem;
using domain::errc;

class temp_dir {
 public:
  temp_dir() {
    char tmpl[] = "/tmp/authplane-keyfile-test-XXXXXX";
    const char* p = ::mkdtemp(tmpl);
    if (!p) throw std::runtime_error("mkdtemp");
    path_ = p;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Opaque PEM-looking text (the store never parses the key).
std::string fake_pem(const std::string& tag) {
  return "-----BEGIN PRIVATE KEY-----\nMIGH" + tag + "AgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n";
}

domain::signing_key key(const std::string& kid, std::int64_t created_at) {
  return {kid, "ES256", fake_pem(kid), created_at, false};
}

unsigned mode_of(const std::string& path) {
  struct stat st{};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST(keyfile_store, EmptyDirectoryHasNoKeysAndIsCreated0700) {
  temp_dir tmp;
  const std::string dir = tmp.path() + "/a/keys";
  auto s = keyfile_store::open({.directory = dir});
  ASSERT_TRUE(s);
  EXPECT_EQ(mode_of(dir), 0700u);
  auto keys = (*s)->load_keys();
  ASSERT_TRUE(keys);
  EXPECT_TRUE(keys->empty());
}

TEST(keyfile_store, RotateTwiceListsThreeKeysInOrderWithMetadata) {
  temp_dir tmp;
  const std::string dir = tmp.path() + "/keys";
  auto s = keyfile_store::open({.directory = dir});
  ASSERT_TRUE(s);
  ASSERT_TRUE((*s)->rotate_in(key("k1", 1000)));
  ASSERT_TRUE((*s)->rotate_in(key("k2", 2000)));
  ASSERT_TRUE((*s)->rotate_in(key("k3", 3000)));

  auto keys = (*s)->load_keys();
  ASSERT_TRUE(keys);
  ASSERT_EQ(keys->size(), 3u);
  EXPECT_EQ((*keys)[0].kid, "k3");
  EXPECT_TRUE((*keys)[0].current);
  EXPECT_EQ((*keys)[1].kid, "k2");
  EXPECT_FALSE((*keys)[1].current);
  EXPECT_EQ((*keys)[2].kid, "k1");
  EXPECT_FALSE((*keys)[2].current);
  for (const auto& k : *keys) {
    EXPECT_EQ(k.alg, "ES256");
    EXPECT_EQ(k.private_pem, fake_pem(k.kid));  // header lines stripped
  }
  EXPECT_EQ((*keys)[0].created_at, 3000);
  EXPECT_EQ((*keys)[1].created_at, 2000);
  EXPECT_EQ((*keys)[2].created_at, 1000);

  // On disk: current.pem + rotated-<retired at>.pem, 0600; directory 0700; no temp files left.
  EXPECT_TRUE(fs::exists(dir + "/current.pem"));
  EXPECT_TRUE(fs::exists(dir + "/rotated-2000.pem"));  // k1, retired when k2 came in
  EXPECT_TRUE(fs::exists(dir + "/rotated-3000.pem"));  // k2
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    ++files;
    EXPECT_EQ(mode_of(e.path()), 0600u) << e.path();
  }
  EXPECT_EQ(files, 3);
  EXPECT_EQ(mode_of(dir), 0700u);
  // The PEM block is intact after the metadata lines (PEM readers skip text before BEGIN).
  const auto text = slurp(dir + "/current.pem");
  EXPECT_NE(text.find("authplane-kid: k3\n"), std::string::npos);
  EXPECT_NE(text.find(fake_pem("k3")), std::string::npos);

  // A new store on the same directory reads the same.
  auto again = keyfile_store::open({.directory = dir});
  ASSERT_TRUE(again);
  auto keys2 = (*again)->load_keys();
  ASSERT_TRUE(keys2);
  ASSERT_EQ(keys2->size(), 3u);
  EXPECT_EQ((*keys2)[0].kid, "k3");
}

TEST(keyfile_store, KeepsAtMostFivePreviousInResultsButAllOnDisk) {
  temp_dir tmp;
  auto s = keyfile_store::open({.directory = tmp.path()});
  ASSERT_TRUE(s);
  for (int i = 1; i <= 8; ++i) ASSERT_TRUE((*s)->rotate_in(key("k" + std::to_string(i), 1000 * i)));
  auto keys = (*s)->load_keys();
  ASSERT_TRUE(keys);
  ASSERT_EQ(keys->size(), 6u);
  EXPECT_EQ((*keys)[0].kid, "k8");
  EXPECT_EQ((*keys)[1].kid, "k7");
  EXPECT_EQ((*keys)[5].kid, "k3");
  int rotated = 0;
  for (const auto& e : fs::directory_iterator(tmp.path()))
    if (e.path().filename().string().starts_with("rotated-")) ++rotated;
  EXPECT_EQ(rotated, 7);
}

TEST(keyfile_store, SameSecondRotationsDoNotCollide) {
  temp_dir tmp;
  auto s = keyfile_store::open({.directory = tmp.path()});
  ASSERT_TRUE(s);
  ASSERT_TRUE((*s)->rotate_in(key("a", 500)));
  ASSERT_TRUE((*s)->rotate_in(key("b", 500)));
  ASSERT_TRUE((*s)->rotate_in(key("c", 500)));
  auto keys = (*s)->load_keys();
  ASSERT_TRUE(keys);
  ASSERT_EQ(keys->size(), 3u);
  EXPECT_EQ((*keys)[0].kid, "c");
  EXPECT_EQ((*keys)[1].kid, "b");
  EXPECT_EQ((*keys)[2].kid, "a");
}

TEST(keyfile_store, LoosePermissionsAreTightenedAndReported) {
  temp_dir tmp;
  const std::string dir = tmp.path() + "/keys";
  {
    auto s = keyfile_store::open({.directory = dir});
    ASSERT_TRUE(s);
    ASSERT_TRUE((*s)->rotate_in(key("k1", 1)));
  }
  ASSERT_EQ(::chmod(dir.c_str(), 0755), 0);
  ASSERT_EQ(::chmod((dir + "/current.pem").c_str(), 0644), 0);
  auto s = keyfile_store::open({.directory = dir});
  ASSERT_TRUE(s);
  EXPECT_EQ(mode_of(dir), 0700u);
  EXPECT_EQ(mode_of(dir + "/current.pem"), 0600u);
  EXPECT_EQ((*s)->permission_warnings().size(), 2u);
}

TEST(keyfile_store, TornRotationDuplicateIsSkipped) {
  // Crash after linking current.pem to rotated-<ts>.pem but before the rename.
  temp_dir tmp;
  auto s = keyfile_store::open({.directory = tmp.path()});
  ASSERT_TRUE(s);
  ASSERT_TRUE((*s)->rotate_in(key("k1", 100)));
  ASSERT_EQ(::link((tmp.path() + "/current.pem").c_str(), (tmp.path() + "/rotated-200.pem").c_str()), 0);
  {
    std::ofstream leftover(tmp.path() + "/.current.pem.tmp-abc");
    leftover << "half written";
  }
  auto keys = (*s)->load_keys();
  ASSERT_TRUE(keys);
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ((*keys)[0].kid, "k1");
  EXPECT_TRUE((*keys)[0].current);
  // The next rotation proceeds and cleans the temp file.
  ASSERT_TRUE((*s)->rotate_in(key("k2", 300)));
  EXPECT_FALSE(fs::exists(tmp.path() + "/.current.pem.tmp-abc"));
  keys = (*s)->load_keys();
  ASSERT_TRUE(keys);
  ASSERT_EQ(keys->size(), 2u);  // k2 current; k1 listed once though rotated-200 and rotated-300 both hold it
  EXPECT_EQ((*keys)[0].kid, "k2");
  EXPECT_EQ((*keys)[1].kid, "k1");
}

TEST(keyfile_store, CurrentMissingReturnsPreviousKeysNoneCurrent) {
  temp_dir tmp;
  auto s = keyfile_store::open({.directory = tmp.path()});
  ASSERT_TRUE(s);
  ASSERT_TRUE((*s)->rotate_in(key("k1", 100)));
  ASSERT_TRUE((*s)->rotate_in(key("k2", 200)));
  ASSERT_EQ(::unlink((tmp.path() + "/current.pem").c_str()), 0);
  auto keys = (*s)->load_keys();
  ASSERT_TRUE(keys);
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ((*keys)[0].kid, "k1");
  EXPECT_FALSE((*keys)[0].current);  // never promoted to signer
  // The key manager's answer: rotate a fresh key in; it becomes current.pem.
  ASSERT_TRUE((*s)->rotate_in(key("k3", 300)));
  keys = (*s)->load_keys();
  ASSERT_TRUE(keys);
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].kid, "k3");
  EXPECT_TRUE((*keys)[0].current);
  EXPECT_EQ((*keys)[1].kid, "k1");
}

TEST(keyfile_store, HeaderlessPemLoadsWithTimestampFromName) {
  temp_dir tmp;
  {
    std::ofstream f(tmp.path() + "/rotated-1234.pem");
    f << fake_pem("op");
  }
  ::chmod((tmp.path() + "/rotated-1234.pem").c_str(), 0600);
  auto s = keyfile_store::open({.directory = tmp.path()});
  ASSERT_TRUE(s);
  auto keys = (*s)->load_keys();
  ASSERT_TRUE(keys);
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ((*keys)[0].kid, "");
  EXPECT_EQ((*keys)[0].created_at, 1234);
  EXPECT_EQ((*keys)[0].private_pem, fake_pem("op"));
}

TEST(keyfile_store, RejectsInvalidKeys) {
  temp_dir tmp;
  auto s = keyfile_store::open({.directory = tmp.path()});
  ASSERT_TRUE(s);
  auto bad_kid = key("k1\nauthplane-alg: none", 1);
  auto r1 = (*s)->rotate_in(bad_kid);
  ASSERT_FALSE(r1);
  EXPECT_EQ(r1.error(), errc::invalid);
  auto no_pem = key("k1", 1);
  no_pem.private_pem = "not a pem";
  auto r2 = (*s)->rotate_in(no_pem);
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error(), errc::invalid);
  EXPECT_TRUE((*s)->load_keys()->empty());
}

TEST(keyfile_store, UnusableDirectoryIsStorageFailure) {
  temp_dir tmp;
  const std::string file = tmp.path() + "/plain-file";
  { std::ofstream f(file); f << "x"; }
  auto s = keyfile_store::open({.directory = file});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error(), errc::storage_failure);
}

}  // namespace
}  // namespace authplane::storage::keyfile
