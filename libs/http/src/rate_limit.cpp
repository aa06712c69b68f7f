// Token-bucket rate limiter: sharded maps with a per-shard LRU bound.
#include "authplane/http/rate_limit.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

namespace authplane::http {

struct rate_limiter::shard {
  struct entry {
    std::string key;
    double tokens;
    double last;
  };
  std::mutex m;  // guards lru and index
  std::list<entry> lru;  // most recently seen first; list nodes never move, so keys stay valid
  std::unordered_map<std::string_view, std::list<entry>::iterator> index;  // views into lru keys
};

rate_limiter::rate_limiter(double rps, double burst, std::size_t max_tracked)
    : rps_(rps), burst_(std::max(1.0, burst)) {
  std::size_t n = std::clamp<std::size_t>(max_tracked / 64, 1, 16);
  per_shard_ = std::max<std::size_t>(1, max_tracked / n);
  shards_.reserve(n);
  for (std::size_t i = 0; i < n; ++i) shards_.push_back(std::make_unique<shard>());
}

rate_limiter::~rate_limiter() = default;

bool rate_limiter::allow(std::string_view key, double now, double& retry_after) {
  retry_after = 0;
  if (!(rps_ > 0)) return true;
  shard& s = *shards_[std::hash<std::string_view>{}(key) % shards_.size()];
  std::lock_guard lock(s.m);
  shard::entry* e;
  if (auto it = s.index.find(key); it != s.index.end()) {
    s.lru.splice(s.lru.begin(), s.lru, it->second);
    e = &s.lru.front();
    double elapsed = now - e->last;
    if (elapsed > 0) {
      e->tokens = std::min(burst_, e->tokens + elapsed * rps_);
      e->last = now;
    }
  } else {
    if (s.lru.size() >= per_shard_) {
      s.index.erase(s.lru.back().key);
      s.lru.pop_back();
    }
    s.lru.push_front(shard::entry{std::string(key), burst_, now});
    e = &s.lru.front();
    s.index.emplace(e->key, s.lru.begin());
  }
  if (e->tokens >= 1.0) {
    e->tokens -= 1.0;
    return true;
  }
  retry_after = (1.0 - e->tokens) / rps_;
  return false;
}

std::size_t rate_limiter::tracked() const {
  std::size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s->m);
    n += s->lru.size();
  }
  return n;
}

router::middleware rate_limit_middleware(std::shared_ptr<rate_limiter> limiter) {
  return [limiter = std::move(limiter)](request& req, responder done, const handler& next) {
    double now = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    double retry = 0;
    if (limiter->allow(req.remote_ip, now, retry)) {
      next(req, std::move(done));
      return;
    }
    auto secs = std::max<long long>(1, static_cast<long long>(std::ceil(retry)));
    response r = response::json(429, R"({"error":"too_many_requests","error_description":"too many requests"})");
    r.headers.add("Retry-After", std::to_string(secs));
    done(std::move(r));
  };
}
}  // namespace authplane::http
