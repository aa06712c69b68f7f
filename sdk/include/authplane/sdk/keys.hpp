// Where a resource guard gets the issuer's signing keys.
//   auto keys = std::make_shared<sdk::static_jwks_source>(*jose::parse_jwks(text));     // tests
//   auto keys = std::make_shared<sdk::fetching_jwks_source>(fetcher, jwks_uri, settings, clock);
//   auto set = keys->current();                        // nullptr when no keys could be obtained
//   auto fresh = keys->refresh_for_unknown_kid("k2");  // at most one fetch per cooldown
#pragma once
#include <authplane/core/clock.hpp>
#include <authplane/core/result.hpp>
#include <authplane/http/message.hpp>
#include <authplane/jose/jwk.hpp>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace authplane::sdk {

using key_set = std::shared_ptr<const jose::jwks>;

// Thread-safe source of the issuer's public keys.
class jwks_source {
 public:
  virtual ~jwks_source() = default;
  // The keys to verify with now; nullptr when none could ever be obtained.
  virtual key_set current() = 0;
  // Called when a token names a kid absent from current(): fetch now, unless the previous
  // forced refresh is more recent than the cooldown. Returns the (possibly unchanged) set.
  virtual key_set refresh_for_unknown_kid(std::string_view kid) = 0;
};

// Fixed keys held in memory; replace() swaps them (simulates a rotation in tests).
class static_jwks_source final : public jwks_source {
 public:
  explicit static_jwks_source(jose::jwks keys);
  key_set current() override;
  key_set refresh_for_unknown_kid(std::string_view kid) override;
  void replace(jose::jwks keys);

 private:
  std::mutex mu_;
  key_set keys_;
};

// One fetched document (JWKS or metadata) with the response headers that govern its freshness.
struct fetched_document {
  int status = 0;
  http::header_list headers;
  std::string body;
};

// Performs the GET of a JWKS URL. The next step adds the HTTPS implementation (SSRF guard, size
// caps, no redirects, timeout); tests inject a fake.
class document_fetcher {
 public:
  virtual ~document_fetcher() = default;
  virtual result<fetched_document> get(std::string_view url) = 0;
};

struct jwks_cache_settings {
  std::int64_t refresh_seconds = 300;   // keys older than this are refetched on read
  std::int64_t cooldown_seconds = 10;   // min gap between unknown-kid forced refreshes
};

// A JWKS cache over an injected fetcher. The first current() fetches; later reads refetch once
// the keys are older than refresh_seconds (synchronously, one fetch at a time). A failed fetch
// or an invalid document keeps serving the previous keys (stale-on-error). Background refresh
// at 80 % of the TTL and Cache-Control handling arrive with the HTTPS fetcher.
class fetching_jwks_source final : public jwks_source {
 public:
  fetching_jwks_source(std::shared_ptr<document_fetcher> fetcher, std::string jwks_uri,
                       jwks_cache_settings settings, std::shared_ptr<const clock> clk);
  key_set current() override;
  key_set refresh_for_unknown_kid(std::string_view kid) override;

 private:
  key_set fetch_locked(std::int64_t now);  // mu_ held

  std::shared_ptr<document_fetcher> fetcher_;
  std::string uri_;
  jwks_cache_settings settings_;
  std::shared_ptr<const clock> clock_;
  std::mutex mu_;
  key_set keys_;
  std::int64_t fetched_at_ = 0;
  std::int64_t last_forced_ = 0;
  bool forced_once_ = false;
  bool attempted_ = false;
};

}  // namespace authplane::sdk
