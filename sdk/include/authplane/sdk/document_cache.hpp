// A cache of one fetched, parsed and validated document (AS metadata, JWKS) — reference §1.6.
//   auto c = sdk::document_cache<jose::jwks>::create(fetcher, url, {.ttl_seconds = 300}, parse, clk, runner);
//   auto v = c->get();   // fresh value, a stale value when a refetch fails, or the fetch error
// Freshness: effective TTL = min(ttl_seconds, server freshness); Cache-Control no-store or
// no-cache make every read refetch; max-age beats Expires. A read past 80 % of the TTL hands
// one background refresh to `runner` (never two at once). An expired or empty cache fetches
// synchronously; concurrent readers share that one fetch (single flight). A document the parser
// refuses is never committed. After a failed fetch the next attempt waits retry_seconds; a stale
// value is served meanwhile (stale-on-error). Thread-safe.
#pragma once
#include <authplane/core/clock.hpp>
#include <authplane/core/result.hpp>
#include <authplane/http/message.hpp>
#include <authplane/sdk/error.hpp>
#include <authplane/sdk/keys.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace authplane::sdk {

// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT", RFC 9110 §5.6.7) as Unix seconds.
std::optional<std::int64_t> parse_http_date(std::string_view text);

// Seconds the response may be reused (RFC 9111 §5.2.2, §5.3): 0 for no-store or no-cache;
// max-age=N; else Expires - now (0 when past or unparsable); nullopt when none is present.
std::optional<std::int64_t> server_freshness(const http::header_list& headers, std::int64_t now);

// min(configured, server_freshness) — the configured TTL when the server says nothing.
std::int64_t effective_ttl(std::int64_t configured, const http::header_list& headers, std::int64_t now);

struct document_cache_settings {
  std::int64_t ttl_seconds = 300;   // upper bound of the effective TTL (> 0)
  std::int64_t retry_seconds = 10;  // after a failed fetch, the minimum gap before the next one
};

template <class T>
class document_cache : public std::enable_shared_from_this<document_cache<T>> {
 public:
  using value_ptr = std::shared_ptr<const T>;
  // Turns a fetched document into a value, or refuses it (non-2xx, invalid, not matching).
  using parser = std::function<result<value_ptr>(const fetched_document&)>;
  using listener = std::function<void(const value_ptr&)>;

  // runner may be empty: no background refresh, only synchronous refetches on expiry.
  static std::shared_ptr<document_cache> create(std::shared_ptr<document_fetcher> fetcher, std::string url,
                                                document_cache_settings s, parser parse,
                                                std::shared_ptr<const clock> clk, background_runner runner = {}) {
    return std::shared_ptr<document_cache>(
        new document_cache(std::move(fetcher), std::move(url), s, std::move(parse), std::move(clk), std::move(runner)));
  }

  // Called after each committed value (outside the cache's lock). Set before the first read.
  void on_update(listener l) {
    std::lock_guard lk(mu_);
    listener_ = std::move(l);
  }

  result<value_ptr> get() {
    std::unique_lock lk(mu_);
    const std::int64_t now = clock_->now();
    if (value_ && now < expires_at_) {
      maybe_refresh_in_background(now);
      return value_;
    }
    if (failed_ && now - failed_at_ < settings_.retry_seconds) return current_locked();
    const std::uint64_t seen = generation_;
    lk.unlock();
    return fetch_once(seen);
  }

  // Fetches now (joins a fetch already running instead of starting a second one).
  result<value_ptr> refresh() {
    std::uint64_t seen;
    {
      std::lock_guard lk(mu_);
      seen = generation_;
    }
    return fetch_once(seen);
  }

  // The committed value, without any fetch.
  value_ptr peek() const {
    std::lock_guard lk(mu_);
    return value_;
  }

  // Points the cache at another URL: the next read fetches from it. The previous value stays
  // as the stale-on-error fallback until the new URL yields one.
  void rebind(std::string url) {
    std::lock_guard lk(mu_);
    if (url == url_) return;
    url_ = std::move(url);
    expires_at_ = 0;
    failed_ = false;
    ++generation_;
  }

  std::string url() const {
    std::lock_guard lk(mu_);
    return url_;
  }

 private:
  document_cache(std::shared_ptr<document_fetcher> f, std::string url, document_cache_settings s, parser p,
                 std::shared_ptr<const clock> clk, background_runner runner)
      : fetcher_(std::move(f)), url_(std::move(url)), settings_(s), parse_(std::move(p)),
        clock_(clk ? std::move(clk) : std::make_shared<system_clock>()), runner_(std::move(runner)) {}

  result<value_ptr> current_locked() const {
    if (value_) return value_;
    return last_error_ ? last_error_ : error_code(errc::jwks_fetch_failed);
  }

  // One network fetch at a time; a caller that waited for another caller's fetch returns its
  // outcome instead of fetching again.
  result<value_ptr> fetch_once(std::uint64_t seen) {
    std::lock_guard flight(fetch_mu_);
    std::string url;
    {
      std::lock_guard lk(mu_);
      if (generation_ != seen) return current_locked();
      url = url_;
    }
    auto fetched = fetch_and_parse(url);
    return commit(url, std::move(fetched));
  }

  result<value_ptr> fetch_and_parse(const std::string& url) {
    auto doc = fetcher_->get(url);
    if (!doc) return doc.error();
    auto parsed = parse_(*doc);
    if (!parsed) return parsed.error();
    headers_ = std::move(doc->headers);  // fetch_mu_ held
    return parsed;
  }

  result<value_ptr> commit(const std::string& url, result<value_ptr> fetched) {
    listener notify;
    value_ptr committed;
    result<value_ptr> out = error_code(errc::jwks_fetch_failed);
    {
      std::lock_guard lk(mu_);
      const std::int64_t now = clock_->now();
      ++generation_;
      if (fetched && url == url_) {
        store_locked(*fetched, now);
        notify = listener_;
        committed = value_;
      } else if (!fetched) {
        failed_ = true;
        failed_at_ = now;
        last_error_ = fetched.error();
      }
      out = current_locked();
    }
    if (notify) notify(committed);
    return out;
  }

  void store_locked(value_ptr v, std::int64_t now) {
    const std::int64_t ttl = effective_ttl(settings_.ttl_seconds, headers_, now);
    value_ = std::move(v);
    expires_at_ = now + ttl;
    refresh_at_ = now + ttl - ttl / 5;  // 80 % of the TTL
    failed_ = false;
    last_error_ = {};
  }

  void maybe_refresh_in_background(std::int64_t now) {
    if (!runner_ || refreshing_ || now < refresh_at_) return;
    std::weak_ptr<document_cache> weak = this->weak_from_this();
    if (weak.expired()) return;
    refreshing_ = true;
    runner_([weak] {
      if (auto self = weak.lock()) self->refresh_in_background();
    });
  }

  void refresh_in_background() {
    auto r = refresh();
    std::lock_guard lk(mu_);
    refreshing_ = false;
    // A failed background refresh is retried by a later read after retry_seconds.
    if (!r || failed_) refresh_at_ = clock_->now() + settings_.retry_seconds;
  }

  std::shared_ptr<document_fetcher> fetcher_;
  std::string url_;
  document_cache_settings settings_;
  parser parse_;
  std::shared_ptr<const clock> clock_;
  background_runner runner_;
  listener listener_;

  std::mutex fetch_mu_;            // serialises network fetches (single flight)
  http::header_list headers_;      // headers of the document being committed (fetch_mu_)
  mutable std::mutex mu_;          // everything below
  value_ptr value_;
  std::int64_t expires_at_ = 0;
  std::int64_t refresh_at_ = 0;
  bool refreshing_ = false;
  bool failed_ = false;
  std::int64_t failed_at_ = 0;
  error_code last_error_;
  std::uint64_t generation_ = 0;   // bumped by each completed fetch and by rebind()
};

}  // namespace authplane::sdk
