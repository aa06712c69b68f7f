// storage::sqlite::purge (`authserver purge`): what expired or was revoked before the cutoff goes,
// everything still usable stays, and a live family keeps a complete token chain, so revoking it
// still reaches every access token it minted.
#include <string>

#include "raw_sql.hpp"
#include "token_store_fixture.hpp"

namespace authplane::storage::test {
namespace {

using sqlite::purge;
using sqlite::purge_options;

constexpr std::int64_t kDay = 86400;

class sqlite_purge : public token_store_fixture {
 protected:
  // A refresh token of `fam` created at `created`, valid `ttl` seconds.
  static ports::refresh_token_row token(std::string hash, std::string fam, std::int64_t created, std::int64_t ttl) {
    return {std::move(hash), std::move(fam), created, created + ttl, std::nullopt};
  }
  sqlite::purge_counts run(std::int64_t now, purge_options o = {}) {
    o.now = now;
    auto r = purge(path, o);
    EXPECT_TRUE(r) << r.error().message();
    return r ? *r : sqlite::purge_counts{};
  }
  bool has_code(const std::string& hash) {
    return scalar(path, "SELECT COUNT(*) FROM authorization_codes WHERE code_hash = '" + hash + "'") == 1;
  }
  bool has_token(const std::string& hash) { return static_cast<bool>(*store->find_refresh(hash)); }
  bool has_family(const std::string& id) { return static_cast<bool>(*store->find_family(id)); }
  bool has_issuance(const std::string& jti) { return static_cast<bool>(*store->find_issuance_by_jti(jti)); }
};

TEST_F(sqlite_purge, CodesGoOnlyOnceExpiredBeforeTheCutoff) {
  auto old = code("old");  // expired a day and a second before the purge's cutoff
  ASSERT_TRUE(store->put_code(old));
  auto recent = code("recent");
  recent.expires_at = kNow + 2 * kDay;  // expired, but less than the grace ago
  ASSERT_TRUE(store->put_code(recent));
  auto live = code("live");
  live.expires_at = kNow + 10 * kDay;
  ASSERT_TRUE(store->put_code(live));
  auto n = run(kNow + 600 + kDay + 1);
  EXPECT_EQ(n.codes, 1u);
  EXPECT_FALSE(has_code("old"));
  n = run(kNow + 2 * kDay + 1 + kDay);
  EXPECT_EQ(n.codes, 1u);
  EXPECT_FALSE(has_code("recent"));
  EXPECT_TRUE(has_code("live"));
}

TEST_F(sqlite_purge, ExpiredIssuancesGoInBatchesWithTheirFamilyLinks) {
  // Interleaved with tokens issued as early but valid for 60 days, which every batch passes over.
  for (int k = 0; k < 7; ++k) {
    record("old" + std::to_string(k));
    record("long" + std::to_string(k), kNow, 60 * kDay);
  }
  record("live", kNow + 5 * kDay);
  ASSERT_TRUE(store->create_family(family("f1"), token("r1", "f1", kNow, 30 * kDay), "old0"));
  auto n = run(kNow + 900 + kDay + 1, {.codes = false, .refresh_tokens = false, .batch = 3});
  EXPECT_EQ(n.issuances, 7u);
  for (int k = 0; k < 7; ++k) {
    EXPECT_FALSE(has_issuance("old" + std::to_string(k)));
    EXPECT_TRUE(has_issuance("long" + std::to_string(k)));
  }
  EXPECT_TRUE(has_issuance("live"));
  EXPECT_FALSE(*store->family_of_access_token("old0"));
  EXPECT_TRUE(has_family("f1"));
  EXPECT_EQ(n.refresh_families, 0u);
}

// A family used for 40 days with 7-day refresh tokens, refreshed daily: the tokens (and access
// tokens) older than the cutoff go, the chain then starts at the first one kept, rotation goes
// on, and revoking the family still revokes the access tokens minted after the purge's cut.
TEST_F(sqlite_purge, ALiveFamilyLosesOnlyItsExpiredChainHead) {
  record("j0");
  ASSERT_TRUE(store->create_family(family("f1"), token("t0", "f1", kNow, 7 * kDay), "j0"));
  for (int d = 1; d <= 40; ++d) {
    const auto at = kNow + d * kDay;
    record("j" + std::to_string(d), at);
    auto r = store->rotate_refresh("t" + std::to_string(d - 1), token("t" + std::to_string(d), "f1", at, 7 * kDay),
                                   "j" + std::to_string(d), at);
    ASSERT_TRUE(r);
    ASSERT_EQ(*r, ports::rotate_outcome::rotated);
  }
  // Day 41: tokens t0..t32 expired by day 39 (t32 on day 39); with a day's grace the cutoff is
  // day 40, so t0..t32 expired before it (t33 expires on day 40 itself and stays).
  const auto now = kNow + 41 * kDay;
  auto n = run(now, {.codes = false, .issuances = false});
  EXPECT_EQ(n.refresh_tokens, 33u);
  EXPECT_EQ(n.refresh_families, 0u);
  EXPECT_FALSE(has_token("t0"));
  EXPECT_FALSE(has_token("t32"));
  EXPECT_TRUE(has_token("t33"));
  EXPECT_TRUE(has_token("t40"));
  EXPECT_FALSE(*store->family_of_access_token("j0"));
  EXPECT_FALSE(*store->family_of_access_token("j32"));
  ASSERT_TRUE(*store->family_of_access_token("j33"));
  EXPECT_EQ(scalar(path, "SELECT COUNT(*) FROM refresh_families WHERE id = 'f1' AND first_token = 't33' AND first_jti = ''"), 1);

  // A second run finds nothing more to do.
  n = run(now, {.codes = false, .issuances = false});
  EXPECT_EQ(n.refresh_tokens, 0u);

  record("j41", now);
  auto r = store->rotate_refresh("t40", token("t41", "f1", now, 7 * kDay), "j41", now);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, ports::rotate_outcome::rotated);
  auto revoked_now = store->revoke_family("f1", now + 1, "test");
  ASSERT_TRUE(revoked_now);
  EXPECT_EQ(*revoked_now, 9u);  // j33..j41: the whole kept chain was walked
  EXPECT_TRUE(revoked("j33"));
  EXPECT_TRUE(revoked("j41"));
  EXPECT_FALSE(revoked("j32"));
}

TEST_F(sqlite_purge, DeadFamiliesGoWholeLiveOnesStay) {
  // f-dead: its only token and access token expired long ago.
  record("jd");
  ASSERT_TRUE(store->create_family(family("f-dead"), token("td", "f-dead", kNow, kDay), "jd"));
  // f-revoked: revoked long ago, though its refresh token and access token would still be valid.
  record("jr", kNow, 60 * kDay);
  ASSERT_TRUE(store->create_family(family("f-revoked"), token("tr", "f-revoked", kNow, 90 * kDay), "jr"));
  ASSERT_TRUE(store->revoke_family("f-revoked", kNow + 1, "test"));
  // f-recent: revoked less than the grace before the purge.
  record("jrr", kNow + 9 * kDay);
  ASSERT_TRUE(store->create_family(family("f-recent"), token("trr", "f-recent", kNow + 9 * kDay, 90 * kDay), "jrr"));
  ASSERT_TRUE(store->revoke_family("f-recent", kNow + 9 * kDay + 10, "test"));
  // f-live: its token is still valid.
  record("jl");
  ASSERT_TRUE(store->create_family(family("f-live"), token("tl", "f-live", kNow, 30 * kDay), "jl"));
  // f-access: its refresh token expired, but the access token of the code redemption has not.
  record("ja", kNow, 60 * kDay);
  ASSERT_TRUE(store->create_family(family("f-access"), token("ta", "f-access", kNow, kDay), "ja"));

  auto n = run(kNow + 10 * kDay);
  EXPECT_EQ(n.refresh_families, 2u);
  EXPECT_EQ(n.refresh_tokens, 2u);
  EXPECT_FALSE(has_family("f-dead"));
  EXPECT_FALSE(has_token("td"));
  EXPECT_FALSE(has_family("f-revoked"));
  EXPECT_FALSE(has_token("tr"));
  EXPECT_TRUE(has_family("f-recent"));
  EXPECT_TRUE(has_token("trr"));
  EXPECT_TRUE(has_family("f-live"));
  EXPECT_TRUE(has_token("tl"));
  EXPECT_TRUE(has_family("f-access"));
  EXPECT_TRUE(has_token("ta"));
  EXPECT_TRUE(*store->family_of_access_token("ja"));
  // The revoked family's unexpired access token stays revoked after its family is gone.
  EXPECT_TRUE(has_issuance("jr"));
  EXPECT_TRUE(revoked("jr"));
  EXPECT_FALSE(*store->family_of_access_token("jr"));
  // Expired issuances went too; the long-lived one stays.
  EXPECT_FALSE(has_issuance("jd"));
  EXPECT_TRUE(has_issuance("ja"));
}

TEST_F(sqlite_purge, APassedDeadlineStopsBeforeTheNextBatch) {
  for (int k = 0; k < 5; ++k) ASSERT_TRUE(store->put_code(code("c" + std::to_string(k))));
  auto n = run(kNow + 10 * kDay, {.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1)});
  EXPECT_FALSE(n.complete);
  EXPECT_EQ(n.codes, 0u);
  EXPECT_TRUE(has_code("c0"));
  n = run(kNow + 10 * kDay, {.batch = 2});
  EXPECT_TRUE(n.complete);
  EXPECT_EQ(n.codes, 5u);
}

// A database kept in rollback-journal mode (storage.sqlite.wal=false) stays in it.
TEST(sqlite_purge_journal, KeepsTheConfiguredJournalMode) {
  temp_dir dir;
  const std::string path = dir.path() + "/authserver.db";
  { ASSERT_TRUE(sqlite::sqlite_store::open({.path = path, .wal = false})); }
  ASSERT_EQ(text_scalar(path, "PRAGMA journal_mode"), "delete");
  auto n = purge(path, {.wal = false, .now = 1'800'000'000});
  ASSERT_TRUE(n) << n.error().message();
  EXPECT_EQ(text_scalar(path, "PRAGMA journal_mode"), "delete");
  ASSERT_TRUE(sqlite::migrate(path, false));
  EXPECT_EQ(text_scalar(path, "PRAGMA journal_mode"), "delete");
}

TEST_F(sqlite_purge, OnlyTheSelectedKinds) {
  ASSERT_TRUE(store->put_code(code("old")));
  record("j");
  auto n = run(kNow + 10 * kDay, {.codes = false, .issuances = false, .refresh_tokens = false});
  EXPECT_EQ(n.codes + n.issuances + n.refresh_families + n.refresh_tokens, 0u);
  EXPECT_TRUE(has_code("old"));
  EXPECT_TRUE(has_issuance("j"));
}

}  // namespace
}  // namespace authplane::storage::test
