// SQLite codes and refresh families (migration 0005): atomic single-use consume under
// concurrency, hashes only, rotation, reuse, and the family → access-token revocation cascade.
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "raw_sql.hpp"
#include "token_store_fixture.hpp"

namespace authplane::storage::test {
namespace {

using domain::errc;
using sqlite::sqlite_store;

using sqlite_refresh = token_store_fixture;

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

TEST_F(sqlite_refresh, RotationNeedsTheFamilysUserActiveAndWritesNothingOtherwise) {
  ASSERT_TRUE(store->put_code(code("c")));
  ASSERT_TRUE(store->create_family(family("f1", "c"), rt("r1", "f1"), "j1"));
  auto u = store->find_user("user-1");
  ASSERT_TRUE(u && *u);
  domain::user disabled = **u;
  disabled.status = "disabled";
  ASSERT_TRUE(store->update_user(disabled));
  EXPECT_EQ(*store->rotate_refresh("r1", rt("r2", "f1"), "j2", kNow + 1), ports::rotate_outcome::user_inactive);
  EXPECT_FALSE((*store->find_refresh("r1"))->token.consumed_at);
  EXPECT_FALSE(*store->find_refresh("r2"));
  EXPECT_FALSE(*store->family_of_access_token("j2"));
  auto again = store->find_user("user-1");
  domain::user active = **again;
  active.status = "active";
  ASSERT_TRUE(store->update_user(active));
  EXPECT_EQ(*store->rotate_refresh("r1", rt("r2", "f1"), "j2", kNow + 2), ports::rotate_outcome::rotated);
  // A deleted user (no row) is refused the same way.
  ASSERT_TRUE(store->put_code(code("c2")));
  auto fam = family("f2", "c2");
  fam.user_id = "gone";
  ASSERT_TRUE(store->create_family(fam, rt("g1", "f2"), "jg1"));
  EXPECT_EQ(*store->rotate_refresh("g1", rt("g2", "f2"), "jg2", kNow + 3), ports::rotate_outcome::user_inactive);
  EXPECT_FALSE(*store->find_refresh("g2"));
}

TEST_F(sqlite_refresh, FindFamilyAndExpiredRotationWritesNothing) {
  ASSERT_TRUE(store->put_code(code("c")));
  ASSERT_TRUE(store->create_family(family("f1", "c"), rt("r1", "f1"), "j1"));
  auto f = store->find_family("f1");
  ASSERT_TRUE(f && *f);
  EXPECT_EQ((*f)->client_id, "client-1");
  EXPECT_EQ((*f)->user_id, "user-1");
  EXPECT_EQ((*f)->scope, "mcp:read");
  EXPECT_FALSE((*f)->revoked_at);
  EXPECT_FALSE(*store->find_family("nope"));
  // rt() expires at kNow + 3600: expiry is checked first, before reuse.
  EXPECT_EQ(*store->rotate_refresh("r1", rt("r2", "f1"), "j2", kNow + 3600), ports::rotate_outcome::expired);
  EXPECT_FALSE((*store->find_refresh("r1"))->token.consumed_at);
  EXPECT_FALSE(*store->find_refresh("r2"));
  EXPECT_EQ(*store->rotate_refresh("r1", rt("r2", "f1"), "j2", kNow + 3599), ports::rotate_outcome::rotated);
  EXPECT_EQ(*store->rotate_refresh("r1", rt("r3", "f1"), "j3", kNow + 3600), ports::rotate_outcome::expired);
  // A token of another family is not found.
  EXPECT_EQ(store->rotate_refresh("r2", rt("r4", "f-other"), "j4", kNow).error(), errc::not_found);
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

// ---- companions: rotations and family creations carried by group-committed issuances ---------

// A store whose writer waits long enough for every item queued together to land in ONE batch
// transaction (the items are queued without blocking; the first done then checks it).
class sqlite_companion : public sqlite_refresh {
 protected:
  void SetUp() override {
    auto s = sqlite_store::open({.path = dir.path() + "/data/authserver.db",
                                 .coalesce_min = 1000,
                                 .coalesce_wait = std::chrono::milliseconds(100)});
    ASSERT_TRUE(s) << s.error().message();
    store = std::move(*s);
    domain::user u;
    u.id = "user-1";
    u.email = "user-1@example.com";
    ASSERT_TRUE(store->create_user(u));
  }
  struct answer {
    error_code ec;
    ports::rotate_outcome outcome = ports::rotate_outcome::rotated;
    bool after_all = false;  // at `done`, the batch's probe row was already committed
  };
  domain::issuance iss(std::string jti) {
    domain::issuance i;
    i.jti = std::move(jti);
    i.client_id = "client-1";
    i.subject_user_id = "user-1";
    i.grant_type = "refresh_token";
    i.issued_at = kNow;
    i.expires_at = kNow + 900;
    return i;
  }
  domain::audit_event event(const std::string& jti) {
    domain::audit_event e;
    e.action = "refresh_token.issued";
    e.actor_id = "client-1";
    e.client_id = "client-1";
    e.detail = "jti=" + jti;
    e.created_at = kNow;
    return e;
  }
  // Queues every (jti, companion) without waiting, then waits for all the answers. `probe` is a
  // refresh token hash the last item stores: seen from the first done ⇒ one transaction.
  std::vector<answer> batch(std::vector<std::pair<std::string, ports::issuance_companion>> items,
                            std::string probe = {}) {
    std::vector<answer> out(items.size());
    std::vector<std::promise<void>> done(items.size());
    for (std::size_t k = 0; k < items.size(); ++k) {
      auto jti = items[k].first;
      store->record_issuance_with(iss(jti), event(jti), std::move(items[k].second),
                                  [&, k](error_code ec, ports::rotate_outcome o) {
                                    out[k].ec = ec;
                                    out[k].outcome = o;
                                    if (!probe.empty()) {
                                      auto f = store->find_refresh(probe);
                                      out[k].after_all = f && *f;
                                    }
                                    done[k].set_value();
                                  });
    }
    for (auto& d : done) d.get_future().wait();
    return out;
  }
  static ports::issuance_companion rotation(std::string old_hash, ports::refresh_token_row next, std::int64_t at) {
    return ports::refresh_rotation{std::move(old_hash), std::move(next), at};
  }
  bool issued(const std::string& jti) {
    auto i = store->find_issuance_by_jti(jti);
    return i && *i;
  }
  std::size_t audited(const std::string& jti) {
    auto ev = store->query_audit({.action = "refresh_token.issued", .limit = 1000});
    std::size_t n = 0;
    for (const auto& e : *ev) n += e.detail == "jti=" + jti;
    return n;
  }
};

TEST_F(sqlite_companion, OneBatchCommitsItsRotationsAndRefusesTheReuseAlone) {
  for (std::string f : {"f1", "f2", "f3", "f4"}) {
    ASSERT_TRUE(store->put_code(code("c-" + f)));
    ASSERT_TRUE(store->create_family(family(f, "c-" + f), rt("r-" + f, f), "j0-" + f));
  }
  // r-f3 was spent earlier: presenting it again is a reuse.
  ASSERT_EQ(*store->rotate_refresh("r-f3", rt("r-f3-b", "f3"), "j-f3-b", kNow + 1), ports::rotate_outcome::rotated);

  auto out = batch({{"j1", rotation("r-f1", rt("n1", "f1"), kNow + 5)},
                    {"j3", rotation("r-f3", rt("n3", "f3"), kNow + 5)},
                    {"j2", rotation("r-f2", rt("n2", "f2"), kNow + 5)},
                    {"jx", rotation("no-such-token", rt("nx", "f2"), kNow + 5)},
                    {"j4", rotation("r-f4", rt("n4", "f4"), kNow + 5)}},
                   "n4");
  ASSERT_EQ(out.size(), 5u);
  EXPECT_TRUE(out[0].after_all);  // the last item was committed before the first was answered
  EXPECT_FALSE(out[0].ec);
  EXPECT_EQ(out[0].outcome, ports::rotate_outcome::rotated);
  EXPECT_FALSE(out[1].ec);
  EXPECT_EQ(out[1].outcome, ports::rotate_outcome::reused);
  EXPECT_FALSE(out[2].ec);
  EXPECT_EQ(out[2].outcome, ports::rotate_outcome::rotated);
  EXPECT_EQ(out[3].ec, errc::not_found);
  EXPECT_FALSE(out[4].ec);
  EXPECT_EQ(out[4].outcome, ports::rotate_outcome::rotated);

  for (std::string f : {"f1", "f2", "f4"}) {
    auto old = store->find_refresh("r-" + f);
    EXPECT_EQ((*old)->token.consumed_at, kNow + 5) << f;
  }
  for (std::string n : {"n1", "n2", "n4"}) {
    auto next = store->find_refresh(n);
    ASSERT_TRUE(next && *next) << n;
    EXPECT_FALSE((*next)->token.consumed_at);
  }
  for (std::string j : {"j1", "j2", "j4"}) {
    EXPECT_TRUE(issued(j)) << j;
    EXPECT_EQ(audited(j), 1u) << j;
  }
  EXPECT_EQ((*store->family_of_access_token("j1"))->id, "f1");
  EXPECT_EQ((*store->family_of_access_token("j4"))->id, "f4");
  // The reuse and the unknown token stored nothing: no issuance, audit row, next token or link,
  // and the spent token keeps its first consumption time. Revoking the family is the caller's.
  for (std::string j : {"j3", "jx"}) {
    EXPECT_FALSE(issued(j)) << j;
    EXPECT_EQ(audited(j), 0u) << j;
    EXPECT_FALSE(*store->family_of_access_token(j)) << j;
  }
  EXPECT_FALSE(*store->find_refresh("n3"));
  EXPECT_FALSE(*store->find_refresh("nx"));
  EXPECT_EQ((*store->find_refresh("r-f3"))->token.consumed_at, kNow + 1);
  EXPECT_FALSE((*store->find_refresh("r-f3"))->family.revoked_at);
}

TEST_F(sqlite_companion, TwoRotationsOfOneTokenInOneBatchHaveOneWinner) {
  ASSERT_TRUE(store->put_code(code("c")));
  ASSERT_TRUE(store->create_family(family("f1", "c"), rt("r1", "f1"), "j0"));
  auto out = batch({{"ja", rotation("r1", rt("na", "f1"), kNow + 7)},
                    {"jb", rotation("r1", rt("nb", "f1"), kNow + 8)}},
                   "na");
  EXPECT_TRUE(out[1].after_all);
  EXPECT_FALSE(out[0].ec);
  EXPECT_EQ(out[0].outcome, ports::rotate_outcome::rotated);
  EXPECT_FALSE(out[1].ec);
  EXPECT_EQ(out[1].outcome, ports::rotate_outcome::reused);
  EXPECT_EQ((*store->find_refresh("r1"))->token.consumed_at, kNow + 7);
  EXPECT_TRUE(*store->find_refresh("na"));
  EXPECT_FALSE(*store->find_refresh("nb"));
  EXPECT_TRUE(issued("ja"));
  EXPECT_FALSE(issued("jb"));
}

TEST_F(sqlite_companion, RevokedFamilyAndJtiConflictStoreNothingOfTheItem) {
  ASSERT_TRUE(store->put_code(code("c1")));
  ASSERT_TRUE(store->create_family(family("f1", "c1"), rt("r1", "f1"), "j0"));
  ASSERT_TRUE(store->put_code(code("c2")));
  ASSERT_TRUE(store->create_family(family("f2", "c2"), rt("r2", "f2"), "j00"));
  ASSERT_TRUE(store->revoke_family("f2", kNow + 1, "test"));
  record("taken");
  // The rotation's rows are written before the issuance conflicts: the batch is redone with a
  // savepoint per item, which undoes exactly that item.
  auto out = batch({{"taken", rotation("r1", rt("n1", "f1"), kNow + 5)},
                    {"j2", rotation("r2", rt("n2", "f2"), kNow + 5)}});
  EXPECT_EQ(out[0].ec, errc::conflict);
  EXPECT_FALSE(out[1].ec);
  EXPECT_EQ(out[1].outcome, ports::rotate_outcome::family_revoked);
  EXPECT_FALSE((*store->find_refresh("r1"))->token.consumed_at);
  EXPECT_FALSE(*store->find_refresh("n1"));
  EXPECT_FALSE(*store->find_refresh("n2"));
  EXPECT_FALSE(issued("j2"));
  // r1 is still good.
  out = batch({{"j1", rotation("r1", rt("n1", "f1"), kNow + 6)}});
  EXPECT_FALSE(out[0].ec);
  EXPECT_EQ(out[0].outcome, ports::rotate_outcome::rotated);
  EXPECT_EQ((*store->family_of_access_token("j1"))->id, "f1");
}

TEST_F(sqlite_companion, FamilyCreationJoinsTheBatchOncePerCode) {
  ASSERT_TRUE(store->put_code(code("c1")));
  ASSERT_TRUE(store->put_code(code("c2")));
  ASSERT_TRUE(store->revoke_code_redemption("c2", kNow + 3));  // replayed while in flight
  auto out = batch({{"ja", ports::family_creation{family("fa", "c1"), rt("ra", "fa")}},
                    {"jb", ports::family_creation{family("fb", "c1"), rt("rb", "fb")}},
                    {"jc", ports::family_creation{family("fc", "c2"), rt("rc", "fc")}},
                    {"jd", ports::family_creation{family("fd", ""), ports::refresh_token_row{}}}},
                   "rc");
  EXPECT_TRUE(out[0].after_all);
  EXPECT_FALSE(out[0].ec);
  EXPECT_EQ(out[1].ec, errc::conflict);  // one family per code
  EXPECT_FALSE(out[2].ec);
  EXPECT_FALSE(out[3].ec);
  EXPECT_EQ((*store->find_refresh("ra"))->family.id, "fa");
  EXPECT_FALSE(*store->find_refresh("rb"));
  EXPECT_FALSE(issued("jb"));
  EXPECT_TRUE(issued("ja"));
  EXPECT_EQ((*store->find_refresh("rc"))->family.revoked_at, kNow + 3);  // born revoked
  EXPECT_TRUE((*store->family_of_access_token("jc"))->revoked_at);
  EXPECT_EQ((*store->family_of_access_token("jd"))->id, "fd");  // no refresh token, still linked
  // A later replay of c1 revokes what the batched redemption produced.
  EXPECT_EQ(*store->revoke_code_redemption("c1", kNow + 9), 1u);
  EXPECT_TRUE(revoked("ja"));
}

TEST_F(sqlite_refresh, RacingRotationsOfOneTokenHaveExactlyOneWinner) {
  for (int round = 0; round < 10; ++round) {
    const std::string fam = "f" + std::to_string(round), old = "r" + std::to_string(round);
    ASSERT_TRUE(store->put_code(code("c" + std::to_string(round))));
    ASSERT_TRUE(store->create_family(family(fam, "c" + std::to_string(round)), rt(old, fam), "j0-" + fam));
    std::atomic<int> rotated{0}, reused{0}, other{0};
    std::vector<std::thread> ts;
    for (int i = 0; i < 6; ++i)
      ts.emplace_back([&, i] {
        std::promise<void> p;
        const std::string tag = fam + "-" + std::to_string(i);
        domain::issuance is;
        is.jti = "j-" + tag;
        is.issued_at = kNow;
        is.expires_at = kNow + 900;
        store->record_issuance_with(is, {}, ports::refresh_rotation{old, rt("n-" + tag, fam), kNow},
                                    [&](error_code ec, ports::rotate_outcome o) {
                                      if (ec) ++other;
                                      else if (o == ports::rotate_outcome::rotated) ++rotated;
                                      else if (o == ports::rotate_outcome::reused) ++reused;
                                      else ++other;
                                      p.set_value();
                                    });
        p.get_future().wait();
      });
    for (auto& t : ts) t.join();
    EXPECT_EQ(rotated.load(), 1);
    EXPECT_EQ(reused.load(), 5);
    EXPECT_EQ(other.load(), 0);
    int stored = 0;
    for (int i = 0; i < 6; ++i) {
      const std::string tag = fam + "-" + std::to_string(i);
      bool has_next = store->find_refresh("n-" + tag).value().has_value();
      auto fa = store->family_of_access_token("j-" + tag);
      bool linked = fa && fa->has_value();
      bool has_issuance = store->find_issuance_by_jti("j-" + tag).value().has_value();
      EXPECT_EQ(has_next, linked);
      EXPECT_EQ(has_next, has_issuance);
      stored += has_next;
    }
    EXPECT_EQ(stored, 1);
  }
}

TEST_F(sqlite_refresh, RevocationWalksTheWholeChainOfRotationsAndNothingElse) {
  ASSERT_TRUE(store->put_code(code("c1")));
  ASSERT_TRUE(store->put_code(code("c2")));
  ASSERT_TRUE(store->create_family(family("f1", "c1"), rt("f1-r0", "f1"), "f1-j0"));
  ASSERT_TRUE(store->create_family(family("f2", "c2"), rt("f2-r0", "f2"), "f2-j0"));
  record("f1-j0");
  record("f2-j0");
  for (int i = 1; i <= 6; ++i) {
    for (const std::string f : {"f1", "f2"}) {
      const std::string prev = f + "-r" + std::to_string(i - 1), next = f + "-r" + std::to_string(i);
      ASSERT_EQ(*store->rotate_refresh(prev, rt(next, f), f + "-j" + std::to_string(i), kNow + i),
                ports::rotate_outcome::rotated);
      record(f + "-j" + std::to_string(i));
    }
  }
  auto n = store->revoke_family("f1", kNow + 10, "reuse_detected");
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 7u);  // the code redemption's access token and one per rotation
  for (int i = 0; i <= 6; ++i) {
    EXPECT_TRUE(revoked("f1-j" + std::to_string(i))) << i;
    EXPECT_FALSE(revoked("f2-j" + std::to_string(i))) << i;
  }
  EXPECT_EQ(*store->rotate_refresh("f1-r6", rt("f1-r7", "f1"), "f1-j7", kNow + 11), ports::rotate_outcome::family_revoked);
  EXPECT_EQ(*store->rotate_refresh("f2-r6", rt("f2-r7", "f2"), "f2-j7", kNow + 11), ports::rotate_outcome::rotated);
  // The revocation of the family without a refresh token (a code-only client) finds its one jti.
  ASSERT_TRUE(store->put_code(code("c3")));
  ASSERT_TRUE(store->create_family(family("f3", "c3"), ports::refresh_token_row{}, "f3-j0"));
  record("f3-j0");
  EXPECT_EQ(*store->revoke_family("f3", kNow + 12, "code_replay"), 1u);
  EXPECT_TRUE(revoked("f3-j0"));
}

// A database written before migration 0006 (family index on family_access_tokens, no chain
// columns): the migration marks its links legacy, revocation still finds those access tokens,
// and the family's next rotation starts its chain.
TEST_F(sqlite_refresh, FamiliesFromBeforeMigration0006AreRevokedWhole) {
  const std::string path = dir.path() + "/data/authserver.db";
  ASSERT_TRUE(store->put_code(code("c1")));
  ASSERT_TRUE(store->create_family(family("f1", "c1"), rt("r1", "f1"), "j1"));
  record("j1");
  ASSERT_EQ(*store->rotate_refresh("r1", rt("r2", "f1"), "j2", kNow + 1), ports::rotate_outcome::rotated);
  record("j2");
  record("unrelated");
  store.reset();
  // Back to the version-5 schema, keeping the rows.
  exec_sql(path,
           "DROP INDEX family_access_tokens_legacy_idx;"
           "ALTER TABLE family_access_tokens DROP COLUMN legacy;"
           "ALTER TABLE refresh_tokens DROP COLUMN successor;"
           "ALTER TABLE refresh_tokens DROP COLUMN access_jti;"
           "ALTER TABLE refresh_families DROP COLUMN first_token;"
           "ALTER TABLE refresh_families DROP COLUMN first_jti;"
           "CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);"
           "CREATE INDEX family_access_tokens_family_idx ON family_access_tokens (family_id);"
           "DELETE FROM schema_migrations WHERE version = 6;");
  auto s = sqlite_store::open({.path = path});
  ASSERT_TRUE(s) << s.error().message();
  store = std::move(*s);
  EXPECT_EQ(text_scalar(path, "SELECT group_concat(legacy) FROM family_access_tokens"), "1,1");
  EXPECT_EQ(text_scalar(path, "SELECT first_token FROM refresh_families WHERE id = 'f1'"), "");
  EXPECT_EQ(text_scalar(path, "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('refresh_tokens_family_idx', "
                          "'family_access_tokens_family_idx')"),
            "0");
  ASSERT_EQ(*store->rotate_refresh("r2", rt("r3", "f1"), "j3", kNow + 2), ports::rotate_outcome::rotated);
  record("j3");
  ASSERT_EQ(*store->rotate_refresh("r3", rt("r4", "f1"), "j4", kNow + 3), ports::rotate_outcome::rotated);
  record("j4");
  EXPECT_EQ(text_scalar(path, "SELECT first_token FROM refresh_families WHERE id = 'f1'"), "r3");
  EXPECT_EQ(text_scalar(path, "SELECT COUNT(*) FROM family_access_tokens WHERE legacy = 0"), "2");
  auto fam = store->family_of_access_token("j1");
  ASSERT_TRUE(fam && *fam);
  EXPECT_EQ((*fam)->id, "f1");
  auto n = store->revoke_family("f1", kNow + 10, "consent_revoked");
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 4u);
  for (const char* j : {"j1", "j2", "j3", "j4"}) EXPECT_TRUE(revoked(j)) << j;
  EXPECT_FALSE(revoked("unrelated"));
  EXPECT_EQ(*store->rotate_refresh("r4", rt("r5", "f1"), "j5", kNow + 11), ports::rotate_outcome::family_revoked);
}

}  // namespace
}  // namespace authplane::storage::test
