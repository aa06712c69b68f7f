// SQLite consent_admin_store: find by id (revoked included), list filters/pages/order, and the
// revoke cascade (grant → its refresh families → their access tokens; unredeemed codes expire).
#include <future>
#include <string>

#include "token_store_fixture.hpp"

namespace authplane::storage::test {
namespace {

using domain::errc;

class sqlite_consent_admin : public token_store_fixture {
 protected:
  std::string grant(std::string id, std::string user, std::string client, std::int64_t at = kNow) {
    domain::consent_grant g{id, user, client, "http://r/mcp", "mcp:read", at, at, std::nullopt};
    auto r = store->upsert_consent(g);
    EXPECT_TRUE(r) << r.error().message();
    return r ? r->id : "";
  }
};

TEST_F(sqlite_consent_admin, FindAndListIncludeRevokedNewestFirstWithFilters) {
  grant("g1", "user-1", "client-1", kNow);
  grant("g2", "user-1", "client-2", kNow + 1);
  grant("g3", "user-2", "client-1", kNow + 2);
  auto all = store->list_consents({}, {});
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].id, "g3");
  EXPECT_EQ((*all)[2].id, "g1");
  auto u1 = store->list_consents({"user-1", ""}, {});
  ASSERT_TRUE(u1);
  EXPECT_EQ(u1->size(), 2u);
  auto c1 = store->list_consents({"", "client-1"}, {});
  ASSERT_TRUE(c1);
  EXPECT_EQ(c1->size(), 2u);
  auto both = store->list_consents({"user-1", "client-2"}, {});
  ASSERT_TRUE(both);
  ASSERT_EQ(both->size(), 1u);
  EXPECT_EQ((*both)[0].id, "g2");
  auto page = store->list_consents({}, {1, 1});
  ASSERT_TRUE(page);
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ((*page)[0].id, "g2");

  ASSERT_TRUE(store->revoke_consent("g1", kNow + 5));
  auto g1 = store->find_consent_by_id("g1");
  ASSERT_TRUE(g1 && *g1);
  EXPECT_EQ((*g1)->revoked_at, kNow + 5);
  EXPECT_FALSE(*store->find_consent("user-1", "client-1", "http://r/mcp"));  // the authorize path sees none
  EXPECT_EQ(store->list_consents({"user-1", ""}, {})->size(), 2u);
  EXPECT_FALSE(*store->find_consent_by_id("nope"));
}

TEST_F(sqlite_consent_admin, RevokeCascadesToFamiliesTokensAndUnredeemedCodes) {
  grant("g1", "user-1", "client-1");
  grant("g2", "user-1", "client-2");
  ASSERT_TRUE(store->create_family(family("f1", "", "g1"), rt("r1", "f1"), "j1"));
  record("j1");
  ASSERT_TRUE(store->rotate_refresh("r1", rt("r2", "f1"), "j2", kNow));
  record("j2");
  ASSERT_TRUE(store->create_family(family("f2", "", "g1"), rt("r3", "f2"), "j3"));
  record("j3");
  ASSERT_TRUE(store->create_family(family("f3", "", "g2"), rt("r4", "f3"), "j4"));
  record("j4");
  ASSERT_TRUE(store->create_family(family("f4"), rt("r5", "f4"), "j5"));
  record("j5");
  ASSERT_TRUE(store->put_code(code("pending", "g1")));

  auto r = store->revoke_consent("g1", kNow + 10);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->revoked_families, 2u);
  EXPECT_EQ(r->revoked_issuances, 3u);
  EXPECT_EQ(r->grant.id, "g1");
  EXPECT_EQ(r->grant.revoked_at, kNow + 10);
  EXPECT_TRUE(revoked("j1"));
  EXPECT_TRUE(revoked("j2"));
  EXPECT_TRUE(revoked("j3"));
  EXPECT_FALSE(revoked("j4"));
  EXPECT_FALSE(revoked("j5"));
  auto found = store->find_refresh("r3");
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->family.revoked_at, kNow + 10);
  EXPECT_FALSE((*store->find_refresh("r4"))->family.revoked_at);
  auto pending = store->consume_code("pending", kNow + 11);
  ASSERT_TRUE(pending && *pending);
  EXPECT_LE((*pending)->expires_at, kNow + 10);  // expired: redeeming it fails

  auto again = store->revoke_consent("g1", kNow + 20);  // idempotent, first time kept
  ASSERT_TRUE(again);
  EXPECT_EQ(again->revoked_families, 0u);
  EXPECT_EQ(again->revoked_issuances, 0u);
  EXPECT_EQ(again->grant.revoked_at, kNow + 10);
  EXPECT_EQ(store->revoke_consent("nope", kNow).error(), errc::not_found);
  EXPECT_EQ(store->revoke_consent("", kNow).error(), errc::not_found);

  // Consenting again revives the same row (same id), unrevoked.
  EXPECT_EQ(grant("other-id", "user-1", "client-1", kNow + 30), "g1");
  EXPECT_FALSE((*store->find_consent_by_id("g1"))->revoked_at);
}

}  // namespace
}  // namespace authplane::storage::test
