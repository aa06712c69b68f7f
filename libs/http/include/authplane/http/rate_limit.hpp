// Per-key token buckets (e.g. per client IP), usable as router middleware.
//
//   auto rl = std::make_shared<http::rate_limiter>(50.0, 100.0, 100'000);
//   r.use(http::rate_limit_middleware(rl));   // 429 + Retry-After, keyed by request.remote_ip
#pragma once
#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

#include "authplane/http/server.hpp"

namespace authplane::http {

// Thread-safe: keys are spread over mutex-protected shards. Memory is bounded: at most about
// `max_tracked` keys are remembered; when a shard is full its least recently seen key is dropped
// (a dropped key starts again with a full bucket). rps <= 0 disables limiting (allow() is always
// true). burst is clamped to at least 1.
class rate_limiter {
 public:
  rate_limiter(double rps, double burst, std::size_t max_tracked);
  ~rate_limiter();
  rate_limiter(const rate_limiter&) = delete;
  rate_limiter& operator=(const rate_limiter&) = delete;

  // Takes one token from `key`'s bucket at time `now_seconds` (any monotonic origin). On refusal
  // returns false and sets retry_after_seconds to the time until one token is available (> 0);
  // on success sets it to 0.
  bool allow(std::string_view key, double now_seconds, double& retry_after_seconds);
  // Number of keys currently remembered (for tests and metrics).
  std::size_t tracked() const;

 private:
  struct shard;
  double rps_;
  double burst_;
  std::size_t per_shard_;
  std::vector<std::unique_ptr<shard>> shards_;
};

// Middleware answering 429 {"error":"too_many_requests",...} with `Retry-After: <ceil seconds,
// at least 1>` when request.remote_ip is over its budget; otherwise calls next. Time comes from
// std::chrono::steady_clock.
router::middleware rate_limit_middleware(std::shared_ptr<rate_limiter> limiter);
}  // namespace authplane::http
