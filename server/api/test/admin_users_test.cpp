// /admin/users: create (validation, only the hash stored, case-insensitive duplicates), list
// with filters and pages, get, patch (password change ends sessions), disable/enable matrix,
// delete with and without force, force logout, and that no response or audit leaks a password.
#include "admin_fakes.hpp"

namespace authplane::api::admin_test {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

struct fake_user_store : ports::user_store {
  std::map<std::string, domain::user, std::less<>> rows;
  fake_issuance_store* tokens = nullptr;
  int conflicts_to_inject = 0;
  bool fail = false;

  result<std::optional<domain::user>> find_user(std::string_view id) override {
    if (fail) return make_error_code(errc::storage_failure);
    auto it = rows.find(id);
    if (it == rows.end()) return std::optional<domain::user>{};
    return std::optional<domain::user>{it->second};
  }
  result<std::optional<domain::user>> find_user_by_email(std::string_view email) override {
    if (fail) return make_error_code(errc::storage_failure);
    for (const auto& [id, u] : rows)
      if (!u.email.empty() && lower(u.email) == lower(std::string(email))) return std::optional<domain::user>{u};
    return std::optional<domain::user>{};
  }
  result<void> create_user(const domain::user& u) override {
    if (rows.count(u.id) || *find_user_by_email(u.email)) return make_error_code(errc::conflict);
    rows[u.id] = u;
    return {};
  }
  result<void> update_user(const domain::user& u) override {
    auto it = rows.find(u.id);
    if (it == rows.end()) return make_error_code(errc::not_found);
    if (conflicts_to_inject > 0) {
      --conflicts_to_inject;
      it->second.version += 1;
      return make_error_code(errc::conflict);
    }
    if (it->second.version != u.version) return make_error_code(errc::conflict);
    it->second = u;
    it->second.version = u.version + 1;
    return {};
  }
  result<std::vector<domain::user>> list_users(const ports::user_filter& f, ports::list_page page) override {
    std::vector<domain::user> out;
    std::size_t skipped = 0;
    for (const auto& [id, u] : rows) {
      if ((!f.status.empty() && u.status != f.status) || (!f.role.empty() && u.role != f.role)) continue;
      if (skipped++ < page.offset) continue;
      if (out.size() >= page.limit) break;
      out.push_back(u);
    }
    return out;
  }
  result<void> delete_user(std::string_view id) override {
    auto it = rows.find(id);
    if (it == rows.end()) return make_error_code(errc::not_found);
    rows.erase(it);
    return {};
  }
  result<std::size_t> count_active_user_tokens(std::string_view user_id, std::int64_t now) override {
    std::size_t n = 0;
    for (const auto& i : tokens->rows) n += i.subject_user_id == user_id && fake_issuance_store::active(i, now);
    return n;
  }
  result<std::size_t> end_user_sessions(std::string_view user_id, std::int64_t at) override {
    auto it = rows.find(user_id);
    if (it == rows.end()) return make_error_code(errc::not_found);
    it->second.session_generation += 1;
    it->second.version += 1;
    std::size_t n = 0;
    for (auto& i : tokens->rows)
      if (i.subject_user_id == user_id && !i.revoked_at) i.revoked_at = at, ++n;
    return n;
  }
};

struct fake_passwords : ports::password_hasher {
  int hashed = 0;
  result<std::string> hash(std::string_view p) const override {
    ++const_cast<fake_passwords*>(this)->hashed;
    return "$fake$" + std::to_string(p.size()) + "$" + std::to_string(std::hash<std::string_view>{}(p));
  }
  bool verify(std::string_view p, std::string_view h) const override { return *hash(p) == h; }
  bool needs_rehash(std::string_view) const override { return false; }
};

constexpr const char* kPassword = "s3cret-Passw0rd";

class AdminUsers : public admin_api_test {
 protected:
  fake_user_store users;
  fake_passwords passwords;

  void SetUp() override {
    users.tokens = &issuances;
    deps.users = &users;
    deps.passwords = &passwords;
    admin_api_test::SetUp();
  }
  captured create(std::string body) { return send("POST", "/admin/users", std::move(body)); }
  std::string create_ok(std::string email, std::string extra = "") {
    auto c = create(R"({"email":")" + email + R"(","password":")" + kPassword + "\"" + extra + "}");
    EXPECT_EQ(c.status(), 201) << c.res.body;
    return c.body.is_object() ? c.str("id") : "";
  }
  domain::issuance seed_user_token(std::string jti, std::string user_id, std::int64_t exp = kNow + 900) {
    auto i = seed_token(std::move(jti), "client-1", exp);
    issuances.rows.back().subject_user_id = std::move(user_id);
    return i;
  }
  void expect_no_password_anywhere(const captured& c) {
    EXPECT_EQ(c.res.body.find(kPassword), std::string::npos);
    EXPECT_EQ(c.res.body.find("password"), std::string::npos);
    for (const auto& e : audit.events) EXPECT_EQ(e.detail.find(kPassword), std::string::npos);
  }
};

// ---- create ----------------------------------------------------------------------------------

TEST_F(AdminUsers, CreateReturnsUserViewAndStoresOnlyTheHash) {
  auto c = create(R"({"email":"Alice@Example.com","name":"Alice","password":"s3cret-Passw0rd","role":"admin"})");
  ASSERT_EQ(c.status(), 201) << c.res.body;
  EXPECT_EQ(c.header("Content-Type"), "application/json");
  std::string id = c.str("id");
  EXPECT_EQ(id.size(), 22u);
  EXPECT_EQ(c.str("email"), "Alice@Example.com");
  EXPECT_EQ(c.str("name"), "Alice");
  EXPECT_EQ(c.str("role"), "admin");
  EXPECT_EQ(c.str("status"), "active");
  EXPECT_EQ(c.str("provider"), "local");
  EXPECT_EQ(c.str("created_at"), "2026-11-26T03:10:00Z");
  EXPECT_EQ(c.str("updated_at"), "2026-11-26T03:10:00Z");
  EXPECT_EQ(c.obj().size(), 8u);
  expect_no_password_anywhere(c);
  const auto& stored = users.rows.at(id);
  EXPECT_EQ(stored.password_hash, *passwords.hash(kPassword));
  EXPECT_EQ(stored.created_at, kNow);
  EXPECT_EQ(stored.session_generation, 0);
  auto ev = audit.with_action("user.created");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].detail, "user_id=" + id + " role=admin");
  EXPECT_EQ(ev[0].actor_id, "admin");
  EXPECT_EQ(ev[0].ip, "192.0.2.7");
}

TEST_F(AdminUsers, CreateDefaultsRoleToUserAndNameToEmpty) {
  auto c = create(R"({"email":"bob@example.com","password":"s3cret-Passw0rd"})");
  ASSERT_EQ(c.status(), 201);
  EXPECT_EQ(c.str("role"), "user");
  EXPECT_EQ(c.str("name"), "");
}

TEST_F(AdminUsers, CreateRequiresEmailAndPassword) {
  for (const char* body : {R"({"password":"s3cret-Passw0rd"})", R"({"email":"a@example.com"})",
                           R"({"email":"","password":"s3cret-Passw0rd"})", R"({"email":"a@example.com","password":""})",
                           R"({"email":null,"password":"s3cret-Passw0rd"})", "{}"}) {
    expect_problem(create(body), 400, "email and password are required");
  }
  EXPECT_TRUE(users.rows.empty());
  EXPECT_EQ(passwords.hashed, 0);
}

TEST_F(AdminUsers, CreateValidatesEveryField) {
  struct bad {
    std::string body, detail;
  };
  std::string pw = std::string(R"(,"password":")") + kPassword + "\"";
  std::vector<bad> cases = {
      {"not json", "invalid JSON body"},
      {"[]", "invalid JSON body"},
      {R"({"email":5,"password":"x"})", "email must be a string"},
      {R"({"email":"noatsign")" + pw + "}", "email is not a valid address"},
      {R"({"email":"@example.com")" + pw + "}", "email is not a valid address"},
      {R"({"email":"a@")" + pw + "}", "email is not a valid address"},
      {R"({"email":"a@b@c")" + pw + "}", "email is not a valid address"},
      {R"({"email":"a b@example.com")" + pw + "}", "email is not a valid address"},
      {R"({"email":")" + std::string(250, 'a') + R"(@x.io")" + pw + "}", "email must be at most 254 characters"},
      {R"({"email":"a@example.com","name":")" + std::string(256, 'n') + "\"" + pw + "}",
       "name must be at most 255 characters"},
      {R"({"email":"a@example.com","role":"root")" + pw + "}", "role must be admin or user"},
      {R"({"email":"a@example.com","password":"short12"})", "password must be at least 8 bytes"},
      {R"({"email":"a@example.com","password":")" + std::string(1025, 'p') + "\"}",
       "password must be at most 1024 bytes"},
  };
  for (const auto& b : cases) expect_problem(create(b.body), 400, b.detail);
  EXPECT_TRUE(users.rows.empty());
  // The bounds themselves are accepted.
  EXPECT_EQ(create(R"({"email":"a@example.com","password":"12345678"})").status(), 201);
  EXPECT_EQ(create(R"({"email":"b@example.com","password":")" + std::string(1024, 'p') + "\"}").status(), 201);
}

TEST_F(AdminUsers, CreateDuplicateEmailIgnoringCaseIs409) {
  create_ok("alice@example.com");
  expect_problem(create(R"({"email":"ALICE@example.COM","password":"s3cret-Passw0rd"})"), 409,
                 "user with this email already exists");
  EXPECT_EQ(users.rows.size(), 1u);
}

TEST_F(AdminUsers, StoreFailureIs500) {
  users.fail = true;
  expect_problem(create(R"({"email":"a@example.com","password":"s3cret-Passw0rd"})"), 500, "internal error");
  expect_problem(send("GET", "/admin/users/x"), 500, "internal error");
}

TEST_F(AdminUsers, RequiresTheAdminKey) {
  auto c = send("GET", "/admin/users", "", std::nullopt);
  EXPECT_EQ(c.status(), 401);
  EXPECT_EQ(c.str("error"), "unauthorized");
  EXPECT_EQ(send("POST", "/admin/users", "{}", std::string("Bearer wrong")).status(), 401);
}

// ---- list / get --------------------------------------------------------------------------------

TEST_F(AdminUsers, ListFiltersAndPages) {
  std::string a = create_ok("a@example.com");
  std::string b = create_ok("b@example.com", R"(,"role":"admin")");
  ASSERT_EQ(send("PATCH", "/admin/users/" + a + "/disable").status(), 200);
  auto all = send("GET", "/admin/users");
  ASSERT_EQ(all.status(), 200);
  EXPECT_EQ(all.obj().at("users").as_array().size(), 2u);
  auto only = [&](std::string q) {
    auto c = send("GET", "/admin/users" + q);
    EXPECT_EQ(c.status(), 200) << q << c.res.body;
    std::vector<std::string> ids;
    for (const auto& u : c.obj().at("users").as_array()) ids.emplace_back(u.at("id").as_string());
    return ids;
  };
  EXPECT_EQ(only("?status=disabled"), std::vector<std::string>{a});
  EXPECT_EQ(only("?status=active&role=admin"), std::vector<std::string>{b});
  EXPECT_EQ(only("?role=user&status=active"), std::vector<std::string>{});
  EXPECT_EQ(only("?limit=1&offset=5").size(), 0u);
  EXPECT_EQ(only("?limit=1").size(), 1u);
  expect_problem(send("GET", "/admin/users?status=gone"), 400, "status must be one of active, disabled");
  expect_problem(send("GET", "/admin/users?role=root"), 400, "role must be one of admin, user");
  EXPECT_EQ(send("GET", "/admin/users?limit=abc").status(), 400);
  EXPECT_EQ(send("GET", "/admin/users?limit=1001").status(), 400);
}

TEST_F(AdminUsers, ListIsEmptyArrayNotNull) {
  auto c = send("GET", "/admin/users");
  ASSERT_EQ(c.status(), 200);
  EXPECT_TRUE(c.obj().at("users").as_array().empty());
}

TEST_F(AdminUsers, GetReturnsViewOr404) {
  std::string id = create_ok("a@example.com");
  auto g = send("GET", "/admin/users/" + id);
  ASSERT_EQ(g.status(), 200);
  EXPECT_EQ(g.str("email"), "a@example.com");
  expect_no_password_anywhere(g);
  expect_problem(send("GET", "/admin/users/nope"), 404, "user not found");
  EXPECT_EQ(send("GET", "/admin/users/" + std::string(257, 'x')).status(), 400);
}

// ---- patch -------------------------------------------------------------------------------------

TEST_F(AdminUsers, PatchChangesOnlyGivenFields) {
  std::string id = create_ok("a@example.com", R"(,"name":"Old")");
  clk.advance(60);
  auto p = send("PATCH", "/admin/users/" + id, R"({"name":"New","role":"admin"})");
  ASSERT_EQ(p.status(), 200) << p.res.body;
  EXPECT_EQ(p.str("name"), "New");
  EXPECT_EQ(p.str("role"), "admin");
  EXPECT_EQ(p.str("email"), "a@example.com");
  EXPECT_EQ(p.str("updated_at"), "2026-11-26T03:11:00Z");
  EXPECT_EQ(p.str("created_at"), "2026-11-26T03:10:00Z");
  EXPECT_EQ(users.rows[id].session_generation, 0);  // no password change, sessions stay
  auto ev = audit.with_action("user.updated");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].detail, "user_id=" + id + " fields=name,role");
}

TEST_F(AdminUsers, PatchPasswordRehashesAndEndsSessions) {
  std::string id = create_ok("a@example.com");
  auto p = send("PATCH", "/admin/users/" + id, R"({"password":"another-pass-1"})");
  ASSERT_EQ(p.status(), 200);
  EXPECT_EQ(p.res.body.find("another-pass-1"), std::string::npos);
  EXPECT_EQ(users.rows[id].password_hash, *passwords.hash("another-pass-1"));
  EXPECT_EQ(users.rows[id].session_generation, 1);
  EXPECT_EQ(audit.with_action("user.updated")[0].detail, "user_id=" + id + " fields=password");
  for (const auto& e : audit.events) EXPECT_EQ(e.detail.find("another-pass-1"), std::string::npos);
  expect_problem(send("PATCH", "/admin/users/" + id, R"({"password":"short"})"), 400,
                 "password must be at least 8 bytes");
}

TEST_F(AdminUsers, PatchEmailKeepsUniquenessAndValidates) {
  std::string a = create_ok("a@example.com");
  create_ok("b@example.com");
  expect_problem(send("PATCH", "/admin/users/" + a, R"({"email":"B@EXAMPLE.com"})"), 409,
                 "user with this email already exists");
  expect_problem(send("PATCH", "/admin/users/" + a, R"({"email":"bad"})"), 400, "email is not a valid address");
  expect_problem(send("PATCH", "/admin/users/" + a, R"({"role":"root"})"), 400, "role must be admin or user");
  expect_problem(send("PATCH", "/admin/users/" + a, R"({"name":7})"), 400, "name must be a string");
  // Changing only the case of one's own email is allowed.
  auto p = send("PATCH", "/admin/users/" + a, R"({"email":"A@example.com"})");
  ASSERT_EQ(p.status(), 200) << p.res.body;
  EXPECT_EQ(p.str("email"), "A@example.com");
  expect_problem(send("PATCH", "/admin/users/nope", R"({"name":"x"})"), 404, "user not found");
  expect_problem(send("PATCH", "/admin/users/" + a, "nope"), 400, "invalid JSON body");
}

TEST_F(AdminUsers, PatchRetriesOnceOnAConcurrentWriteThenGivesUp) {
  std::string id = create_ok("a@example.com");
  users.conflicts_to_inject = 1;
  EXPECT_EQ(send("PATCH", "/admin/users/" + id, R"({"name":"x"})").status(), 200);
  users.conflicts_to_inject = 2;
  expect_problem(send("PATCH", "/admin/users/" + id, R"({"name":"y"})"), 409, "user was modified concurrently; retry");
}

// ---- disable / enable --------------------------------------------------------------------------

TEST_F(AdminUsers, DisableEnableTransitions) {
  std::string id = create_ok("a@example.com");
  auto d = send("PATCH", "/admin/users/" + id + "/disable");
  ASSERT_EQ(d.status(), 200);
  EXPECT_EQ(d.res.body, R"({"status":"disabled"})");
  EXPECT_EQ(users.rows[id].status, "disabled");
  EXPECT_EQ(users.rows[id].session_generation, 1);
  expect_problem(send("PATCH", "/admin/users/" + id + "/disable"), 409, "cannot disable a user whose status is disabled");
  auto e = send("PATCH", "/admin/users/" + id + "/enable");
  ASSERT_EQ(e.status(), 200);
  EXPECT_EQ(e.res.body, R"({"status":"active"})");
  EXPECT_EQ(users.rows[id].session_generation, 1);  // enabling does not revive old sessions
  expect_problem(send("PATCH", "/admin/users/" + id + "/enable"), 409, "cannot enable a user whose status is active");
  expect_problem(send("PATCH", "/admin/users/nope/disable"), 404, "user not found");
  EXPECT_EQ(audit.with_action("user.disabled").size(), 1u);
  EXPECT_EQ(audit.with_action("user.enabled").size(), 1u);
  EXPECT_EQ(send("POST", "/admin/users/" + id + "/disable").status(), 405);
}

// ---- delete / force logout ---------------------------------------------------------------------

TEST_F(AdminUsers, DeleteWithoutTokensIs204) {
  std::string id = create_ok("a@example.com");
  seed_user_token("expired", id, kNow - 1);
  auto d = send("DELETE", "/admin/users/" + id);
  EXPECT_EQ(d.status(), 204);
  EXPECT_TRUE(d.res.body.empty());
  EXPECT_EQ(users.rows.count(id), 0u);
  EXPECT_EQ(audit.with_action("user.deleted")[0].detail, "user_id=" + id + " force=false revoked_tokens=0");
  expect_problem(send("DELETE", "/admin/users/" + id), 404, "user not found");
}

TEST_F(AdminUsers, DeleteWithActiveTokensNeedsForce) {
  std::string id = create_ok("a@example.com");
  seed_user_token("j1", id);
  seed_user_token("j2", id);
  seed_user_token("other", "someone-else");
  expect_problem(send("DELETE", "/admin/users/" + id), 409,
                 "user has active tokens — use force=true to revoke and delete");
  expect_problem(send("DELETE", "/admin/users/" + id + "?force=false"), 409,
                 "user has active tokens — use force=true to revoke and delete");
  expect_problem(send("DELETE", "/admin/users/" + id + "?force=yes"), 400, "force must be true or false");
  EXPECT_EQ(users.rows.count(id), 1u);
  EXPECT_EQ(send("DELETE", "/admin/users/" + id + "?force=true").status(), 204);
  EXPECT_EQ(users.rows.count(id), 0u);
  EXPECT_EQ(*issuances.rows[0].revoked_at, kNow);
  EXPECT_EQ(*issuances.rows[1].revoked_at, kNow);
  EXPECT_FALSE(issuances.rows[2].revoked_at);
  EXPECT_EQ(audit.with_action("user.deleted")[0].detail, "user_id=" + id + " force=true revoked_tokens=2");
}

TEST_F(AdminUsers, ForceLogoutRevokesTokensAndBumpsGeneration) {
  std::string id = create_ok("a@example.com");
  seed_user_token("j1", id);
  seed_user_token("j2", id);
  auto r = send("DELETE", "/admin/users/" + id + "/tokens");
  ASSERT_EQ(r.status(), 200) << r.res.body;
  EXPECT_EQ(r.str("user_id"), id);
  EXPECT_EQ(r.obj().at("tokens_revoked").as_int64(), 2);
  EXPECT_EQ(users.rows[id].session_generation, 1);
  auto again = send("DELETE", "/admin/users/" + id + "/tokens");
  EXPECT_EQ(again.obj().at("tokens_revoked").as_int64(), 0);
  EXPECT_EQ(users.rows[id].session_generation, 2);
  auto ev = audit.with_action("user.force_logout");
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].detail, "user_id=" + id + " tokens_revoked=2");
  expect_problem(send("DELETE", "/admin/users/nope/tokens"), 404, "user not found");
}

TEST(AdminUsersWiring, RoutesAbsentWithoutAUserStore) {
  // A deployment without users keeps the rest of the admin API; /admin/users is simply unknown.
  class probe : public admin_api_test {
   public:
    void TestBody() override {}
    int status() {
      SetUp();
      return send("GET", "/admin/users").status();
    }
  } p;
  EXPECT_EQ(p.status(), 404);
}

}  // namespace
}  // namespace authplane::api::admin_test
