// Client ID metadata documents: URL shape rules, response and document validation (exact page
// messages), cache lifetimes from headers, and the service (storage, cache, negative cache,
// single flight, concurrency cap) over a fake fetcher.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>

#include "authplane/services/cimd.hpp"
#include "fakes.hpp"

using namespace authplane;
using services::cimd_cache_seconds;
using services::check_cimd_url;

namespace {
constexpr std::int64_t kNow = 1'800'000'000;
const std::string kUrl = "https://app.example/oauth/client.json";
const std::string kInvalid = "The client metadata document is invalid: ";

std::string doc(const std::string& extra = "", const std::string& id = kUrl) {
  return R"({"client_id":")" + id + R"(","client_name":"Notes App","redirect_uris":["https://app.example/cb"])" + extra +
         "}";
}

services::cimd_http_response ok_response(std::string body, std::string type = "application/json") {
  services::cimd_http_response r;
  r.status = 200;
  r.content_type = std::move(type);
  r.body = std::move(body);
  return r;
}

services::registration_rules rules() {
  services::registration_rules r;
  r.enabled_grants = {"authorization_code", "refresh_token", "client_credentials"};
  r.offered_scopes = {"notes:read", "notes:write"};
  r.default_client_scope = "notes:read";
  return r;
}

// The page message of a refused response, or "" when accepted.
std::string refuses(const services::cimd_http_response& r, const std::string& url = kUrl) {
  auto out = services::validate_cimd_response(url, r, rules());
  if (auto* why = std::get_if<std::string>(&out)) return *why;
  return "";
}
}  // namespace

// ---- URL shape ------------------------------------------------------------------------------

TEST(CimdUrl, HttpsWithPathAccepted) {
  EXPECT_EQ(check_cimd_url(kUrl, true), "");
  EXPECT_EQ(check_cimd_url("https://app.example:8443/c?v=1", true), "");
}

TEST(CimdUrl, OriginOnlyRefused) {
  const std::string why = "The client_id URL must have a path (an origin alone is not a client).";
  EXPECT_EQ(check_cimd_url("https://app.example", true), why);
  EXPECT_EQ(check_cimd_url("https://app.example/", true), why);
  EXPECT_EQ(check_cimd_url("https://app.example?x=1", true), why);
}

TEST(CimdUrl, HttpNeedsRequireHttpsOff) {
  EXPECT_EQ(check_cimd_url("http://127.0.0.1:8080/client.json", true), "The client_id URL must use https.");
  EXPECT_EQ(check_cimd_url("http://127.0.0.1:8080/client.json", false), "");
  EXPECT_EQ(check_cimd_url("ftp://app.example/client.json", false), "The client_id URL must use https.");
}

TEST(CimdUrl, FragmentUserinfoDotSegmentsRefused) {
  EXPECT_EQ(check_cimd_url("https://app.example/c#x", true), "The client_id URL must not contain a fragment.");
  EXPECT_EQ(check_cimd_url("https://u:p@app.example/c", true), "The client_id URL must not contain user information.");
  for (auto u : {"https://app.example/a/../c", "https://app.example/./c", "https://app.example/a/%2e%2E/c",
                 "https://app.example/a/.."})
    EXPECT_EQ(check_cimd_url(u, true), "The client_id URL must not contain dot segments.") << u;
  EXPECT_EQ(check_cimd_url("https://app.example/a..b/.c", true), "");  // dots inside a segment are fine
}

TEST(CimdUrl, LengthAndMalformed) {
  std::string long_url = "https://app.example/" + std::string(2048 - 20, 'a');
  EXPECT_EQ(long_url.size(), 2048u);
  EXPECT_EQ(check_cimd_url(long_url, true), "");
  EXPECT_EQ(check_cimd_url(long_url + "a", true), "The client_id URL is longer than 2048 characters.");
  EXPECT_EQ(check_cimd_url("https://app.example/a b", true), "The client_id URL is malformed.");
  EXPECT_EQ(check_cimd_url("https://app.example/\x01", true), "The client_id URL is malformed.");
  EXPECT_EQ(check_cimd_url("https://[::1/c", true), "The client_id URL is malformed.");
}

// ---- response and document ------------------------------------------------------------------

TEST(CimdDocument, MinimalDocumentBecomesPublicCodeClient) {
  auto out = services::validate_cimd_response(kUrl, ok_response(doc()), rules());
  ASSERT_TRUE(std::holds_alternative<domain::client>(out)) << std::get<std::string>(out);
  const auto& c = std::get<domain::client>(out);
  EXPECT_EQ(c.name, "Notes App");
  EXPECT_EQ(c.redirect_uris, (std::vector<std::string>{"https://app.example/cb"}));
  EXPECT_EQ(c.grant_types, (std::vector<std::string>{"authorization_code"}));
  EXPECT_EQ(c.response_types, (std::vector<std::string>{"code"}));
  EXPECT_EQ(c.token_endpoint_auth_method, "none");
  EXPECT_EQ(c.scope, "notes:read");  // oauth.default_client_scope stamped, as for DCR
}

TEST(CimdDocument, ExplicitNoneRefreshAndScopeAccepted) {
  auto body = doc(R"(,"grant_types":["authorization_code","refresh_token"],"token_endpoint_auth_method":"none",)"
                  R"("scope":"notes:write other")");
  auto out = services::validate_cimd_response(kUrl, ok_response(body, "application/client-id+json; charset=utf-8"), rules());
  ASSERT_TRUE(std::holds_alternative<domain::client>(out)) << std::get<std::string>(out);
  const auto& c = std::get<domain::client>(out);
  EXPECT_EQ(c.grant_types, (std::vector<std::string>{"authorization_code", "refresh_token"}));
  EXPECT_EQ(c.scope, "notes:write");  // scopes the catalog does not offer are dropped
}

TEST(CimdDocument, StatusMustBe200) {
  auto r = ok_response(doc());
  r.status = 302;
  EXPECT_EQ(refuses(r),
            "The client metadata document could not be fetched: the server answered with a redirect (HTTP 302), which "
            "is not followed.");
  r.status = 404;
  EXPECT_EQ(refuses(r), "The client metadata document could not be fetched: the server answered HTTP 404.");
  r.status = 204;
  EXPECT_EQ(refuses(r), "The client metadata document could not be fetched: the server answered HTTP 204.");
}

TEST(CimdDocument, MediaType) {
  const std::string why = "The client metadata document must be served as application/json.";
  EXPECT_EQ(refuses(ok_response(doc(), "Application/JSON ; charset=utf-8")), "");
  EXPECT_EQ(refuses(ok_response(doc(), "application/client-id+json")), "");
  EXPECT_EQ(refuses(ok_response(doc(), "text/html")), why);
  EXPECT_EQ(refuses(ok_response(doc(), "text/plain; charset=utf-8")), why);
  EXPECT_EQ(refuses(ok_response(doc(), "")), why);
  EXPECT_EQ(refuses(ok_response(doc(), "application/jsonx")), why);
}

TEST(CimdDocument, BodyMustBeAnObject) {
  const std::string why = "The client metadata document is not a JSON object.";
  EXPECT_EQ(refuses(ok_response("[1,2]")), why);
  EXPECT_EQ(refuses(ok_response("{\"client_id\":")), why);
  EXPECT_EQ(refuses(ok_response("")), why);
}

TEST(CimdDocument, ClientIdMustEqualTheUrl) {
  EXPECT_EQ(refuses(ok_response(doc("", kUrl + "/"))), kInvalid + "its client_id does not match the URL.");
  EXPECT_EQ(refuses(ok_response(doc("", "https://APP.example/oauth/client.json"))),
            kInvalid + "its client_id does not match the URL.");
  EXPECT_EQ(refuses(ok_response(R"({"client_name":"x","redirect_uris":["https://app.example/cb"]})")),
            kInvalid + "client_id is missing.");
  EXPECT_EQ(refuses(ok_response(R"({"client_id":7,"client_name":"x"})")), kInvalid + "client_id is missing.");
}

TEST(CimdDocument, NoSecretsNoConfidentialMethodsNoMachineGrants) {
  EXPECT_EQ(refuses(ok_response(doc(R"(,"client_secret":"s3cret")"))), kInvalid + "it must not contain a client secret.");
  EXPECT_EQ(refuses(ok_response(doc(R"(,"token_endpoint_auth_method":"client_secret_basic")"))),
            kInvalid + "token_endpoint_auth_method must be \"none\".");
  EXPECT_EQ(refuses(ok_response(doc(R"(,"token_endpoint_auth_method":"private_key_jwt")"))),
            kInvalid + "token_endpoint_auth_method must be \"none\".");
  EXPECT_EQ(refuses(ok_response(doc(R"(,"grant_types":["authorization_code","client_credentials"])"))),
            kInvalid + "grant_types may only contain authorization_code and refresh_token.");
}

TEST(CimdDocument, RegistrationRulesApply) {
  EXPECT_EQ(refuses(ok_response(R"({"client_id":")" + kUrl + R"(","client_name":"x"})")),
            kInvalid + "redirect_uris is required for the authorization_code and refresh_token grants.");
  EXPECT_EQ(refuses(ok_response(R"({"client_id":")" + kUrl + R"(","client_name":"x","redirect_uris":[]})")),
            kInvalid + "redirect_uris is required for the authorization_code and refresh_token grants.");
  EXPECT_EQ(refuses(ok_response(R"({"client_id":")" + kUrl + R"(","client_name":"","redirect_uris":["https://a.example/cb"]})")),
            kInvalid + "client_name is required.");
  EXPECT_EQ(refuses(ok_response(R"({"client_id":")" + kUrl + R"(","client_name":"x","redirect_uris":["http://evil.example/cb"]})")),
            kInvalid + "redirect_uri \"http://evil.example/cb\" must use https unless the host is localhost, 127.0.0.1 or [::1].");
  EXPECT_EQ(refuses(ok_response(doc(R"(,"grant_types":["refresh_token"])"))),
            kInvalid + "grant_type \"refresh_token\" requires grant_type \"authorization_code\".");
}

TEST(CimdDocument, DisabledGrantRefused) {
  auto r = rules();
  r.enabled_grants = {"authorization_code"};
  auto out = services::validate_cimd_response(kUrl, ok_response(doc(R"(,"grant_types":["authorization_code","refresh_token"])")), r);
  ASSERT_TRUE(std::holds_alternative<std::string>(out));
  EXPECT_EQ(std::get<std::string>(out),
            kInvalid + "grant_type \"refresh_token\" is not enabled on this server — set it=true to enable it.");
}

// ---- cache lifetime -------------------------------------------------------------------------

TEST(CimdCache, HttpDate) {
  EXPECT_EQ(services::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
  EXPECT_EQ(services::parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
  EXPECT_EQ(services::parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(services::parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(services::parse_http_date("0"), std::nullopt);
}

TEST(CimdCache, NoHeadersMeansTheCeiling) { EXPECT_EQ(cimd_cache_seconds("", "", kNow, 3600), 3600); }

TEST(CimdCache, MaxAgeClampedBetweenFloorAndCeiling) {
  EXPECT_EQ(cimd_cache_seconds("max-age=300", "", kNow, 3600), 300);
  EXPECT_EQ(cimd_cache_seconds("public, Max-Age=\"200\"", "", kNow, 3600), 200);
  EXPECT_EQ(cimd_cache_seconds("max-age=10", "", kNow, 3600), 60);
  EXPECT_EQ(cimd_cache_seconds("max-age=0", "", kNow, 3600), 60);
  EXPECT_EQ(cimd_cache_seconds("max-age=99999999999999999999", "", kNow, 3600), 3600);
  EXPECT_EQ(cimd_cache_seconds("max-age=abc", "", kNow, 3600), 60);
}

TEST(CimdCache, NoStoreAndNoCacheGetTheFloor) {
  EXPECT_EQ(cimd_cache_seconds("no-store", "", kNow, 3600), 60);
  EXPECT_EQ(cimd_cache_seconds("max-age=600, no-cache", "", kNow, 3600), 60);
  EXPECT_EQ(cimd_cache_seconds("no-cache=\"Set-Cookie\"", "", kNow, 3600), 60);
}

TEST(CimdCache, ExpiresUsedWithoutMaxAge) {
  // kNow = Fri, 15 Jan 2027 08:00:00 GMT
  ASSERT_EQ(services::parse_http_date("Fri, 15 Jan 2027 08:00:00 GMT"), kNow);
  EXPECT_EQ(cimd_cache_seconds("", "Fri, 15 Jan 2027 08:10:00 GMT", kNow, 3600), 600);
  EXPECT_EQ(cimd_cache_seconds("", "Fri, 15 Jan 2027 07:00:00 GMT", kNow, 3600), 60);
  EXPECT_EQ(cimd_cache_seconds("", "0", kNow, 3600), 60);
  EXPECT_EQ(cimd_cache_seconds("", "Sat, 16 Jan 2027 08:00:00 GMT", kNow, 3600), 3600);
  EXPECT_EQ(cimd_cache_seconds("max-age=120", "Fri, 15 Jan 2027 08:10:00 GMT", kNow, 3600), 120);  // max-age wins
}

TEST(CimdCache, ShortCeilingLowersTheFloor) {
  EXPECT_EQ(cimd_cache_seconds("no-store", "", kNow, 5), 5);
  EXPECT_EQ(cimd_cache_seconds("max-age=300", "", kNow, 5), 5);
}

// ---- the service ----------------------------------------------------------------------------

namespace {
struct CimdService : ::testing::Test {
  manual_clock clk{kNow};
  fakes::fake_clients clients;
  fakes::fake_issuances audit;
  fakes::fake_resources resources;
  services::resource_catalog catalog{resources};
  std::mutex mu;
  std::map<std::string, services::cimd_fetch_outcome> responses;
  std::atomic<int> fetches{0};

  services::cimd_options options() {
    services::cimd_options o;
    o.enabled_grants = {"authorization_code", "refresh_token"};
    o.default_client_scope = "notes:read";
    o.cache_ttl = 3600;
    return o;
  }
  services::cimd_fetcher fetcher() {
    return [this](const std::string& url) -> services::cimd_fetch_outcome {
      ++fetches;
      std::lock_guard lk(mu);
      auto it = responses.find(url);
      if (it == responses.end()) return services::cimd_fetch_error::unreachable;
      return it->second;
    };
  }
  std::unique_ptr<services::cimd_service> make(services::cimd_options o, services::cimd_fetcher f = {}) {
    return std::make_unique<services::cimd_service>(
        std::move(o), services::cimd_deps{clients, audit, catalog, clk, f ? std::move(f) : fetcher()});
  }
  static ports::cimd_result resolve(services::cimd_service& s, const std::string& url) {
    std::promise<ports::cimd_result> p;
    auto f = p.get_future();
    s.resolve(url, [&p](ports::cimd_result r) { p.set_value(std::move(r)); });
    return f.get();
  }
};

const ports::cimd_failure& failure_of(const ports::cimd_result& r) {
  static const ports::cimd_failure none{0, "", "accepted", 0};
  if (auto* f = std::get_if<ports::cimd_failure>(&r)) return *f;
  return none;
}
}  // namespace

TEST_F(CimdService, StoresTheDocumentAsACimdClientAndCachesIt) {
  responses[kUrl] = ok_response(doc());
  auto s = make(options());
  EXPECT_EQ(s->cached(kUrl).has_value(), false);
  auto r = resolve(*s, kUrl);
  ASSERT_TRUE(std::holds_alternative<domain::client>(r)) << failure_of(r).message;
  const auto& stored = clients.rows.at(kUrl);
  EXPECT_EQ(stored.id, kUrl);
  EXPECT_EQ(stored.cimd_url, kUrl);
  EXPECT_EQ(stored.registration_source, "cimd");
  EXPECT_EQ(stored.status, "active");
  EXPECT_EQ(stored.token_endpoint_auth_method, "none");
  EXPECT_EQ(stored.scope, "notes:read");
  EXPECT_EQ(stored.issued_at, kNow);
  ASSERT_EQ(audit.events.size(), 1u);
  EXPECT_EQ(audit.events[0].action, "client.registered");

  auto again = s->cached(kUrl);  // fresh: no fetch
  ASSERT_TRUE(again.has_value());
  ASSERT_TRUE(std::holds_alternative<domain::client>(*again));
  EXPECT_EQ(std::get<domain::client>(*again).name, "Notes App");
  EXPECT_EQ(fetches.load(), 1);
}

TEST_F(CimdService, ShapeErrorsNeverFetch) {
  auto s = make(options());
  auto r = s->cached("https://app.example/");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(failure_of(*r).status, 400);
  EXPECT_EQ(failure_of(*r).title, "Invalid Client");
  EXPECT_EQ(failure_of(*r).message, "The client_id URL must have a path (an origin alone is not a client).");
  EXPECT_EQ(failure_of(resolve(*s, "http://app.example/c")).message, "The client_id URL must use https.");
  EXPECT_EQ(fetches.load(), 0);
}

TEST_F(CimdService, RefetchAfterExpiryUpdatesTheClientAndKeepsItsStatus) {
  auto r = ok_response(doc());
  r.cache_control = "max-age=120";
  responses[kUrl] = r;
  auto s = make(options());
  ASSERT_TRUE(std::holds_alternative<domain::client>(resolve(*s, kUrl)));
  clients.rows.at(kUrl).status = "suspended";  // an operator suspended it meanwhile
  clk.advance(119);
  EXPECT_TRUE(s->cached(kUrl).has_value());
  clk.advance(1);
  EXPECT_FALSE(s->cached(kUrl).has_value());  // expired
  responses[kUrl] = ok_response(R"({"client_id":")" + kUrl +
                                R"(","client_name":"Notes App 2","redirect_uris":["https://app.example/cb2"]})");
  auto again = resolve(*s, kUrl);
  ASSERT_TRUE(std::holds_alternative<domain::client>(again));
  const auto& stored = clients.rows.at(kUrl);
  EXPECT_EQ(stored.name, "Notes App 2");
  EXPECT_EQ(stored.redirect_uris, (std::vector<std::string>{"https://app.example/cb2"}));
  EXPECT_EQ(stored.status, "suspended");
  EXPECT_EQ(stored.updated_at, kNow + 120);
  EXPECT_EQ(fetches.load(), 2);
  EXPECT_EQ(audit.events.back().action, "client.updated");
}

TEST_F(CimdService, FailuresAreCachedFor30Seconds) {
  responses[kUrl] = services::cimd_fetch_error::timed_out;
  auto s = make(options());
  EXPECT_EQ(failure_of(resolve(*s, kUrl)).message,
            "The client metadata document could not be fetched: the request timed out.");
  auto cached = s->cached(kUrl);
  ASSERT_TRUE(cached.has_value());
  EXPECT_EQ(failure_of(*cached).message, "The client metadata document could not be fetched: the request timed out.");
  EXPECT_EQ(fetches.load(), 1);
  clk.advance(30);
  EXPECT_FALSE(s->cached(kUrl).has_value());
  EXPECT_TRUE(clients.rows.empty());
}

TEST_F(CimdService, FetchErrorMessages) {
  auto s = make(options());
  const std::pair<services::cimd_fetch_error, std::string> cases[] = {
      {services::cimd_fetch_error::blocked,
       "The client metadata document URL points to an address this server does not fetch from."},
      {services::cimd_fetch_error::too_large, "The client metadata document is larger than 64 KiB."},
      {services::cimd_fetch_error::unreachable, "The client metadata document could not be fetched."},
  };
  int i = 0;
  for (const auto& [err, message] : cases) {
    std::string url = kUrl + std::to_string(i++);
    responses[url] = err;
    auto r = resolve(*s, url);
    EXPECT_EQ(failure_of(r).status, 400);
    EXPECT_EQ(failure_of(r).message, message);
  }
}

TEST_F(CimdService, ApprovedRedirectsModeBindsDocuments) {
  auto o = options();
  o.dcr_mode = services::dcr_mode::approved_redirects;
  o.approved_redirects = {"https://app.example/other"};
  responses[kUrl] = ok_response(doc());
  auto s = make(o);
  EXPECT_EQ(failure_of(resolve(*s, kUrl)).message,
            "The client metadata document lists a redirect URI this server has not approved.");
  EXPECT_TRUE(clients.rows.empty());
  o.approved_redirects.push_back("https://app.example/cb");
  auto s2 = make(o);
  EXPECT_TRUE(std::holds_alternative<domain::client>(resolve(*s2, kUrl)));
}

TEST_F(CimdService, IdHeldByAnotherSourceIsNotTakenOver) {
  domain::client admin;
  admin.id = kUrl;
  admin.registration_source = "admin";
  clients.rows[kUrl] = admin;
  responses[kUrl] = ok_response(doc());
  auto s = make(options());
  EXPECT_EQ(failure_of(resolve(*s, kUrl)).message,
            "The client_id is already used by a client registered by other means.");
  EXPECT_EQ(clients.rows.at(kUrl).registration_source, "admin");
}

TEST_F(CimdService, SingleFlightAndConcurrencyCap) {
  std::mutex gate_mu;
  std::condition_variable gate_cv;
  bool open = false;
  auto slow = [&](const std::string& url) -> services::cimd_fetch_outcome {
    ++fetches;
    std::unique_lock lk(gate_mu);
    gate_cv.wait(lk, [&] { return open; });
    return ok_response(doc("", url));
  };
  auto o = options();
  o.max_in_flight = 1;
  auto s = make(o, slow);
  std::atomic<int> answered{0};
  std::promise<void> all;
  for (int i = 0; i < 5; ++i)
    s->resolve(kUrl, [&](ports::cimd_result r) {
      EXPECT_TRUE(std::holds_alternative<domain::client>(r));
      if (++answered == 5) all.set_value();
    });
  // A second URL while the first is in flight: over the cap.
  auto busy = resolve(*s, kUrl + "2");
  EXPECT_EQ(failure_of(busy).status, 503);
  EXPECT_EQ(failure_of(busy).title, "Temporarily Unavailable");
  EXPECT_EQ(failure_of(busy).retry_after, 5);
  {
    std::lock_guard lk(gate_mu);
    open = true;
  }
  gate_cv.notify_all();
  all.get_future().wait();
  EXPECT_EQ(fetches.load(), 1);
  EXPECT_EQ(answered.load(), 5);
}
