#include <authplane/core/log.hpp>
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

fetching_jwks_source::fetching_jwks_source(std::shared_ptr<document_fetcher> fetcher, std::string jwks_uri,
                                           jwks_cache_settings settings, std::shared_ptr<const clock> clk)
    : fetcher_(std::move(fetcher)), uri_(std::move(jwks_uri)), settings_(settings), clock_(std::move(clk)) {
  if (!clock_) clock_ = std::make_shared<system_clock>();
}

key_set fetching_jwks_source::fetch_locked(std::int64_t now) {
  attempted_ = true;
  auto doc = fetcher_->get(uri_);
  if (!doc) {
    log::warn("sdk.jwks.fetch_failed", {{"uri", uri_}});
    return keys_;
  }
  if (doc->status < 200 || doc->status > 299) {
    log::warn("sdk.jwks.fetch_status", {{"uri", uri_}});
    return keys_;
  }
  auto set = jose::parse_jwks(doc->body);
  if (!set) {
    log::warn("sdk.jwks.invalid", {{"uri", uri_}});
    return keys_;
  }
  keys_ = std::make_shared<const jose::jwks>(std::move(*set));
  fetched_at_ = now;
  return keys_;
}

key_set fetching_jwks_source::current() {
  std::lock_guard lk(mu_);
  const std::int64_t now = clock_->now();
  if (!keys_ || now - fetched_at_ >= settings_.refresh_seconds) {
    // Without keys, retry at most once per cooldown so an unreachable issuer is not hammered.
    if (keys_ || !attempted_ || now - last_forced_ >= settings_.cooldown_seconds) {
      if (!keys_) last_forced_ = now;
      fetch_locked(now);
    }
  }
  return keys_;
}

key_set fetching_jwks_source::refresh_for_unknown_kid(std::string_view kid) {
  std::lock_guard lk(mu_);
  const std::int64_t now = clock_->now();
  if (forced_once_ && now - last_forced_ < settings_.cooldown_seconds) {
    log::debug("sdk.jwks.refresh_cooldown", {{"kid", kid}});
    return keys_;
  }
  forced_once_ = true;
  last_forced_ = now;
  log::info("sdk.jwks.forced_refresh", {{"kid", kid}});
  return fetch_locked(now);
}

}  // namespace authplane::sdk
