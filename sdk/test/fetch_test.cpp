// SSRF policy and the HTTPS document fetcher (checklist 12-19), against real loopback servers.
#include <authplane/sdk/error.hpp>
#include <authplane/sdk/fetch.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

#include "tls_test_server.hpp"

namespace {
using namespace authplane;
using namespace std::chrono_literals;
using sdk::errc;
using http::test::raw_response;
using http::test::raw_server;

const std::string ssrf_message = "fetch blocked by the SSRF policy";
const std::string too_large_message = "fetched document exceeds its size limit";

sdk::fetch_settings local_tls() {
  sdk::fetch_settings s;
  s.allow_localhost = true;
  s.ca_file = http::test::localhost_identity().ca_file;
  return s;
}

raw_server::respond_fn always(std::string bytes) {
  return [bytes](const std::string&) { return bytes; };
}

// A JSON document of exactly n bytes.
std::string json_of_size(std::size_t n) { return R"({"k":")" + std::string(n - 8, 'x') + R"("})"; }

struct policy_case {
  const char* ip;
  bool production, localhost_only, private_only, dev;
};

TEST(AddressPolicy, ExactVerdictPerRange) {
  const policy_case cases[] = {
      {"93.184.216.34", true, true, true, true},        // global IPv4
      {"2606:2800:220:1::1", true, true, true, true},   // global IPv6
      {"127.0.0.1", false, true, false, true},          // loopback
      {"127.8.9.10", false, true, false, true},
      {"::1", false, true, false, true},
      {"10.1.2.3", false, false, true, true},           // RFC 1918
      {"172.16.0.1", false, false, true, true},
      {"172.31.255.255", false, false, true, true},
      {"172.32.0.1", true, true, true, true},           // just outside 172.16/12
      {"192.168.1.1", false, false, true, true},
      {"fd00::1", false, false, true, true},            // unique local
      {"169.254.169.254", false, false, false, false},  // cloud metadata: every mode
      {"169.254.1.1", false, false, false, false},
      {"fe80::1", false, false, false, false},
      {"fe80::1%eth0", false, false, false, false},
      {"100.64.0.1", false, false, false, false},       // CGNAT
      {"100.127.255.255", false, false, false, false},
      {"224.0.0.1", false, false, false, false},        // multicast
      {"ff02::1", false, false, false, false},
      {"0.0.0.0", false, false, false, false},          // unspecified
      {"::", false, false, false, false},
      {"240.0.0.1", false, false, false, false},        // reserved
      {"255.255.255.255", false, false, false, false},
      {"192.0.2.1", false, false, false, false},        // documentation
      {"2001:db8::1", false, false, false, false},
      {"198.18.0.1", false, false, false, false},       // benchmarking
      {"::ffff:169.254.169.254", false, false, false, false},  // IPv4-mapped
      {"::ffff:127.0.0.1", false, true, false, true},
      {"::ffff:10.0.0.1", false, false, true, true},
      {"::ffff:93.184.216.34", true, true, true, true},
      {"2002:a9fe:a9fe::1", false, false, false, false},  // 6to4 of 169.254.169.254
      {"2002:7f00:1::1", false, true, false, true},       // 6to4 of 127.0.0.1
      {"2002:5db8:d822::1", true, true, true, true},      // 6to4 of 93.184.216.34
      // Teredo: server 65.54.227.120, client ~(bytes) = 169.254.169.254 / 93.184.216.34
      {"2001:0:4136:e378:8000:63bf:5601:5601", false, false, false, false},
      {"2001:0:4136:e378:8000:63bf:a247:27dd", true, true, true, true},
      {"64:ff9b::a9fe:a9fe", false, false, false, false},  // NAT64 of 169.254.169.254
      {"not-an-ip", false, false, false, false},
      {"", false, false, false, false},
  };
  sdk::fetch_settings production;
  sdk::fetch_settings localhost_only;
  localhost_only.allow_localhost = true;
  sdk::fetch_settings private_only;
  private_only.allow_private_networks = true;
  for (const auto& c : cases) {
    EXPECT_EQ(sdk::address_allowed(c.ip, production), c.production) << c.ip;
    EXPECT_EQ(sdk::address_allowed(c.ip, localhost_only), c.localhost_only) << c.ip;
    EXPECT_EQ(sdk::address_allowed(c.ip, private_only), c.private_only) << c.ip;
    EXPECT_EQ(sdk::address_allowed(c.ip, sdk::fetch_settings::dev()), c.dev) << c.ip;
  }
}

TEST(FetchSettings, DevModeRelaxesAndExplicitSettingsWin) {
  ::unsetenv("AUTHPLANE_DEV_MODE");
  sdk::options o;
  auto prod = sdk::effective_fetch_settings(o, std::nullopt);
  EXPECT_FALSE(prod.allow_http || prod.allow_localhost || prod.allow_private_networks);
  EXPECT_EQ(prod.timeout, 10s);
  o.dev_mode = true;
  auto dev = sdk::effective_fetch_settings(o, std::nullopt);
  EXPECT_TRUE(dev.allow_http && dev.allow_localhost && dev.allow_private_networks);
  EXPECT_FALSE(sdk::address_allowed("169.254.169.254", dev));
  auto explicit_prod = sdk::effective_fetch_settings(o, sdk::fetch_settings{});
  EXPECT_FALSE(explicit_prod.allow_http || explicit_prod.allow_localhost || explicit_prod.allow_private_networks);
  o.dev_mode = false;
  for (const char* v : {"true", "1", "yes", "YES"}) {
    ::setenv("AUTHPLANE_DEV_MODE", v, 1);
    EXPECT_TRUE(sdk::effective_fetch_settings(o, std::nullopt).allow_http) << v;
  }
  ::setenv("AUTHPLANE_DEV_MODE", "no", 1);
  EXPECT_FALSE(sdk::effective_fetch_settings(o, std::nullopt).allow_http);
  ::unsetenv("AUTHPLANE_DEV_MODE");
}

TEST(FetchUrl, SchemesRefusedWithExactError) {
  sdk::fetch_settings prod;
  EXPECT_FALSE(sdk::check_fetch_url("https://as.example/jwks", prod));
  for (const char* bad : {"http://as.example/jwks", "ftp://as.example/jwks", "file:///etc/passwd", "data:,{}",
                          "javascript:alert(1)", "https://", "/relative"}) {
    auto ec = sdk::check_fetch_url(bad, prod);
    EXPECT_EQ(ec, errc::ssrf_blocked) << bad;
    EXPECT_EQ(ec.message(), ssrf_message) << bad;
  }
  sdk::fetch_settings http_ok;
  http_ok.allow_http = true;
  EXPECT_FALSE(sdk::check_fetch_url("http://as.example/jwks", http_ok));
  for (const char* bad : {"ftp://as.example/jwks", "file:///etc/passwd", "gopher://as.example/"}) {
    EXPECT_EQ(sdk::check_fetch_url(bad, http_ok), errc::ssrf_blocked) << bad;
  }
}

TEST(HttpsFetcher, FetchesJsonOverVerifiedTls) {
  raw_server s(always(raw_response(200, R"({"keys":[]})", "Cache-Control: max-age=60\r\n")), true);
  sdk::https_document_fetcher f(local_tls(), sdk::jwks_max_bytes);
  auto doc = f.get(s.url("/jwks"));
  ASSERT_TRUE(doc) << doc.error().message();
  EXPECT_EQ(doc->status, 200);
  EXPECT_EQ(doc->body, R"({"keys":[]})");
  EXPECT_EQ(doc->headers.get("Cache-Control"), "max-age=60");
  const std::string head = s.requests().at(0);
  EXPECT_EQ(head.rfind("GET /jwks HTTP/1.1\r\n", 0), 0u);
  EXPECT_NE(head.find("Accept: application/json\r\n"), std::string::npos);
  EXPECT_NE(head.find("Host: 127.0.0.1:" + std::to_string(s.port()) + "\r\n"), std::string::npos);
}

TEST(HttpsFetcher, UntrustedCertificateFails) {
  raw_server s(always(raw_response(200, "{}")), true);
  auto settings = local_tls();
  settings.ca_file.clear();  // system store only: the test certificate is unknown there
  sdk::https_document_fetcher f(settings, sdk::jwks_max_bytes);
  auto doc = f.get(s.url("/jwks"));
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().message(), "certificate verify failed (SSL routines)");
}

TEST(HttpsFetcher, LoopbackRefusedInProductionBeforeConnecting) {
  raw_server s(always(raw_response(200, "{}")), true);
  auto settings = local_tls();
  settings.allow_localhost = false;
  sdk::https_document_fetcher f(settings, sdk::jwks_max_bytes);
  for (const std::string& url : {s.url("/jwks"), "https://localhost:" + std::to_string(s.port()) + "/jwks",
                                 "https://[::ffff:127.0.0.1]:" + std::to_string(s.port()) + "/jwks"}) {
    auto doc = f.get(url);
    ASSERT_FALSE(doc) << url;
    EXPECT_EQ(doc.error(), errc::ssrf_blocked) << url;
    EXPECT_EQ(doc.error().message(), ssrf_message);
  }
  EXPECT_EQ(s.connections(), 0);
}

TEST(HttpsFetcher, CloudMetadataRefusedEvenInDevMode) {
  sdk::https_document_fetcher f(sdk::fetch_settings::dev(), sdk::metadata_max_bytes);
  for (const char* url : {"http://169.254.169.254/latest/meta-data/", "https://169.254.169.254/",
                          "http://[::ffff:169.254.169.254]/", "http://[fe80::1]/"}) {
    auto doc = f.get(url);
    ASSERT_FALSE(doc) << url;
    EXPECT_EQ(doc.error(), errc::ssrf_blocked) << url;
  }
}

TEST(HttpsFetcher, PlainHttpOnlyWhenAllowed) {
  raw_server s(always(raw_response(200, "{}")), false);
  sdk::fetch_settings settings;
  settings.allow_localhost = true;
  sdk::https_document_fetcher strict(settings, sdk::jwks_max_bytes);
  auto refused = strict.get(s.url("/jwks"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), errc::ssrf_blocked);
  settings.allow_http = true;
  sdk::https_document_fetcher relaxed(settings, sdk::jwks_max_bytes);
  auto doc = relaxed.get(s.url("/jwks"));
  ASSERT_TRUE(doc) << doc.error().message();
  EXPECT_EQ(doc->status, 200);
  EXPECT_EQ(s.connections(), 1);
}

TEST(HttpsFetcher, JwksCapByContentLengthAndWhileReading) {
  sdk::https_document_fetcher f(local_tls(), sdk::jwks_max_bytes);
  raw_server exact(always(raw_response(200, json_of_size(65'536))), true);
  auto ok = f.get(exact.url("/jwks"));
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(ok->body.size(), 65'536u);

  raw_server declared(always(raw_response(200, json_of_size(65'537))), true);
  auto big = f.get(declared.url("/jwks"));
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error(), errc::response_too_large);
  EXPECT_EQ(big.error().message(), too_large_message);

  raw_server streamed(always("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" + json_of_size(70'000)), true);
  auto big2 = f.get(streamed.url("/jwks"));
  ASSERT_FALSE(big2);
  EXPECT_EQ(big2.error(), errc::response_too_large);
}

TEST(HttpsFetcher, MetadataCapIs128KiB) {
  sdk::https_document_fetcher f(local_tls(), sdk::metadata_max_bytes);
  raw_server exact(always(raw_response(200, json_of_size(131'072))), true);
  EXPECT_TRUE(f.get(exact.url("/md")));
  raw_server over(always(raw_response(200, json_of_size(131'073))), true);
  auto big = f.get(over.url("/md"));
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error(), errc::response_too_large);
}

TEST(HttpsFetcher, InvalidJsonOn2xxIsAFailedAddress) {
  raw_server s(always(raw_response(200, "<html>oops</html>")), true);
  sdk::https_document_fetcher f(local_tls(), sdk::jwks_max_bytes);
  auto doc = f.get(s.url("/jwks"));
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error(), boost::system::errc::bad_message);  // every address answered non-JSON
}

TEST(HttpsFetcher, NonSuccessReturnedWithBody) {
  raw_server s(always(raw_response(404, "not json")), true);
  sdk::https_document_fetcher f(local_tls(), sdk::jwks_max_bytes);
  auto doc = f.get(s.url("/jwks"));
  ASSERT_TRUE(doc) << doc.error().message();
  EXPECT_EQ(doc->status, 404);
  EXPECT_EQ(doc->body, "not json");
}

TEST(HttpsFetcher, RedirectReturnedNotFollowed) {
  raw_server s(always(raw_response(302, "{}", "Location: https://169.254.169.254/\r\n")), true);
  sdk::https_document_fetcher f(local_tls(), sdk::jwks_max_bytes);
  auto doc = f.get(s.url("/jwks"));
  ASSERT_TRUE(doc) << doc.error().message();
  EXPECT_EQ(doc->status, 302);
  EXPECT_EQ(s.requests().size(), 1u);
}

TEST(HttpsFetcher, TimeoutBoundsTheFetch) {
  raw_server s([](const std::string&) {
    std::this_thread::sleep_for(1500ms);
    return raw_response(200, "{}");
  }, true);
  auto settings = local_tls();
  settings.timeout = 200ms;
  sdk::https_document_fetcher f(settings, sdk::jwks_max_bytes);
  auto start = std::chrono::steady_clock::now();
  auto doc = f.get(s.url("/jwks"));
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error(), boost::system::errc::timed_out);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1200ms);
}
}  // namespace
