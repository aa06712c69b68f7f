#include <authplane/core/log.hpp>
#include <authplane/sdk/document_cache.hpp>
#include <authplane/sdk/error.hpp>
#include <authplane/sdk/keys.hpp>

#include <string>

namespace authplane::sdk {

static_jwks_source::static_jwks_source(jose::jwks keys)
    : keys_(std::make_shared<const jose::jwks>(std::move(keys))) {}

key_set static_jwks_source::current() {
  std::lock_guard lk(mu_);
  return keys_;
}

key_set static_jwks_source::refresh_for_unknown_kid(std::string_view) { return current(); }

void static_jwks_source::replace(jose::jwks keys) {
  auto k = std::make_shared<const jose::jwks>(std::move(keys));
  std::lock_guard lk(mu_);
  keys_ = std::move(k);
}

namespace {
// Refuses non-2xx statuses and invalid JWKS so a bad response never replaces good keys.
result<std::shared_ptr<const jose::jwks>> parse_jwks_document(const fetched_document& doc) {
  if (doc.status < 200 || doc.status > 299) return error_code(errc::jwks_fetch_failed);
  auto set = jose::parse_jwks(doc.body);
  if (!set) return error_code(errc::jwks_fetch_failed);
  return std::make_shared<const jose::jwks>(std::move(*set));
}
}  // namespace

fetching_jwks_source::fetching_jwks_source(std::shared_ptr<document_fetcher> fetcher, std::string jwks_uri,
                                           jwks_cache_settings settings, std::shared_ptr<const clock> clk,
                                           background_runner runner)
    : settings_(settings), clock_(clk ? std::move(clk) : std::make_shared<system_clock>()) {
  cache_ = document_cache<jose::jwks>::create(std::move(fetcher), std::move(jwks_uri),
                                              {.ttl_seconds = settings.refresh_seconds,
                                               .retry_seconds = settings.cooldown_seconds},
                                              parse_jwks_document, clock_, std::move(runner));
}

fetching_jwks_source::~fetching_jwks_source() = default;

result<key_set> fetching_jwks_source::load() {
  auto r = cache_->get();
  if (!r) {
    log::warn("sdk.jwks.unavailable", {{"uri", cache_->url()}, {"error", r.error().message()}});
    return r.error();
  }
  return key_set(*r);
}

key_set fetching_jwks_source::current() {
  auto r = load();
  return r ? *r : nullptr;
}

key_set fetching_jwks_source::refresh_for_unknown_kid(std::string_view kid) {
  {
    std::lock_guard lk(mu_);
    const std::int64_t now = clock_->now();
    if (forced_once_ && now - last_forced_ < settings_.cooldown_seconds) {
      log::debug("sdk.jwks.refresh_cooldown", {{"kid", kid}});
      return cache_->peek();
    }
    forced_once_ = true;
    last_forced_ = now;
  }
  log::info("sdk.jwks.forced_refresh", {{"kid", kid}});
  auto r = cache_->refresh();
  return r ? key_set(*r) : nullptr;
}

void fetching_jwks_source::rebind(std::string jwks_uri) {
  log::info("sdk.jwks.rebind", {{"uri", jwks_uri}});
  cache_->rebind(std::move(jwks_uri));
}

std::string fetching_jwks_source::uri() const { return cache_->url(); }

}  // namespace authplane::sdk
