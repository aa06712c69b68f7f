// Where a resource guard gets the issuer's signing keys.
//   auto keys = std::make_shared<sdk::static_jwks_source>(*jose::parse_jwks(text));     // tests
//   auto keys = std::make_shared<sdk::fetching_jwks_source>(fetcher, jwks_uri, settings, clock, runner);
//   auto set = keys->current();                        // nullptr when no keys could be obtained
//   auto fresh = keys->refresh_for_unknown_kid("k2");  // at most one fetch per cooldown
#pragma once
#include <authplane/core/clock.hpp>
#include <authplane/core/result.hpp>
#include <authplane/http/message.hpp>
#include <authplane/jose/jwk.hpp>

#include <cstdint>
#include <functional>
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

// Performs the GET of a document (JWKS, AS metadata). https_document_fetcher (fetch.hpp) is the
// network implementation (SSRF guard, size caps, no redirects, timeout); tests inject fakes.
class document_fetcher {
 public:
  virtual ~document_fetcher() = default;
  virtual result<fetched_document> get(std::string_view url) = 0;
};

// Runs a background task (a worker thread in production, a queue in tests). May drop the task
// (after shutdown); caches then refresh on a later read.
using background_runner = std::function<void(std::function<void()>)>;

template <class T>
class document_cache;  // document_cache.hpp

struct jwks_cache_settings {
  std::int64_t refresh_seconds = 300;   // upper bound of the keys' TTL (Cache-Control may shorten it)
  std::int64_t cooldown_seconds = 10;   // min gap between unknown-kid forced refreshes, and
                                        // between attempts after a failed fetch
};

// A JWKS cache over an injected fetcher (a document_cache<jose::jwks>): the first read fetches;
// the TTL is min(refresh_seconds, the response's Cache-Control/Expires freshness); past 80 % of
// it one background refresh goes to `runner` (none when empty); expired keys are refetched
// synchronously, concurrent readers sharing one fetch. A failed fetch, a non-2xx status or an
// invalid JWKS keeps serving the previous keys (stale-on-error); after a failure the next
// attempt waits cooldown_seconds.
class fetching_jwks_source final : public jwks_source {
 public:
  fetching_jwks_source(std::shared_ptr<document_fetcher> fetcher, std::string jwks_uri,
                       jwks_cache_settings settings, std::shared_ptr<const clock> clk,
                       background_runner runner = {});
  ~fetching_jwks_source() override;
  key_set current() override;
  key_set refresh_for_unknown_kid(std::string_view kid) override;
  // The keys, or why none could be obtained (the fetcher's error, or errc::jwks_fetch_failed for
  // a non-2xx status or an invalid JWKS).
  result<key_set> load();
  // Fetch keys from another URL from now on (the issuer's metadata moved jwks_uri); the old URL
  // is never fetched again, its keys serve only as the stale fallback.
  void rebind(std::string jwks_uri);
  std::string uri() const;

 private:
  std::shared_ptr<document_cache<jose::jwks>> cache_;
  jwks_cache_settings settings_;
  std::shared_ptr<const clock> clock_;
  std::mutex mu_;
  std::int64_t last_forced_ = 0;
  bool forced_once_ = false;
};

}  // namespace authplane::sdk
