// SQLite codes and refresh families (migration 0005): atomic single-use consume under
// concurrency, hashes only, rotation, reuse, and the family → access-token revocation cascade.
#include <sqlite3.h>

#include <atomic>
#include <future>
#include <string>
#include <thread>

#include "authplane/storage/sqlite/sqlite_store.hpp"
#include "conformance.hpp"

namespace authplane::storage::test {
namespace {

using domain::errc;
using sqlite::sqlite_store;
constexpr std::int64_t kNow = 1'800'000'000;

class sqlite_refresh : public ::testing::Test {
 protected:
  temp_dir dir;
  std::unique_ptr<sqlite_store> store;
  void SetUp() override {
    auto s = sqlite_store::open({.path = dir.path() + "/data/authserver.db"});
    ASSERT_TRUE(s) << s.error().message();
    store = std::move(*s);
  }
  ports::stored_code code(std::string hash) {
    ports::stored_code c;
    c.code_hash = std::move(hash);
    c.grant = {"client-1", "user-1", "http://127.0.0.1/cb", "challenge", "mcp:read", "http://r/mcp", ""};
    c.created_at = kNow;
    c.expires_at = kNow + 600;
    return c;
  }
  ports::refresh_family family(std::string id, std::string code_hash) {
    ports::refresh_family f;
    f.id = std::move(id);
    f.client_id = "client-1";
    f.user_id = "user-1";
    f.scope = "mcp:read";
    f.code_hash = std::move(code_hash);
    f.created_at = kNow;
    return f;
  }
  ports::refresh_token_row rt(std::string hash, std::string fam) {
    return {std::move(hash), std::move(fam), kNow, kNow + 3600, std::nullopt};
  }
  void record(std::string jti) {
    domain::issuance i;
    i.jti = std::move(jti);
    i.client_id = "client-1";
    i.subject_user_id = "user-1";
    i.issued_at = kNow;
    i.expires_at = kNow + 900;
    std::promise<error_code> done;
    store->record_issuance(i, {}, [&](error_code ec) { done.set_value(ec); });
    ASSERT_FALSE(done.get_future().get());
  }
  bool revoked(const std::string& jti) {
    auto i = store->find_issuance_by_jti(jti);
    return i && *i && (*i)->revoked_at.has_value();
  }
};

TEST_F(sqlite_refresh, ConsumeReturnsTheRowOnceUnconsumedThenAsReplay) {
  ASSERT_TRUE(store->put_code(code("h1")));
  EXPECT_EQ(store->put_code(code("h1")).error(), errc::conflict);
  auto first = store->consume_code("h1", kNow + 1);
  ASSERT_TRUE(first && *first);
  EXPECT_FALSE((*first)->consumed_at);
  EXPECT_EQ((*first)->grant.redirect_uri, "http://127.0.0.1/cb");
  EXPECT_EQ((*first)->expires_at, kNow + 600);
  auto second = store->consume_code("h1", kNow + 2);
  ASSERT_TRUE(second && *second);
  EXPECT_EQ((*second)->consumed_at, kNow + 1);
  auto none = store->consume_code("nope", kNow);
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
}

TEST_F(sqlite_refresh, ConcurrentConsumeHasExactlyOneWinner) {
  for (int round = 0; round < 10; ++round) {
    std::string h = "race-" + std::to_string(round);
    ASSERT_TRUE(store->put_code(code(h)));
    std::atomic<int> winners{0};
    std::vector<std::thread> ts;
    for (int i = 0; i < 8; ++i)
      ts.emplace_back([&] {
        auto r = store->consume_code(h, kNow);
        if (r && *r && !(*r)->consumed_at) ++winners;
      });
    for (auto& t : ts) t.join();
    EXPECT_EQ(winners.load(), 1);
  }
}

TEST_F(sqlite_refresh, OnlyHashesAreStored) {
  ASSERT_TRUE(store->put_code(code("code-hash-value")));
  ASSERT_TRUE(store->create_family(family("f1", "code-hash-value"), rt("rt-hash-value", "f1"), "jti-1"));
  auto f = store->find_refresh("rt-hash-value");
  ASSERT_TRUE(f && *f);
  EXPECT_EQ((*f)->family.id, "f1");
  EXPECT_EQ((*f)->family.scope, "mcp:read");
  EXPECT_EQ((*f)->token.expires_at, kNow + 3600);
  EXPECT_FALSE((*f)->token.consumed_at);
}

TEST_F(sqlite_refresh, RotationSpendsOldAndDetectsReuse) {
  ASSERT_TRUE(store->put_code(code("c")));
  ASSERT_TRUE(store->create_family(family("f1", "c"), rt("r1", "f1"), "j1"));
  auto r = store->rotate_refresh("r1", rt("r2", "f1"), "j2", kNow + 5);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, ports::rotate_outcome::rotated);
  auto old = store->find_refresh("r1");
  EXPECT_EQ((*old)->token.consumed_at, kNow + 5);
  r = store->rotate_refresh("r1", rt("r3", "f1"), "j3", kNow + 6);
  EXPECT_EQ(*r, ports::rotate_outcome::reused);
  EXPECT_FALSE(*store->find_refresh("r3"));  // nothing of the refused rotation was stored
}

TEST_F(sqlite_refresh, RevokingAFamilyRevokesItsAccessTokens) {
  ASSERT_TRUE(store->put_code(code("c")));
  ASSERT_TRUE(store->create_family(family("f1", "c"), rt("r1", "f1"), "j1"));
  record("j1");
  ASSERT_TRUE(store->rotate_refresh("r1", rt("r2", "f1"), "j2", kNow));
  record("j2");
  record("unrelated");
  auto n = store->revoke_family("f1", kNow + 10, "reuse_detected");
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 2u);
  EXPECT_TRUE(revoked("j1"));
  EXPECT_TRUE(revoked("j2"));
  EXPECT_FALSE(revoked("unrelated"));
  auto fam = store->family_of_access_token("j2");
  ASSERT_TRUE(fam && *fam);
  EXPECT_EQ((*fam)->revoked_at, kNow + 10);
  EXPECT_EQ(*store->rotate_refresh("r2", rt("r3", "f1"), "j3", kNow), ports::rotate_outcome::family_revoked);
  EXPECT_FALSE(*store->family_of_access_token("unrelated"));
  EXPECT_EQ(*store->revoke_family("f1", kNow + 20, "again"), 0u);  // idempotent
}

TEST_F(sqlite_refresh, CodeReplayRevokesTheRedemptionAndBlocksALateFamily) {
  ASSERT_TRUE(store->put_code(code("c1")));
  ASSERT_TRUE(store->create_family(family("f1", "c1"), rt("r1", "f1"), "j1"));
  record("j1");
  auto n = store->revoke_code_redemption("c1", kNow);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 1u);
  EXPECT_TRUE(revoked("j1"));
  EXPECT_TRUE((*store->find_refresh("r1"))->family.revoked_at);
  // A replay seen before the first redemption created its family: that family is born revoked.
  ASSERT_TRUE(store->put_code(code("c2")));
  ASSERT_TRUE(store->revoke_code_redemption("c2", kNow + 3));
  ASSERT_TRUE(store->create_family(family("f2", "c2"), rt("r2", "f2"), "j2"));
  EXPECT_EQ((*store->find_refresh("r2"))->family.revoked_at, kNow + 3);
  EXPECT_TRUE((*store->family_of_access_token("j2"))->revoked_at);
  // One family per code.
  EXPECT_EQ(store->create_family(family("f3", "c2"), rt("r3", "f3"), "j3").error(), errc::conflict);
  EXPECT_EQ(store->revoke_code_redemption("unknown", kNow).error(), errc::not_found);
}

}  // namespace
}  // namespace authplane::storage::test
