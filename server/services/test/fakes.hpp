// In-memory fakes of the output ports for service tests (no SQL, no files).
#pragma once
#include <map>
#include <mutex>

#include "authplane/domain/error.hpp"
#include "authplane/ports/stores.hpp"

namespace authplane::fakes {

struct fake_clients : ports::client_store {
  std::map<std::string, domain::client, std::less<>> rows;
  result<std::optional<domain::client>> find_client(std::string_view id) override {
    auto it = rows.find(id);
    if (it == rows.end()) return std::optional<domain::client>{};
    return std::optional<domain::client>{it->second};
  }
  result<void> create_client(const domain::client& c) override {
    if (!rows.emplace(c.id, c).second) return domain::errc::conflict;
    return {};
  }
  result<void> update_client(const domain::client& c) override {
    rows[c.id] = c;
    return {};
  }
  result<std::vector<domain::client>> list_clients(std::string_view, std::string_view, ports::list_page) override {
    std::vector<domain::client> v;
    for (auto& [k, c] : rows) v.push_back(c);
    return v;
  }
  result<void> delete_client(std::string_view id) override {
    auto it = rows.find(id);
    if (it == rows.end()) return domain::errc::not_found;
    rows.erase(it);
    return {};
  }
};

struct fake_resources : ports::resource_store {
  std::vector<domain::resource> rows;
  result<std::optional<domain::resource>> find_resource_by_id(std::string_view id) override {
    for (auto& r : rows)
      if (r.id == id) return std::optional<domain::resource>{r};
    return std::optional<domain::resource>{};
  }
  result<std::optional<domain::resource>> find_resource_by_slug(std::string_view s) override {
    for (auto& r : rows)
      if (r.slug == s) return std::optional<domain::resource>{r};
    return std::optional<domain::resource>{};
  }
  result<std::vector<domain::resource>> find_resources_by_uri(std::string_view u) override {
    std::vector<domain::resource> v;
    for (auto& r : rows)
      if (r.uri == u) v.push_back(r);
    return v;
  }
  result<void> create_resource(const domain::resource& r) override {
    rows.push_back(r);
    return {};
  }
  result<void> update_resource(const domain::resource& r) override {
    for (auto& x : rows)
      if (x.id == r.id) x = r;
    return {};
  }
  result<void> delete_resource(std::string_view) override { return {}; }
  result<std::vector<domain::resource>> list_resources(ports::list_page p) override {
    if (p.offset >= rows.size()) return std::vector<domain::resource>{};
    return std::vector<domain::resource>(rows.begin() + static_cast<long>(p.offset), rows.end());
  }
};

struct fake_issuances : ports::issuance_store, ports::audit_store {
  std::mutex mu;
  std::map<std::string, domain::issuance, std::less<>> rows;
  std::vector<domain::audit_event> events;
  bool fail_writes = false;
  void record_issuance(domain::issuance iss, domain::audit_event ev,
                       std::function<void(boost::system::error_code)> done) override {
    if (fail_writes) {
      done(domain::errc::storage_failure);
      return;
    }
    {
      std::lock_guard lk(mu);
      rows[iss.jti] = iss;
      events.push_back(ev);
    }
    done({});
  }
  // Performs a companion write (set by tests that fake the refresh tables; unset: companions
  // fail with storage_failure). Called without `mu` held, before the issuance is stored; an
  // error or an outcome other than rotated means nothing of the item is stored.
  std::function<result<ports::rotate_outcome>(const ports::issuance_companion&, std::string_view jti)> companion_writer;
  void record_issuance_with(domain::issuance iss, domain::audit_event ev, ports::issuance_companion companion,
                            std::function<void(boost::system::error_code, ports::rotate_outcome)> done) override {
    constexpr auto rotated = ports::rotate_outcome::rotated;
    if (fail_writes) return done(domain::errc::storage_failure, rotated);
    if (companion.index() != 0) {
      if (!companion_writer) return done(domain::errc::storage_failure, rotated);
      auto r = companion_writer(companion, iss.jti);
      if (!r) return done(r.error(), rotated);
      if (*r != rotated) return done({}, *r);
    }
    {
      std::lock_guard lk(mu);
      rows[iss.jti] = iss;
      events.push_back(ev);
    }
    done({}, rotated);
  }
  result<std::optional<domain::issuance>> find_issuance_by_jti(std::string_view jti) override {
    std::lock_guard lk(mu);
    auto it = rows.find(jti);
    if (it == rows.end()) return std::optional<domain::issuance>{};
    return std::optional<domain::issuance>{it->second};
  }
  result<void> revoke_issuance(std::string_view jti, std::int64_t at) override {
    std::lock_guard lk(mu);
    auto it = rows.find(jti);
    if (it == rows.end()) return domain::errc::not_found;
    if (!it->second.revoked_at) it->second.revoked_at = at;
    return {};
  }
  result<std::size_t> revoke_client_issuances(std::string_view, std::int64_t) override { return std::size_t{0}; }
  result<std::vector<domain::issuance>> list_issuances(const ports::issuance_filter&, ports::list_page) override {
    return std::vector<domain::issuance>{};
  }
  result<std::size_t> count_active_issuances(std::string_view, std::int64_t) override { return std::size_t{0}; }
  result<void> append_audit(const domain::audit_event& ev) override {
    std::lock_guard lk(mu);
    events.push_back(ev);
    return {};
  }
  result<std::vector<domain::audit_event>> query_audit(const ports::audit_query&) override { return events; }
};

struct fake_keys : ports::key_store {
  std::vector<domain::signing_key> keys;  // current first
  result<std::vector<domain::signing_key>> load_keys() override { return keys; }
  result<void> rotate_in(const domain::signing_key& k) override {
    for (auto& x : keys) x.current = false;
    keys.insert(keys.begin(), k);
    return {};
  }
};

struct fake_replay : ports::replay_cache {
  std::mutex mu;
  std::map<std::string, std::int64_t, std::less<>> seen;
  bool insert_if_absent(std::string_view key, std::int64_t exp, std::int64_t now) override {
    std::lock_guard lk(mu);
    auto it = seen.find(key);
    if (it != seen.end() && it->second > now) return false;
    seen[std::string(key)] = exp;
    return true;
  }
};

}  // namespace authplane::fakes
