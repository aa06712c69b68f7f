// In-memory fakes of the ports the admin API uses, plus a fixture that dispatches requests
// through an http::router with a capturing responder (no sockets).
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "authplane/api/admin.hpp"
#include "authplane/core/clock.hpp"
#include "authplane/domain/error.hpp"
#include "authplane/http/server.hpp"

namespace authplane::api::admin_test {

using domain::errc;

struct fake_client_store : ports::client_store {
  std::map<std::string, domain::client, std::less<>> rows;
  int conflicts_to_inject = 0;  // update_client answers conflict this many times first
  bool fail = false;
  bool conflict_on_create = false;  // as if the generated id were taken
  std::string last_status_filter, last_source_filter;

  result<std::optional<domain::client>> find_client(std::string_view id) override {
    if (fail) return make_error_code(errc::storage_failure);
    auto it = rows.find(id);
    if (it == rows.end()) return std::optional<domain::client>{};
    return std::optional<domain::client>{it->second};
  }
  result<void> create_client(const domain::client& c) override {
    if (fail) return make_error_code(errc::storage_failure);
    if (conflict_on_create || rows.count(c.id)) return make_error_code(errc::conflict);
    rows[c.id] = c;
    return {};
  }
  result<void> update_client(const domain::client& c) override {
    auto it = rows.find(c.id);
    if (it == rows.end()) return make_error_code(errc::not_found);
    if (conflicts_to_inject > 0) {
      --conflicts_to_inject;
      it->second.version += 1;  // someone else wrote in between
      return make_error_code(errc::conflict);
    }
    if (it->second.version != c.version) return make_error_code(errc::conflict);
    it->second = c;
    it->second.version = c.version + 1;
    return {};
  }
  result<std::vector<domain::client>> list_clients(std::string_view status, std::string_view source,
                                                   ports::list_page page) override {
    last_status_filter = status;
    last_source_filter = source;
    std::vector<domain::client> out;
    std::size_t skipped = 0;
    for (const auto& [id, c] : rows) {
      if (!status.empty() && c.status != status) continue;
      if (!source.empty() && c.registration_source != source) continue;
      if (skipped++ < page.offset) continue;
      if (out.size() >= page.limit) break;
      out.push_back(c);
    }
    return out;
  }
  result<void> delete_client(std::string_view id) override {
    auto it = rows.find(id);
    if (it == rows.end()) return make_error_code(errc::not_found);
    rows.erase(it);
    return {};
  }
};

struct fake_resource_store : ports::resource_store {
  std::vector<domain::resource> rows;

  result<std::optional<domain::resource>> find_resource_by_id(std::string_view id) override {
    for (const auto& r : rows)
      if (r.id == id) return std::optional<domain::resource>{r};
    return std::optional<domain::resource>{};
  }
  result<std::optional<domain::resource>> find_resource_by_slug(std::string_view slug) override {
    for (const auto& r : rows)
      if (r.slug == slug) return std::optional<domain::resource>{r};
    return std::optional<domain::resource>{};
  }
  result<std::vector<domain::resource>> find_resources_by_uri(std::string_view uri) override {
    std::vector<domain::resource> out;
    for (const auto& r : rows)
      if (r.uri == uri) out.push_back(r);
    return out;
  }
  result<void> create_resource(const domain::resource& r) override {
    for (const auto& x : rows)
      if (x.id == r.id || x.slug == r.slug) return make_error_code(errc::conflict);
    rows.push_back(r);
    return {};
  }
  result<void> update_resource(const domain::resource& r) override {
    for (auto& x : rows) {
      if (x.id == r.id) {
        x = r;
        return {};
      }
    }
    return make_error_code(errc::not_found);
  }
  result<void> delete_resource(std::string_view id) override {
    auto it = std::find_if(rows.begin(), rows.end(), [&](const auto& r) { return r.id == id; });
    if (it == rows.end()) return make_error_code(errc::not_found);
    rows.erase(it);
    return {};
  }
  result<std::vector<domain::resource>> list_resources(ports::list_page page) override {
    std::vector<domain::resource> out;
    for (std::size_t i = page.offset; i < rows.size() && out.size() < page.limit; ++i) out.push_back(rows[i]);
    return out;
  }
};

struct fake_issuance_store : ports::issuance_store {
  std::vector<domain::issuance> rows;
  ports::issuance_filter last_filter;

  static bool active(const domain::issuance& i, std::int64_t now) { return !i.revoked_at && i.expires_at > now; }

  void record_issuance(domain::issuance iss, domain::audit_event, std::function<void(error_code)> done) override {
    rows.push_back(std::move(iss));
    done({});
  }
  // No refresh tables here: companions are refused (nothing stored).
  void record_issuance_with(domain::issuance iss, domain::audit_event, ports::issuance_companion companion,
                            std::function<void(error_code, ports::rotate_outcome)> done) override {
    if (companion.index() != 0) return done(make_error_code(errc::storage_failure), ports::rotate_outcome::rotated);
    rows.push_back(std::move(iss));
    done({}, ports::rotate_outcome::rotated);
  }
  result<std::optional<domain::issuance>> find_issuance_by_jti(std::string_view jti) override {
    for (const auto& i : rows)
      if (i.jti == jti) return std::optional<domain::issuance>{i};
    return std::optional<domain::issuance>{};
  }
  result<void> revoke_issuance(std::string_view jti, std::int64_t at) override {
    for (auto& i : rows) {
      if (i.jti == jti) {
        if (!i.revoked_at) i.revoked_at = at;
        return {};
      }
    }
    return make_error_code(errc::not_found);
  }
  result<std::size_t> revoke_client_issuances(std::string_view client_id, std::int64_t at) override {
    std::size_t n = 0;
    for (auto& i : rows) {
      if (i.client_id == client_id && !i.revoked_at) {
        i.revoked_at = at;
        ++n;
      }
    }
    return n;
  }
  result<std::vector<domain::issuance>> list_issuances(const ports::issuance_filter& f,
                                                       ports::list_page page) override {
    last_filter = f;
    std::vector<domain::issuance> out;
    for (const auto& i : rows) {
      if (!f.client_id.empty() && i.client_id != f.client_id) continue;
      if (!f.user_id.empty() && i.subject_user_id != f.user_id) continue;
      if (f.active_only && !active(i, f.now)) continue;
      if (out.size() >= page.limit) break;
      out.push_back(i);
    }
    return out;
  }
  result<std::size_t> count_active_issuances(std::string_view client_id, std::int64_t now) override {
    std::size_t n = 0;
    for (const auto& i : rows) n += i.client_id == client_id && active(i, now);
    return n;
  }
};

struct fake_audit_store : ports::audit_store {
  std::vector<domain::audit_event> events;
  std::optional<ports::audit_query> last_query;
  bool fail_writes = false;

  result<void> append_audit(const domain::audit_event& ev) override {
    if (fail_writes) return make_error_code(errc::storage_failure);
    events.push_back(ev);
    return {};
  }
  result<std::vector<domain::audit_event>> query_audit(const ports::audit_query& q) override {
    last_query = q;
    std::vector<domain::audit_event> out;
    for (auto it = events.rbegin(); it != events.rend(); ++it) {
      if (!q.action.empty() && it->action != q.action) continue;
      if (!q.actor_id.empty() && it->actor_id != q.actor_id) continue;
      if (!q.client_id.empty() && it->client_id != q.client_id) continue;
      if (it->created_at < q.since || (q.until && it->created_at > q.until)) continue;
      out.push_back(*it);
    }
    if (q.offset >= out.size()) return std::vector<domain::audit_event>{};
    out.erase(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(q.offset));
    if (out.size() > q.limit) out.resize(q.limit);
    return out;
  }
  // Events with this action, oldest first.
  std::vector<domain::audit_event> with_action(std::string_view action) const {
    std::vector<domain::audit_event> out;
    for (const auto& e : events)
      if (e.action == action) out.push_back(e);
    return out;
  }
};

struct fake_health_store : ports::health_store {
  bool healthy = true;
  ports::store_stats s{3, 2, 5, 1};
  result<void> ping() override {
    if (!healthy) return make_error_code(errc::storage_failure);
    return {};
  }
  result<ports::store_stats> stats(std::int64_t) override {
    if (!healthy) return make_error_code(errc::storage_failure);
    return s;
  }
};

struct fake_settings_store : ports::settings_store {
  std::map<std::string, std::string, std::less<>> values;
  result<std::optional<std::string>> get_setting(std::string_view key) override {
    auto it = values.find(key);
    if (it == values.end()) return std::optional<std::string>{};
    return std::optional<std::string>{it->second};
  }
  result<void> put_setting(std::string_view key, std::string_view value) override {
    values[std::string(key)] = value;
    return {};
  }
};

struct fake_secrets : ports::client_secrets {
  int counter = 0;
  std::vector<generated> issued;
  generated generate() override {
    ++counter;
    generated g{"secret-" + std::to_string(counter) + "-plaintext", "hs256$fakehash-" + std::to_string(counter)};
    issued.push_back(g);
    return g;
  }
  bool verify(std::string_view secret, std::string_view stored_hash) const override {
    for (const auto& g : issued)
      if (g.secret == secret) return g.hash == stored_hash;
    return false;
  }
};

struct fake_keys : ports::key_manager {
  std::vector<ports::key_info> keys{{"kid-1", "ES256", "sig", "current", 1000}};
  bool fail_rotate = false;
  std::vector<ports::key_info> list_keys() const override { return keys; }
  result<ports::key_info> rotate_key() override {
    if (fail_rotate) return make_error_code(errc::storage_failure);
    for (auto& k : keys) k.status = "previous";
    ports::key_info k{"kid-" + std::to_string(keys.size() + 1), "ES256", "sig", "current", 2000};
    keys.insert(keys.begin(), k);
    return k;
  }
};

inline constexpr std::int64_t kNow = 1'795'662'600;  // 2026-11-26T03:10:00Z
inline constexpr const char* kKey = "test-admin-key-0123456789";

struct captured {
  bool called = false;
  http::response res;
  boost::json::value body;  // parsed when the body is JSON, else null

  int status() const { return res.status; }
  std::string header(std::string_view name) const {
    auto h = res.headers.get(name);
    return h ? std::string(*h) : std::string("<absent>");
  }
  const boost::json::object& obj() const { return body.as_object(); }
  std::string str(std::string_view key) const {
    const auto& v = obj().at(key);
    return std::string(v.as_string().data(), v.as_string().size());
  }
};

class admin_api_test : public ::testing::Test {
 protected:
  fake_client_store clients;
  fake_resource_store resources;
  fake_issuance_store issuances;
  fake_audit_store audit;
  fake_health_store health;
  fake_settings_store settings;
  fake_secrets secrets;
  fake_keys keys;
  manual_clock clk{kNow};
  int resources_changed = 0;
  int clients_changed = 0;
  admin_deps deps{clients, resources, issuances, audit, health, settings, secrets, keys, clk, kKey, "0.1.0",
                  R"({"issuer":"http://localhost:9000","storage":{"driver":"sqlite"}})"};
  http::router router;

  void SetUp() override {
    deps.started_at = kNow - (86400 + 2 * 3600 + 3 * 60 + 4);
    deps.on_resources_changed = [this] { ++resources_changed; };
    deps.on_clients_changed = [this] { ++clients_changed; };
    register_admin_routes(router, deps);
  }

  captured send_raw(http::request req) {
    captured c;
    auto pos = req.target.find('?');
    req.path = req.target.substr(0, pos);
    req.query = pos == std::string::npos ? "" : req.target.substr(pos + 1);
    if (req.remote_ip.empty()) req.remote_ip = "192.0.2.7";
    router.dispatch(req, http::responder([&c](http::response&& r) {
                      c.called = true;
                      c.res = std::move(r);
                    }));
    EXPECT_TRUE(c.called) << req.method << " " << req.target;
    if (!c.res.body.empty()) {
      boost::system::error_code ec;
      auto v = boost::json::parse(c.res.body, ec);
      if (!ec) c.body = std::move(v);
    }
    return c;
  }

  captured send(std::string method, std::string target, std::string body = "",
                std::optional<std::string> auth = std::string("Bearer ") + kKey) {
    http::request req;
    req.method = std::move(method);
    req.target = std::move(target);
    req.body = std::move(body);
    if (auth) req.headers.add("Authorization", *auth);
    return send_raw(std::move(req));
  }

  // Asserts an application/problem+json answer with this status and detail.
  static void expect_problem(const captured& c, int status, std::string_view detail) {
    EXPECT_EQ(c.status(), status) << c.res.body;
    EXPECT_EQ(c.header("Content-Type"), "application/problem+json");
    ASSERT_TRUE(c.body.is_object()) << c.res.body;
    EXPECT_EQ(c.str("type"), "about:blank");
    EXPECT_EQ(c.str("title"), std::string(http::status_text(status)));
    EXPECT_EQ(c.obj().at("status").as_int64(), status);
    EXPECT_EQ(c.str("detail"), detail);
  }

  domain::client seed_client(std::string id, std::string status = domain::client_status::active,
                             std::string method = "client_secret_basic") {
    domain::client c;
    c.id = std::move(id);
    c.name = "seeded " + c.id;
    c.redirect_uris = {"https://app.example.com/cb"};
    c.grant_types = {"authorization_code", "refresh_token"};
    c.response_types = {"code"};
    c.token_endpoint_auth_method = std::move(method);
    c.secret_hash = c.is_public() ? "" : "hs256$seeded";
    c.status = std::move(status);
    c.issued_at = c.updated_at = kNow - 100;
    clients.rows[c.id] = c;
    return c;
  }

  domain::issuance seed_token(std::string jti, std::string client_id, std::int64_t expires_at = kNow + 900) {
    domain::issuance i;
    i.id = "iss-" + jti;
    i.jti = std::move(jti);
    i.client_id = std::move(client_id);
    i.subject_user_id = "user-1";
    i.resource_id = "res-1";
    i.audience = "https://mcp.example.com/mcp";
    i.scopes = "read write";
    i.grant_type = "authorization_code";
    i.issued_at = kNow - 60;
    i.expires_at = expires_at;
    issuances.rows.push_back(i);
    return i;
  }
};

inline std::vector<std::string> strings(const boost::json::value& v) {
  std::vector<std::string> out;
  for (const auto& e : v.as_array()) out.emplace_back(e.as_string().data(), e.as_string().size());
  return out;
}

}  // namespace authplane::api::admin_test
