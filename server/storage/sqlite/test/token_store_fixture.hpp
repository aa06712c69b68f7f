// A fixture shared by the SQLite tests of codes, refresh families and consent grants: a fresh
// store with the families' user ("user-1", active) and builders for the rows those tests write.
#pragma once

#include <future>
#include <memory>
#include <optional>
#include <string>

#include "authplane/storage/sqlite/sqlite_store.hpp"
#include "conformance.hpp"

namespace authplane::storage::test {

class token_store_fixture : public ::testing::Test {
 protected:
  static constexpr std::int64_t kNow = 1'800'000'000;
  temp_dir dir;
  std::string path = dir.path() + "/data/authserver.db";
  std::unique_ptr<sqlite::sqlite_store> store;

  void SetUp() override {
    auto s = sqlite::sqlite_store::open({.path = path});
    ASSERT_TRUE(s) << s.error().message();
    store = std::move(*s);
    domain::user u;  // the families' user: a rotation needs it to exist and be active
    u.id = "user-1";
    u.email = "user-1@example.com";
    ASSERT_TRUE(store->create_user(u));
  }
  // A code for client-1/user-1 issued at kNow, valid 10 minutes, optionally under a consent grant.
  static ports::stored_code code(std::string hash, std::string grant_id = "") {
    ports::stored_code c;
    c.code_hash = std::move(hash);
    c.grant = {"client-1", "user-1", "http://127.0.0.1/cb", "challenge", "mcp:read", "http://r/mcp", std::move(grant_id)};
    c.created_at = kNow;
    c.expires_at = kNow + 600;
    return c;
  }
  // A family of client-1/user-1, from the code `code_hash`, optionally under a consent grant.
  static ports::refresh_family family(std::string id, std::string code_hash = "", std::string grant_id = "") {
    ports::refresh_family f;
    f.id = std::move(id);
    f.client_id = "client-1";
    f.user_id = "user-1";
    f.scope = "mcp:read";
    f.code_hash = std::move(code_hash);
    f.consent_grant_id = std::move(grant_id);
    f.created_at = kNow;
    return f;
  }
  // An unspent refresh token of `fam`, issued at kNow, valid an hour.
  static ports::refresh_token_row rt(std::string hash, std::string fam) {
    return {std::move(hash), std::move(fam), kNow, kNow + 3600, std::nullopt};
  }
  // Records the issuance of access token `jti` (client-1/user-1, issued at `issued`, valid `ttl`
  // seconds) and waits for its commit.
  void record(std::string jti, std::int64_t issued = kNow, std::int64_t ttl = 900) {
    domain::issuance i;
    i.jti = std::move(jti);
    i.client_id = "client-1";
    i.subject_user_id = "user-1";
    i.issued_at = issued;
    i.expires_at = issued + ttl;
    std::promise<error_code> done;
    store->record_issuance(i, {}, [&](error_code ec) { done.set_value(ec); });
    ASSERT_FALSE(done.get_future().get());
  }
  bool revoked(const std::string& jti) {
    auto i = store->find_issuance_by_jti(jti);
    return i && *i && (*i)->revoked_at.has_value();
  }
};

}  // namespace authplane::storage::test
