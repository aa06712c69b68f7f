// SQLite user store: CRUD, case-insensitive email uniqueness, optimistic versions, force
// logout (session generation + token revocation in one transaction), change counters, and the
// 0003 migration applied to an existing 0002 database with data in it.
#include <sqlite3.h>

#include <cstdlib>
#include <fstream>
#include <future>
#include <sstream>
#include <string>

#include "authplane/storage/sqlite/sqlite_store.hpp"
#include "conformance.hpp"

namespace authplane::storage::test {
namespace {

using domain::errc;
using sqlite::sqlite_store;

std::string db_path(const std::string& dir) { return dir + "/data/authserver.db"; }

domain::user user(std::string id, std::string email, std::int64_t created = 1'700'000'000) {
  domain::user u;
  u.id = std::move(id);
  u.email = std::move(email);
  u.name = "Name " + u.id;
  u.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
  u.created_at = u.updated_at = created;
  return u;
}

class sqlite_users : public ::testing::Test {
 protected:
  temp_dir dir;
  std::unique_ptr<sqlite_store> store;
  void SetUp() override {
    auto s = sqlite_store::open({.path = db_path(dir.path())});
    ASSERT_TRUE(s) << s.error().message();
    store = std::move(*s);
  }
  void record(std::string jti, std::string subject, std::int64_t expires_at) {
    domain::issuance i;
    i.jti = std::move(jti);
    i.client_id = "c1";
    i.subject_user_id = std::move(subject);
    i.issued_at = 1'700'000'000;
    i.expires_at = expires_at;
    std::promise<error_code> done;
    store->record_issuance(i, {}, [&](error_code ec) { done.set_value(ec); });
    ASSERT_FALSE(done.get_future().get());
  }
};

TEST_F(sqlite_users, CreateFindByIdAndByEmailIgnoringCase) {
  auto u = user("u1", "Alice@Example.com");
  u.role = "admin";
  ASSERT_TRUE(store->create_user(u));
  auto byid = store->find_user("u1");
  ASSERT_TRUE(byid && *byid);
  EXPECT_EQ((*byid)->email, "Alice@Example.com");  // stored as given
  EXPECT_EQ((*byid)->name, "Name u1");
  EXPECT_EQ((*byid)->password_hash, u.password_hash);
  EXPECT_EQ((*byid)->role, "admin");
  EXPECT_EQ((*byid)->status, "active");
  EXPECT_EQ((*byid)->provider, "local");
  EXPECT_EQ((*byid)->created_at, 1'700'000'000);
  EXPECT_EQ((*byid)->session_generation, 0);
  EXPECT_EQ((*byid)->version, 1);
  auto byemail = store->find_user_by_email("alice@EXAMPLE.COM");
  ASSERT_TRUE(byemail && *byemail);
  EXPECT_EQ((*byemail)->id, "u1");
  EXPECT_FALSE(*store->find_user("nope"));
  EXPECT_FALSE(*store->find_user_by_email("bob@example.com"));
  EXPECT_FALSE(*store->find_user_by_email(""));
}

TEST_F(sqlite_users, EmailIsUniqueCaseInsensitivelyAndIdIsUnique) {
  ASSERT_TRUE(store->create_user(user("u1", "alice@example.com")));
  EXPECT_EQ(store->create_user(user("u2", "ALICE@example.COM")).error(), errc::conflict);
  EXPECT_EQ(store->create_user(user("u1", "other@example.com")).error(), errc::conflict);
  // Users without an email (federated) do not collide with each other.
  EXPECT_TRUE(store->create_user(user("f1", "")));
  EXPECT_TRUE(store->create_user(user("f2", "")));
  EXPECT_EQ((*store->find_user("f1"))->email, "");
}

TEST_F(sqlite_users, UpdateUsesOptimisticVersionAndKeepsEmailUnique) {
  ASSERT_TRUE(store->create_user(user("u1", "alice@example.com")));
  ASSERT_TRUE(store->create_user(user("u2", "bob@example.com")));
  auto u = **store->find_user("u1");
  u.name = "Alice";
  u.status = "disabled";
  u.session_generation = 3;
  u.updated_at = 1'700'000'100;
  ASSERT_TRUE(store->update_user(u));
  auto back = **store->find_user("u1");
  EXPECT_EQ(back.name, "Alice");
  EXPECT_EQ(back.status, "disabled");
  EXPECT_EQ(back.session_generation, 3);
  EXPECT_EQ(back.updated_at, 1'700'000'100);
  EXPECT_EQ(back.version, 2);
  EXPECT_EQ(store->update_user(u).error(), errc::conflict);  // stale version 1
  back.email = "BOB@example.com";
  EXPECT_EQ(store->update_user(back).error(), errc::conflict);  // taken by u2
  EXPECT_EQ((**store->find_user("u1")).email, "alice@example.com");
  auto ghost = user("ghost", "g@example.com");
  EXPECT_EQ(store->update_user(ghost).error(), errc::not_found);
}

TEST_F(sqlite_users, ListFiltersNewestFirstWithPages) {
  ASSERT_TRUE(store->create_user(user("a", "a@example.com", 100)));
  auto b = user("b", "b@example.com", 300);
  b.status = "disabled";
  ASSERT_TRUE(store->create_user(b));
  auto c = user("c", "c@example.com", 200);
  c.role = "admin";
  ASSERT_TRUE(store->create_user(c));
  auto ids = [](const std::vector<domain::user>& v) {
    std::string s;
    for (const auto& u : v) s += u.id;
    return s;
  };
  EXPECT_EQ(ids(*store->list_users({}, {50, 0})), "bca");
  EXPECT_EQ(ids(*store->list_users({}, {1, 1})), "c");
  EXPECT_EQ(ids(*store->list_users({}, {0, 0})), "");
  EXPECT_EQ(ids(*store->list_users({"active", ""}, {50, 0})), "ca");
  EXPECT_EQ(ids(*store->list_users({"", "admin"}, {50, 0})), "c");
  EXPECT_EQ(ids(*store->list_users({"disabled", "admin"}, {50, 0})), "");
}

TEST_F(sqlite_users, EndSessionsBumpsGenerationAndRevokesOnlyThatUsersTokens) {
  ASSERT_TRUE(store->create_user(user("u1", "alice@example.com")));
  record("j1", "u1", 4'000'000'000);
  record("j2", "u1", 4'000'000'000);
  record("j3", "u2", 4'000'000'000);
  record("m1", "", 4'000'000'000);  // machine token
  EXPECT_EQ(*store->count_active_user_tokens("u1", 1'700'000'000), 2u);
  auto n = store->end_user_sessions("u1", 1'800'000'000);
  ASSERT_TRUE(n) << n.error().message();
  EXPECT_EQ(*n, 2u);
  EXPECT_EQ(*store->count_active_user_tokens("u1", 1'700'000'000), 0u);
  EXPECT_EQ(*(*store->find_issuance_by_jti("j1"))->revoked_at, 1'800'000'000);
  EXPECT_FALSE((*store->find_issuance_by_jti("j3"))->revoked_at);
  EXPECT_FALSE((*store->find_issuance_by_jti("m1"))->revoked_at);
  auto u = **store->find_user("u1");
  EXPECT_EQ(u.session_generation, 1);
  EXPECT_EQ(u.version, 2);
  EXPECT_EQ(u.updated_at, 1'800'000'000);
  EXPECT_EQ(*store->end_user_sessions("u1", 1'800'000'001), 0u);  // nothing left to revoke
  EXPECT_EQ((**store->find_user("u1")).session_generation, 2);
  EXPECT_EQ(store->end_user_sessions("nope", 1).error(), errc::not_found);
}

TEST_F(sqlite_users, CountIgnoresExpiredAndDeleteKeepsIssuances) {
  ASSERT_TRUE(store->create_user(user("u1", "alice@example.com")));
  record("old", "u1", 1'700'000'010);
  EXPECT_EQ(*store->count_active_user_tokens("u1", 1'700'000'010), 0u);
  EXPECT_EQ(*store->count_active_user_tokens("", 1), 0u);
  ASSERT_TRUE(store->delete_user("u1"));
  EXPECT_FALSE(*store->find_user("u1"));
  EXPECT_EQ(store->delete_user("u1").error(), errc::not_found);
  EXPECT_TRUE(*store->find_issuance_by_jti("old"));  // the forensic record stays
  ASSERT_TRUE(store->create_user(user("u9", "alice@example.com")));  // the email is free again
}

TEST_F(sqlite_users, ChangeCounterMovesOnUserWritesFromAnotherConnection) {
  auto v0 = *store->versions();
  ASSERT_TRUE(store->create_user(user("u1", "alice@example.com")));
  EXPECT_EQ(store->versions()->users, v0.users + 1);
  {
    auto other = sqlite_store::open({.path = db_path(dir.path())});
    ASSERT_TRUE(other);
    ASSERT_TRUE((*other)->end_user_sessions("u1", 5));
  }
  auto v = *store->versions();
  EXPECT_EQ(v.users, v0.users + 2);
  EXPECT_EQ(v.clients, v0.clients);
}

std::string read_source(const std::string& rel) {
  const char* root = std::getenv("AUTHPLANE_SOURCE_DIR");
  std::ifstream in(std::string(root ? root : ".") + "/" + rel);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
}

// A database as a 0002 build left it, with a user row (the 0001 table) and a client.
void make_v2_database(const std::string& path) {
  std::string init = read_source("server/storage/sqlite/migrations/0001_init.sql");
  std::string counters = read_source("server/storage/sqlite/migrations/0002_change_counters.sql");
  ASSERT_FALSE(init.empty()) << "AUTHPLANE_SOURCE_DIR must point at the source tree";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  exec(db, "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL, "
           "applied_at INTEGER NOT NULL)");
  exec(db, init);
  exec(db, counters);
  exec(db, "INSERT INTO schema_migrations VALUES (1, 'init', 1), (2, 'change_counters', 1)");
  exec(db, "INSERT INTO users (id, email, name, password_hash, role, status, provider, created_at) VALUES "
           "('old1', 'Carol@Example.com', 'Carol', '$argon2id$x', 'admin', 'disabled', 'local', 1600000000)");
  exec(db, "INSERT INTO clients (id, name) VALUES ('c-old', 'kept')");
  sqlite3_close(db);
}

TEST(sqlite_users_migration, From0002KeepsUsersAndClientsAndAddsColumns) {
  temp_dir dir;
  std::string path = dir.path() + "/v2.db";
  make_v2_database(path);
  if (HasFatalFailure()) return;
  auto s = sqlite_store::open({.path = path});
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(*(*s)->schema_version(), authplane::storage::sqlite::latest_schema_version());  // every migration ran on top
  auto u = (*s)->find_user_by_email("carol@example.com");
  ASSERT_TRUE(u && *u);
  EXPECT_EQ((*u)->id, "old1");
  EXPECT_EQ((*u)->email, "Carol@Example.com");
  EXPECT_EQ((*u)->name, "Carol");
  EXPECT_EQ((*u)->password_hash, "$argon2id$x");
  EXPECT_EQ((*u)->role, "admin");
  EXPECT_EQ((*u)->status, "disabled");
  EXPECT_EQ((*u)->created_at, 1'600'000'000);
  EXPECT_EQ((*u)->updated_at, 1'600'000'000);
  EXPECT_EQ((*u)->session_generation, 0);
  EXPECT_EQ((*u)->version, 1);
  EXPECT_EQ((*s)->create_user(user("new", "CAROL@example.com")).error(), errc::conflict);
  auto c = (*s)->find_client("c-old");
  ASSERT_TRUE(c && *c);
  EXPECT_EQ((*c)->name, "kept");
}

}  // namespace
}  // namespace authplane::storage::test
