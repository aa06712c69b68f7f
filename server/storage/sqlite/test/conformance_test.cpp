// Backend-independent tests of the storage ports (see conformance.hpp).
#include "conformance.hpp"

#include "authplane/core/random.hpp"

#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace authplane::storage::test {
namespace {

using domain::errc;

constexpr std::int64_t t0 = 1'700'000'000;

domain::client make_client(const std::string& id, std::int64_t issued_at = t0) {
  domain::client c;
  c.id = id;
  c.name = "client " + id;
  c.redirect_uris = {"https://app.example/cb", "http://127.0.0.1:8080/cb?x=\"q\""};
  c.grant_types = {"authorization_code", "refresh_token"};
  c.response_types = {"code"};
  c.token_endpoint_auth_method = "client_secret_basic";
  c.secret_hash = "hs256$abc";
  c.scope = "read write";
  c.registration_source = "admin";
  c.application_type = "web";
  c.issued_at = issued_at;
  c.updated_at = issued_at;
  return c;
}

domain::resource make_resource(const std::string& id, const std::string& slug, const std::string& uri) {
  domain::resource r;
  r.id = id;
  r.slug = slug;
  r.uri = uri;
  r.display_name = "Resource " + slug;
  r.scopes = {{"files:read", "Read files", ""}, {"files:write", "", "upstream.write"}};
  r.exchange_allowed_client_ids = {"c1", "c2"};
  r.runtime_client_ids = {"rs1"};
  r.connect_allowed_return_urls = {"https://return.example/"};
  r.created_at = t0;
  r.updated_at = t0;
  return r;
}

domain::issuance make_issuance(const std::string& jti, const std::string& client_id, std::int64_t issued_at = t0,
                               std::int64_t ttl = 3600) {
  domain::issuance i;
  i.id = "iss-" + jti;
  i.jti = jti;
  i.client_id = client_id;
  i.audience = "https://mcp.example/";
  i.scopes = "files:read";
  i.grant_type = "client_credentials";
  i.issued_at = issued_at;
  i.expires_at = issued_at + ttl;
  return i;
}

domain::audit_event make_event(const std::string& id, const std::string& action, std::int64_t at,
                               const std::string& client_id = "c1", const std::string& actor = "admin") {
  domain::audit_event e;
  e.id = id;
  e.action = action;
  e.actor_id = actor;
  e.client_id = client_id;
  e.ip = "203.0.113.7";
  e.detail = "grant_type=client_credentials";
  e.trace_id = "trace-" + id;
  e.created_at = at;
  return e;
}

// record_issuance, waiting for `done`.
error_code record(ports::issuance_store& s, domain::issuance i, domain::audit_event e = {}) {
  std::promise<error_code> p;
  auto f = p.get_future();
  s.record_issuance(std::move(i), std::move(e), [&p](error_code ec) { p.set_value(ec); });
  return f.get();
}

template <class R>
error_code err(const R& r) {
  return r ? error_code() : r.error();
}

}  // namespace

temp_dir::temp_dir() {
  char tmpl[] = "/tmp/authplane-store-test-XXXXXX";
  const char* p = ::mkdtemp(tmpl);
  if (!p) throw std::runtime_error("mkdtemp failed");
  path_ = p;
}

temp_dir::~temp_dir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void store_conformance::SetUp() {
  dir_ = std::make_unique<temp_dir>();
  s_ = GetParam().open(dir_->path());
  ASSERT_TRUE(s_.owner);
}

void store_conformance::TearDown() {
  s_ = {};
  dir_.reset();
}

void store_conformance::reopen() {
  s_ = {};
  s_ = GetParam().open(dir_->path());
  ASSERT_TRUE(s_.owner);
}

// ---- clients ------------------------------------------------------------------------------------

TEST_P(store_conformance, ClientRoundTripsEveryField) {
  auto c = make_client("c1");
  c.agent = true;
  c.agent_description = "build bot";
  c.cimd_url = "https://cimd.example/meta.json";
  c.status = domain::client_status::suspended;
  c.registration_source = "cimd";
  c.application_type = "native";
  c.updated_at = t0 + 5;
  ASSERT_TRUE(s_.clients->create_client(c));
  auto got = s_.clients->find_client("c1");
  ASSERT_TRUE(got);
  ASSERT_TRUE(got->has_value());
  const auto& g = **got;
  EXPECT_EQ(g.id, c.id);
  EXPECT_EQ(g.name, c.name);
  EXPECT_EQ(g.redirect_uris, c.redirect_uris);
  EXPECT_EQ(g.grant_types, c.grant_types);
  EXPECT_EQ(g.response_types, c.response_types);
  EXPECT_EQ(g.token_endpoint_auth_method, c.token_endpoint_auth_method);
  EXPECT_EQ(g.secret_hash, c.secret_hash);
  EXPECT_EQ(g.scope, c.scope);
  EXPECT_EQ(g.status, c.status);
  EXPECT_EQ(g.registration_source, c.registration_source);
  EXPECT_EQ(g.cimd_url, c.cimd_url);
  EXPECT_EQ(g.agent, true);
  EXPECT_EQ(g.agent_description, c.agent_description);
  EXPECT_EQ(g.application_type, c.application_type);
  EXPECT_EQ(g.issued_at, c.issued_at);
  EXPECT_EQ(g.updated_at, c.updated_at);
  EXPECT_EQ(g.version, 1);
}

TEST_P(store_conformance, FindClientAbsentIsNulloptNotError) {
  auto got = s_.clients->find_client("nope");
  ASSERT_TRUE(got);
  EXPECT_FALSE(got->has_value());
}

TEST_P(store_conformance, CreateClientTwiceIsConflict) {
  ASSERT_TRUE(s_.clients->create_client(make_client("c1")));
  EXPECT_EQ(err(s_.clients->create_client(make_client("c1"))), errc::conflict);
}

TEST_P(store_conformance, UpdateClientOptimisticLocking) {
  ASSERT_TRUE(s_.clients->create_client(make_client("c1")));
  auto c = **s_.clients->find_client("c1");
  c.name = "renamed";
  c.redirect_uris = {"https://new.example/cb"};
  ASSERT_TRUE(s_.clients->update_client(c));
  auto after = **s_.clients->find_client("c1");
  EXPECT_EQ(after.name, "renamed");
  EXPECT_EQ(after.redirect_uris, c.redirect_uris);
  EXPECT_EQ(after.version, 2);

  // Stale version (still 1): conflict, row unchanged.
  c.name = "stale write";
  EXPECT_EQ(err(s_.clients->update_client(c)), errc::conflict);
  EXPECT_EQ((**s_.clients->find_client("c1")).name, "renamed");

  // Absent id: not_found.
  EXPECT_EQ(err(s_.clients->update_client(make_client("ghost"))), errc::not_found);
}

TEST_P(store_conformance, ConcurrentUpdatesOfOneVersionExactlyOneWins) {
  ASSERT_TRUE(s_.clients->create_client(make_client("c1")));
  for (int round = 0; round < 20; ++round) {
    auto base = **s_.clients->find_client("c1");
    std::atomic<int> ok{0}, conflict{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < 4; ++t)
      ts.emplace_back([&, t] {
        auto c = base;
        c.name = "writer " + std::to_string(t);
        auto r = s_.clients->update_client(c);
        if (r) ++ok;
        else if (r.error() == errc::conflict) ++conflict;
      });
    for (auto& t : ts) t.join();
    EXPECT_EQ(ok.load(), 1);
    EXPECT_EQ(conflict.load(), 3);
    EXPECT_EQ((**s_.clients->find_client("c1")).version, base.version + 1);
  }
}

TEST_P(store_conformance, ListClientsFiltersAndPages) {
  for (int i = 0; i < 10; ++i) {
    auto c = make_client("c" + std::to_string(i), t0 + i);
    c.status = i % 2 ? domain::client_status::suspended : domain::client_status::active;
    c.registration_source = i < 5 ? "admin" : "dcr";
    ASSERT_TRUE(s_.clients->create_client(c));
  }
  auto all = s_.clients->list_clients("", "", {100, 0});
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 10u);
  EXPECT_EQ(all->front().id, "c9");  // newest first
  EXPECT_EQ(all->back().id, "c0");

  auto active = s_.clients->list_clients("active", "", {100, 0});
  ASSERT_TRUE(active);
  EXPECT_EQ(active->size(), 5u);
  for (const auto& c : *active) EXPECT_EQ(c.status, "active");

  auto dcr_suspended = s_.clients->list_clients("suspended", "dcr", {100, 0});
  ASSERT_TRUE(dcr_suspended);
  ASSERT_EQ(dcr_suspended->size(), 3u);  // c5 c7 c9
  EXPECT_EQ((*dcr_suspended)[0].id, "c9");
  EXPECT_EQ((*dcr_suspended)[2].id, "c5");

  auto page = s_.clients->list_clients("", "", {3, 2});
  ASSERT_TRUE(page);
  ASSERT_EQ(page->size(), 3u);
  EXPECT_EQ((*page)[0].id, "c7");
  EXPECT_EQ((*page)[2].id, "c5");

  auto past_end = s_.clients->list_clients("", "", {5, 10});
  ASSERT_TRUE(past_end);
  EXPECT_TRUE(past_end->empty());
}

TEST_P(store_conformance, DeleteClientCascadesItsIssuances) {
  ASSERT_TRUE(s_.clients->create_client(make_client("c1")));
  ASSERT_TRUE(s_.clients->create_client(make_client("c2")));
  EXPECT_FALSE(record(*s_.issuances, make_issuance("j1", "c1")));
  EXPECT_FALSE(record(*s_.issuances, make_issuance("j2", "c1")));
  EXPECT_FALSE(record(*s_.issuances, make_issuance("j3", "c2")));

  ASSERT_TRUE(s_.clients->delete_client("c1"));
  EXPECT_FALSE(s_.clients->find_client("c1")->has_value());
  EXPECT_FALSE(s_.issuances->find_issuance_by_jti("j1")->has_value());
  EXPECT_FALSE(s_.issuances->find_issuance_by_jti("j2")->has_value());
  EXPECT_TRUE(s_.issuances->find_issuance_by_jti("j3")->has_value());

  EXPECT_EQ(err(s_.clients->delete_client("c1")), errc::not_found);
}

// ---- resources ----------------------------------------------------------------------------------

TEST_P(store_conformance, ResourceRoundTripAndLookups) {
  auto r = make_resource("r1", "files", "https://mcp.example/files");
  ASSERT_TRUE(s_.resources->create_resource(r));
  auto by_id = s_.resources->find_resource_by_id("r1");
  ASSERT_TRUE(by_id && by_id->has_value());
  const auto& g = **by_id;
  EXPECT_EQ(g.slug, "files");
  EXPECT_EQ(g.uri, r.uri);
  EXPECT_EQ(g.backend_kind, "mint");
  EXPECT_EQ(g.display_name, r.display_name);
  ASSERT_EQ(g.scopes.size(), 2u);
  EXPECT_EQ(g.scopes[0].name, "files:read");
  EXPECT_EQ(g.scopes[0].description, "Read files");
  EXPECT_EQ(g.scopes[1].upstream, "upstream.write");
  EXPECT_EQ(g.exchange_allowed_client_ids, r.exchange_allowed_client_ids);
  EXPECT_EQ(g.runtime_client_ids, r.runtime_client_ids);
  EXPECT_EQ(g.connect_allowed_return_urls, r.connect_allowed_return_urls);
  EXPECT_EQ(g.created_at, t0);

  auto by_slug = s_.resources->find_resource_by_slug("files");
  ASSERT_TRUE(by_slug && by_slug->has_value());
  EXPECT_EQ((**by_slug).id, "r1");
  EXPECT_FALSE(s_.resources->find_resource_by_slug("nope")->has_value());
  EXPECT_FALSE(s_.resources->find_resource_by_id("nope")->has_value());

  // URI is compared byte for byte; two resources on one URI are both returned.
  ASSERT_TRUE(s_.resources->create_resource(make_resource("r2", "files-b", "https://mcp.example/files")));
  auto by_uri = s_.resources->find_resources_by_uri("https://mcp.example/files");
  ASSERT_TRUE(by_uri);
  EXPECT_EQ(by_uri->size(), 2u);
  EXPECT_TRUE(s_.resources->find_resources_by_uri("https://mcp.example/files/")->empty());
  EXPECT_TRUE(s_.resources->find_resources_by_uri("HTTPS://mcp.example/files")->empty());
}

TEST_P(store_conformance, ResourceConflictsAndNotFound) {
  ASSERT_TRUE(s_.resources->create_resource(make_resource("r1", "files", "")));
  ASSERT_TRUE(s_.resources->create_resource(make_resource("r2", "mail", "")));
  EXPECT_EQ(err(s_.resources->create_resource(make_resource("r3", "files", ""))), errc::conflict);  // slug
  EXPECT_EQ(err(s_.resources->create_resource(make_resource("r1", "other", ""))), errc::conflict);  // id

  auto r2 = make_resource("r2", "files", "");
  EXPECT_EQ(err(s_.resources->update_resource(r2)), errc::conflict);  // new slug taken
  EXPECT_EQ(err(s_.resources->update_resource(make_resource("ghost", "ghost", ""))), errc::not_found);

  r2.slug = "mail2";
  r2.display_name = "Mail";
  r2.scopes = {};
  r2.created_at = 5;  // ignored: created_at is immutable
  r2.updated_at = t0 + 9;
  ASSERT_TRUE(s_.resources->update_resource(r2));
  auto g = **s_.resources->find_resource_by_id("r2");
  EXPECT_EQ(g.slug, "mail2");
  EXPECT_EQ(g.display_name, "Mail");
  EXPECT_TRUE(g.scopes.empty());
  EXPECT_EQ(g.created_at, t0);
  EXPECT_EQ(g.updated_at, t0 + 9);

  ASSERT_TRUE(s_.resources->delete_resource("r2"));
  EXPECT_FALSE(s_.resources->find_resource_by_id("r2")->has_value());
  EXPECT_EQ(err(s_.resources->delete_resource("r2")), errc::not_found);
}

TEST_P(store_conformance, ListResourcesPages) {
  for (char ch = 'a'; ch <= 'e'; ++ch) {
    std::string s(1, ch);
    ASSERT_TRUE(s_.resources->create_resource(make_resource("id-" + s, "slug-" + s, "")));
  }
  auto all = s_.resources->list_resources({50, 0});
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 5u);
  EXPECT_EQ(all->front().slug, "slug-a");
  auto page = s_.resources->list_resources({2, 3});
  ASSERT_TRUE(page);
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].slug, "slug-d");
  EXPECT_EQ((*page)[1].slug, "slug-e");
}

// ---- issuances ----------------------------------------------------------------------------------

TEST_P(store_conformance, RecordIssuanceRoundTripsAndWritesAudit) {
  auto i = make_issuance("j1", "c1");
  i.subject_user_id = "u1";
  i.resource_id = "r1";
  i.token_type = "DPoP";
  i.backend_kind = "broker";
  i.revocable = false;
  i.dpop_jkt = "jkt";
  i.agent_id = "agent-1";
  i.parent_jti = "j0";
  i.consent_client_id = "c9";
  ASSERT_FALSE(record(*s_.issuances, i, make_event("e1", "client_credentials.issued", t0)));
  auto got = s_.issuances->find_issuance_by_jti("j1");
  ASSERT_TRUE(got && got->has_value());
  const auto& g = **got;
  EXPECT_EQ(g.id, i.id);
  EXPECT_EQ(g.subject_user_id, "u1");
  EXPECT_EQ(g.client_id, "c1");
  EXPECT_EQ(g.resource_id, "r1");
  EXPECT_EQ(g.audience, i.audience);
  EXPECT_EQ(g.scopes, i.scopes);
  EXPECT_EQ(g.grant_type, i.grant_type);
  EXPECT_EQ(g.token_type, "DPoP");
  EXPECT_EQ(g.backend_kind, "broker");
  EXPECT_FALSE(g.revocable);
  EXPECT_EQ(g.issued_at, i.issued_at);
  EXPECT_EQ(g.expires_at, i.expires_at);
  EXPECT_FALSE(g.revoked_at.has_value());
  EXPECT_EQ(g.dpop_jkt, "jkt");
  EXPECT_EQ(g.agent_id, "agent-1");
  EXPECT_EQ(g.parent_jti, "j0");
  EXPECT_EQ(g.consent_client_id, "c9");

  auto ev = s_.audit->query_audit({.action = "client_credentials.issued"});
  ASSERT_TRUE(ev);
  ASSERT_EQ(ev->size(), 1u);
  EXPECT_EQ((*ev)[0].id, "e1");
  EXPECT_FALSE(s_.issuances->find_issuance_by_jti("nope")->has_value());
}

TEST_P(store_conformance, DuplicateJtiIsConflictAndStoresNothingOfTheItem) {
  ASSERT_FALSE(record(*s_.issuances, make_issuance("j1", "c1"), make_event("e1", "token.issued", t0)));
  auto dup = make_issuance("j1", "c1");
  dup.id = "another-id";
  EXPECT_EQ(record(*s_.issuances, dup, make_event("e2", "token.issued", t0)), errc::conflict);
  auto ev = s_.audit->query_audit({.action = "token.issued"});
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->size(), 1u);
  // A batch neighbour is unaffected.
  EXPECT_FALSE(record(*s_.issuances, make_issuance("j3", "c1"), make_event("e3", "token.issued", t0)));
}

TEST_P(store_conformance, RevokeIssuanceIsIdempotentAndKeepsFirstTime) {
  ASSERT_FALSE(record(*s_.issuances, make_issuance("j1", "c1")));
  ASSERT_TRUE(s_.issuances->revoke_issuance("j1", t0 + 10));
  ASSERT_TRUE(s_.issuances->revoke_issuance("j1", t0 + 20));
  auto g = **s_.issuances->find_issuance_by_jti("j1");
  ASSERT_TRUE(g.revoked_at.has_value());
  EXPECT_EQ(*g.revoked_at, t0 + 10);
  EXPECT_EQ(err(s_.issuances->revoke_issuance("nope", t0)), errc::not_found);
}

TEST_P(store_conformance, RevokeClientIssuancesCountsOnlyUnrevoked) {
  for (int i = 0; i < 5; ++i) ASSERT_FALSE(record(*s_.issuances, make_issuance("a" + std::to_string(i), "c1")));
  ASSERT_FALSE(record(*s_.issuances, make_issuance("b0", "c2")));
  ASSERT_TRUE(s_.issuances->revoke_issuance("a0", t0 + 1));
  auto n = s_.issuances->revoke_client_issuances("c1", t0 + 2);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 4u);
  EXPECT_EQ(*(**s_.issuances->find_issuance_by_jti("a0")).revoked_at, t0 + 1);
  EXPECT_EQ(*(**s_.issuances->find_issuance_by_jti("a3")).revoked_at, t0 + 2);
  EXPECT_FALSE((**s_.issuances->find_issuance_by_jti("b0")).revoked_at.has_value());
  EXPECT_EQ(*s_.issuances->revoke_client_issuances("c1", t0 + 3), 0u);
  EXPECT_EQ(*s_.issuances->revoke_client_issuances("nobody", t0 + 3), 0u);
}

TEST_P(store_conformance, ListIssuancesFiltersPagesNewestFirst) {
  // c1: j0..j5 issued at t0+0..5; every odd one for user u1; j4 on resource r1.
  for (int k = 0; k < 6; ++k) {
    auto i = make_issuance("j" + std::to_string(k), "c1", t0 + k, 100);
    if (k % 2) i.subject_user_id = "u1";
    if (k == 4) i.resource_id = "r1";
    ASSERT_FALSE(record(*s_.issuances, i));
  }
  ASSERT_FALSE(record(*s_.issuances, make_issuance("x0", "c2", t0 + 50, 100)));

  auto all = s_.issuances->list_issuances({}, {100, 0});
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 7u);
  EXPECT_EQ((*all)[0].jti, "x0");
  EXPECT_EQ((*all)[1].jti, "j5");
  EXPECT_EQ((*all)[6].jti, "j0");

  auto c1 = s_.issuances->list_issuances({.client_id = "c1"}, {2, 1});
  ASSERT_TRUE(c1);
  ASSERT_EQ(c1->size(), 2u);
  EXPECT_EQ((*c1)[0].jti, "j4");
  EXPECT_EQ((*c1)[1].jti, "j3");

  auto u1 = s_.issuances->list_issuances({.user_id = "u1"}, {100, 0});
  ASSERT_TRUE(u1);
  ASSERT_EQ(u1->size(), 3u);
  for (const auto& i : *u1) EXPECT_EQ(i.subject_user_id, "u1");

  auto by_jti = s_.issuances->list_issuances({.jti = "j2"}, {100, 0});
  ASSERT_TRUE(by_jti);
  ASSERT_EQ(by_jti->size(), 1u);
  auto by_res = s_.issuances->list_issuances({.resource_id = "r1"}, {100, 0});
  ASSERT_TRUE(by_res);
  ASSERT_EQ(by_res->size(), 1u);
  EXPECT_EQ((*by_res)[0].jti, "j4");

  // Active at t0+101: j0 (exp t0+100) and j1 (exp t0+101: not after now) expired, j5 revoked.
  ASSERT_TRUE(s_.issuances->revoke_issuance("j5", t0 + 10));
  auto active = s_.issuances->list_issuances({.client_id = "c1", .active_only = true, .now = t0 + 101}, {100, 0});
  ASSERT_TRUE(active);
  ASSERT_EQ(active->size(), 3u);
  EXPECT_EQ((*active)[0].jti, "j4");
  EXPECT_EQ((*active)[2].jti, "j2");
  EXPECT_EQ(*s_.issuances->count_active_issuances("c1", t0 + 101), 3u);
  EXPECT_EQ(*s_.issuances->count_active_issuances("c1", t0), 5u);  // all but revoked j5
  EXPECT_EQ(*s_.issuances->count_active_issuances("c2", t0 + 200), 0u);
}

TEST_P(store_conformance, DoneRunsAfterCommitAndRowsSurviveAReopen) {
  std::promise<bool> seen_in_done;
  auto f = seen_in_done.get_future();
  auto* issuances = s_.issuances;
  s_.issuances->record_issuance(make_issuance("jd", "c1"), make_event("ed", "token.issued", t0),
                                [&, issuances](error_code ec) {
                                  // Committed: a fresh read (another connection) already sees it.
                                  auto r = issuances->find_issuance_by_jti("jd");
                                  seen_in_done.set_value(!ec && r && r->has_value());
                                });
  ASSERT_TRUE(f.get());
  {
    // A second, independent store on the same location sees it while the first is still open.
    auto other = open_another();
    auto r = other.issuances->find_issuance_by_jti("jd");
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->has_value());
  }
  reopen();
  auto r = s_.issuances->find_issuance_by_jti("jd");
  ASSERT_TRUE(r && r->has_value());
  auto ev = s_.audit->query_audit({.action = "token.issued"});
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->size(), 1u);
}

TEST_P(store_conformance, ConcurrentRecordIssuanceAllCommitted) {
  constexpr int threads = 8, per_thread = 2000;
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&, t] {
      std::vector<std::promise<void>> ps(per_thread);
      for (int k = 0; k < per_thread; ++k) {
        std::string jti = "t" + std::to_string(t) + "-" + std::to_string(k);
        auto* p = &ps[static_cast<std::size_t>(k)];
        s_.issuances->record_issuance(make_issuance(jti, "c1", t0, 1'000'000),
                                      make_event("e-" + jti, "token.issued", t0), [&, p](error_code ec) {
                                        (ec ? failed : ok)++;
                                        p->set_value();
                                      });
      }
      for (auto& p : ps) p.get_future().wait();
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(ok.load(), threads * per_thread);
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(*s_.issuances->count_active_issuances("c1", t0), static_cast<std::size_t>(threads * per_thread));
  auto st = s_.health->stats(t0);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->active_tokens_24h, threads * per_thread);
}

namespace {
// Not an assertion: prints records/s. 4 producers keep up to 1,024 records each in flight (like
// request handlers waiting for `done`), so the writer is always busy but memory stays bounded.
// `make_id(producer, k)` makes the ids and jti values.
template <class MakeId>
void run_throughput(ports::issuance_store& store, const std::string& label, MakeId make_id) {  constexpr int producers = 4, per_producer = 25'000;
  constexpr std::ptrdiff_t window = 1024;
  std::atomic<int> failed{0};
  // Records built before timing: measure the store, not string formatting.
  std::vector<std::vector<std::pair<domain::issuance, domain::audit_event>>> work(producers);
  for (int t = 0; t < producers; ++t)
    for (int k = 0; k < per_producer; ++k) {
      auto iss = make_issuance(make_id(t, k), "c1");
      iss.id = make_id(t, k);
      work[t].emplace_back(std::move(iss), make_event(make_id(t, k), "token.issued", t0));
    }
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> ts;
  for (int t = 0; t < producers; ++t)
    ts.emplace_back([&, t] {
      // A blocking window (mutex + condition variable: no spinning that would steal the
      // writer's core on a small machine).
      std::mutex mu;
      std::condition_variable cv;
      std::ptrdiff_t in_flight = 0;
      for (auto& [iss, ev] : work[t]) {
        {
          std::unique_lock lk(mu);
          cv.wait(lk, [&] { return in_flight < window; });
          ++in_flight;
        }
        store.record_issuance(std::move(iss), std::move(ev), [&](error_code ec) {
          if (ec) ++failed;
          std::lock_guard lk(mu);
          if (--in_flight < window / 2 || in_flight == 0) cv.notify_one();
        });
      }
      std::unique_lock lk(mu);
      cv.wait(lk, [&] { return in_flight == 0; });
    });
  for (auto& t : ts) t.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(failed.load(), 0);
  std::printf("[ throughput ] %s record_issuance: %d records in %.3f s = %.0f records/s\n", label.c_str(),
              producers * per_producer, secs, producers * per_producer / secs);
}

}  // namespace

// Random identifiers, as the token service makes them today: every jti lands on a random page
// of the jti index (worst case for the B-tree).
TEST_P(store_conformance, RecordIssuanceThroughputRandomIds) {
  run_throughput(*s_.issuances, GetParam().name + " (random ids)", [](int, int) { return random_token(16); });
}

// Time-ordered identifiers (counter prefix + random suffix, like UUIDv7): index appends.
TEST_P(store_conformance, RecordIssuanceThroughputTimeOrderedIds) {
  run_throughput(*s_.issuances, GetParam().name + " (time-ordered ids)", [](int t, int k) {
    char prefix[32];
    std::snprintf(prefix, sizeof prefix, "%09d", k * 8 + t);
    return prefix + random_token(8);
  });
}

// ---- audit --------------------------------------------------------------------------------------

TEST_P(store_conformance, AuditQueryFiltersWindowAndPaging) {
  // e0..e9 at t0+0..9; actions alternate; clients c1 (k<5) / c2.
  for (int k = 0; k < 10; ++k) {
    auto e = make_event("e" + std::to_string(k), k % 2 ? "client.updated" : "client.created_admin", t0 + k,
                        k < 5 ? "c1" : "c2", k == 3 ? "alice" : "admin");
    ASSERT_TRUE(s_.audit->append_audit(e));
  }
  auto all = s_.audit->query_audit({.limit = 100});
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 10u);
  EXPECT_EQ((*all)[0].id, "e9");  // newest first
  EXPECT_EQ((*all)[9].id, "e0");
  EXPECT_EQ((*all)[9].ip, "203.0.113.7");
  EXPECT_EQ((*all)[9].detail, "grant_type=client_credentials");
  EXPECT_EQ((*all)[9].trace_id, "trace-e0");
  EXPECT_EQ((*all)[9].created_at, t0);

  auto window = s_.audit->query_audit({.since = t0 + 2, .until = t0 + 6, .limit = 100});
  ASSERT_TRUE(window);
  ASSERT_EQ(window->size(), 5u);  // inclusive both ends
  EXPECT_EQ((*window)[0].id, "e6");
  EXPECT_EQ((*window)[4].id, "e2");

  auto paged = s_.audit->query_audit({.since = t0 + 2, .until = t0 + 6, .limit = 2, .offset = 1});
  ASSERT_TRUE(paged);
  ASSERT_EQ(paged->size(), 2u);
  EXPECT_EQ((*paged)[0].id, "e5");
  EXPECT_EQ((*paged)[1].id, "e4");

  auto updated_c1 = s_.audit->query_audit({.action = "client.updated", .client_id = "c1", .limit = 100});
  ASSERT_TRUE(updated_c1);
  ASSERT_EQ(updated_c1->size(), 2u);  // e3, e1
  EXPECT_EQ((*updated_c1)[0].id, "e3");

  auto alice = s_.audit->query_audit({.actor_id = "alice", .limit = 100});
  ASSERT_TRUE(alice);
  ASSERT_EQ(alice->size(), 1u);
  EXPECT_EQ((*alice)[0].id, "e3");

  auto none = s_.audit->query_audit({.since = t0 + 100, .limit = 100});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  auto default_limit = s_.audit->query_audit({});
  ASSERT_TRUE(default_limit);
  EXPECT_EQ(default_limit->size(), 10u);
}

TEST_P(store_conformance, AuditEmptyIdIsFilled) {
  ASSERT_TRUE(s_.audit->append_audit(make_event("", "y", t0)));
  auto got = s_.audit->query_audit({.action = "y"});
  ASSERT_TRUE(got);
  ASSERT_EQ(got->size(), 1u);
  EXPECT_FALSE((*got)[0].id.empty());
}

// ---- settings, health ---------------------------------------------------------------------------

TEST_P(store_conformance, SettingsPutGetOverwrite) {
  auto absent = s_.settings->get_setting("dcr.mode");
  ASSERT_TRUE(absent);
  EXPECT_FALSE(absent->has_value());
  ASSERT_TRUE(s_.settings->put_setting("dcr.mode", "open"));
  EXPECT_EQ(**s_.settings->get_setting("dcr.mode"), "open");
  ASSERT_TRUE(s_.settings->put_setting("dcr.mode", "approval"));
  EXPECT_EQ(**s_.settings->get_setting("dcr.mode"), "approval");
  ASSERT_TRUE(s_.settings->put_setting("empty", ""));
  EXPECT_EQ(**s_.settings->get_setting("empty"), "");
  reopen();
  EXPECT_EQ(**s_.settings->get_setting("dcr.mode"), "approval");
}

TEST_P(store_conformance, PingAndStats) {
  ASSERT_TRUE(s_.health->ping());
  auto empty = s_.health->stats(t0);
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->clients, 0);
  EXPECT_EQ(empty->users, 0);
  EXPECT_EQ(empty->active_tokens_24h, 0);
  EXPECT_EQ(empty->revoked_tokens, 0);

  ASSERT_TRUE(s_.clients->create_client(make_client("c1")));
  ASSERT_TRUE(s_.clients->create_client(make_client("c2")));
  const std::int64_t now = t0 + 100'000;
  ASSERT_FALSE(record(*s_.issuances, make_issuance("old", "c1", now - 90'000, 200'000)));   // issued > 24h ago
  ASSERT_FALSE(record(*s_.issuances, make_issuance("a1", "c1", now - 3'600, 7'200)));       // active
  ASSERT_FALSE(record(*s_.issuances, make_issuance("a2", "c2", now - 86'400, 100'000)));    // exactly 24h: counts
  ASSERT_FALSE(record(*s_.issuances, make_issuance("exp", "c1", now - 3'600, 3'600)));      // expires at now
  ASSERT_FALSE(record(*s_.issuances, make_issuance("rev", "c1", now - 60, 3'600)));         // revoked below
  ASSERT_TRUE(s_.issuances->revoke_issuance("rev", now - 30));
  ASSERT_TRUE(s_.issuances->revoke_issuance("old", now - 30));
  auto st = s_.health->stats(now);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->clients, 2);
  EXPECT_EQ(st->users, 0);
  EXPECT_EQ(st->active_tokens_24h, 2);
  EXPECT_EQ(st->revoked_tokens, 2);
}

}  // namespace authplane::storage::test
