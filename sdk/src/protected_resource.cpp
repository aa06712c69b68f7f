#include <authplane/core/log.hpp>
#include <authplane/sdk/document_cache.hpp>
#include <authplane/sdk/error.hpp>
#include <authplane/sdk/protected_resource.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <thread>

namespace authplane::sdk {
namespace {
using metadata_cache = document_cache<as_metadata>;

// One thread running posted refreshes, and a periodic tick so documents are refreshed even when
// nobody reads them. stop() drops queued work; posts after stop() are ignored.
class worker {
 public:
  using task = std::function<void()>;
  worker(std::chrono::milliseconds tick_every, task tick) : every_(tick_every), tick_(std::move(tick)) {}
  // Separate from construction so the tick never sees a half-built resource.
  void start() { thread_ = std::thread([this] { run(); }); }
  ~worker() { stop(); }

  void post(task t) {
    std::lock_guard lk(mu_);
    if (stopped_) return;
    queue_.push_back(std::move(t));
    cv_.notify_one();
  }

  void stop() noexcept {
    {
      std::lock_guard lk(mu_);
      stopped_ = true;
      queue_.clear();
      cv_.notify_all();
    }
    if (!thread_.joinable()) return;
    // A task that destroys the resource runs on this thread: it cannot join itself.
    if (thread_.get_id() == std::this_thread::get_id()) {
      thread_.detach();
    } else {
      thread_.join();
    }
  }

 private:
  void run() {
    std::unique_lock lk(mu_);
    while (!stopped_) {
      if (queue_.empty() && !cv_.wait_for(lk, every_, [this] { return stopped_ || !queue_.empty(); })) {
        run_unlocked(lk, tick_);
        continue;
      }
      if (stopped_) break;
      task t = std::move(queue_.front());
      queue_.pop_front();
      run_unlocked(lk, t);
    }
  }

  // Refresh failures are values, but a throwing parser or fetcher must not end the thread.
  static void run_unlocked(std::unique_lock<std::mutex>& lk, const task& t) {
    lk.unlock();
    try {
      if (t) t();
    } catch (...) {
      log::warn("sdk.refresh.exception", {});
    }
    lk.lock();
  }

  std::chrono::milliseconds every_;
  task tick_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<task> queue_;
  bool stopped_ = false;
  std::thread thread_;
};

bool is_metadata_verdict(const error_code& ec) {
  return ec == errc::metadata_issuer_missing || ec == errc::metadata_issuer_mismatch ||
         ec == errc::metadata_endpoint_missing || ec == errc::metadata_endpoint_invalid;
}

std::shared_ptr<document_fetcher> or_https(std::shared_ptr<document_fetcher> f, const fetch_settings& s,
                                           std::size_t cap) {
  return f ? std::move(f) : std::make_shared<https_document_fetcher>(s, cap);
}
}  // namespace

struct protected_resource::state {
  fetch_settings settings;
  std::shared_ptr<worker> bg;  // null when the caller supplied a runner
  std::shared_ptr<metadata_cache> metadata;
  std::shared_ptr<fetching_jwks_source> keys;
  std::shared_ptr<resource_guard> guard;
};

namespace {
// Posts to the worker while it lives; a dropped task only delays a refresh to the next read.
background_runner runner_for(const std::shared_ptr<worker>& w) {
  std::weak_ptr<worker> weak = w;
  return [weak](std::function<void()> t) {
    if (auto s = weak.lock()) s->post(std::move(t));
  };
}

std::shared_ptr<metadata_cache> make_metadata_cache(const options& o, const fetch_settings& s, std::string url,
                                                    std::shared_ptr<document_fetcher> f,
                                                    std::shared_ptr<const clock> clk, background_runner runner) {
  auto parse = [issuer = o.issuer, s](const fetched_document& doc) -> result<std::shared_ptr<const as_metadata>> {
    auto md = parse_metadata(doc, issuer, s);
    if (!md) {
      log::warn("sdk.metadata.rejected", {{"issuer", issuer}, {"error", md.error().message()}});
      return md.error();
    }
    return std::make_shared<const as_metadata>(std::move(*md));
  };
  return metadata_cache::create(std::move(f), std::move(url),
                                {.ttl_seconds = o.metadata_refresh_seconds, .retry_seconds = o.jwks_refresh_cooldown_seconds},
                                std::move(parse), std::move(clk), std::move(runner));
}

// Checklist 24: a validated document that moves jwks_uri moves key fetches with it.
void follow_jwks_uri(const std::shared_ptr<metadata_cache>& md, const std::shared_ptr<fetching_jwks_source>& keys) {
  std::weak_ptr<fetching_jwks_source> weak = keys;
  md->on_update([weak](const std::shared_ptr<const as_metadata>& m) {
    auto k = weak.lock();
    if (k && m && k->uri() != m->jwks_uri) k->rebind(m->jwks_uri);
  });
}
}  // namespace

result<std::unique_ptr<protected_resource>> protected_resource::create(options o, std::optional<fetch_settings> fetch,
                                                                       resource_dependencies deps) {
  if (auto bad = validate(o)) return bad;
  auto url = metadata_url(o.issuer);
  if (!url) return url.error();
  auto st = std::make_unique<state>();
  st->settings = effective_fetch_settings(o, fetch);
  auto clk = deps.clk ? deps.clk : std::make_shared<system_clock>();
  background_runner runner = deps.runner;
  if (!runner) {
    // The tick re-reads both caches: a due refresh starts even when no request arrives.
    st->bg = std::make_shared<worker>(std::chrono::seconds(1), [s = st.get()] {
      s->metadata->get();
      s->keys->current();
    });
    runner = runner_for(st->bg);
  }
  auto md_cache = make_metadata_cache(o, st->settings, *url, or_https(deps.metadata_fetcher, st->settings, metadata_max_bytes),
                                      clk, runner);
  auto md = md_cache->get();
  if (!md) {
    log::warn("sdk.metadata.unavailable", {{"url", *url}, {"error", md.error().message()}});
    return error_code(is_metadata_verdict(md.error()) ? md.error() : error_code(errc::metadata_fetch_failed));
  }
  auto keys = std::make_shared<fetching_jwks_source>(
      or_https(deps.jwks_fetcher, st->settings, jwks_max_bytes), (*md)->jwks_uri,
      jwks_cache_settings{.refresh_seconds = o.jwks_refresh_seconds, .cooldown_seconds = o.jwks_refresh_cooldown_seconds},
      clk, runner);
  if (!keys->load()) return error_code(errc::jwks_fetch_failed);
  auto guard = resource_guard::create(std::move(o), keys, deps.replay, clk);
  if (!guard) return guard.error();
  follow_jwks_uri(md_cache, keys);
  st->guard = *guard;
  st->keys = keys;
  st->metadata = md_cache;
  if (st->bg) st->bg->start();  // queued refreshes run from here on
  return std::unique_ptr<protected_resource>(new protected_resource(std::move(st)));
}

protected_resource::protected_resource(std::unique_ptr<state> s) : state_(std::move(s)) {}

protected_resource::~protected_resource() { close(); }

void protected_resource::close() noexcept {
  if (state_->bg) state_->bg->stop();
}

std::shared_ptr<resource_guard> protected_resource::guard() const { return state_->guard; }

std::shared_ptr<const as_metadata> protected_resource::metadata() const {
  auto r = state_->metadata->get();
  return r ? *r : state_->metadata->peek();
}

std::shared_ptr<fetching_jwks_source> protected_resource::keys() const { return state_->keys; }

const fetch_settings& protected_resource::settings() const { return state_->settings; }

}  // namespace authplane::sdk
