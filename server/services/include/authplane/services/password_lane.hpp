// A small, bounded lane for slow password work (Argon2id verification at sign-in), so that it
// never runs on the HTTP server's I/O threads.
//
//   password_lane lane({.workers = password_lane::default_workers(), .max_queued = 64});
//   if (!lane.try_post([state] { finish(*state); }))   // never blocks
//     answer_503_retry_after_1();
//
// Why. One Argon2id verification at the interactive cost takes tens of milliseconds of one core
// and 64 MiB. Run inline, a flood of sign-ins (valid or not: unknown emails are verified against
// a dummy hash) occupies every I/O thread and starves the token endpoint. Here the work runs on
// `workers` dedicated threads, at most `max_queued` jobs wait behind them, and a full lane is
// refused at once (the caller answers 503 with Retry-After) instead of queueing without bound.
// The lane also bounds the memory of concurrent hashes to workers x 64 MiB.
//
// Jobs run in submission order. A job that throws is logged and the worker carries on. The
// destructor stops the workers after their current job; jobs still waiting are destroyed
// without running (a job holding an http::responder then answers 500 through its destructor).
#pragma once
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace authplane::services {

struct password_lane_options {
  std::size_t workers = 1;      // dedicated threads (at least 1)
  std::size_t max_queued = 64;  // jobs waiting for a worker; try_post refuses beyond this
};

class password_lane {
 public:
  explicit password_lane(password_lane_options o = {});
  ~password_lane();
  password_lane(const password_lane&) = delete;
  password_lane& operator=(const password_lane&) = delete;

  // Queues `job` and returns true, or returns false at once (job not run, not kept) when
  // max_queued jobs are already waiting or the lane is stopping. Thread-safe; never blocks on
  // the work itself.
  bool try_post(std::function<void()> job);

  std::size_t waiting() const;   // jobs queued, not yet started
  std::size_t running() const;   // jobs being run right now
  std::size_t workers() const { return threads_.size(); }
  std::size_t max_queued() const { return max_queued_; }

  // min(2, cores - 1), at least 1: leaves a core to the I/O threads and the storage writer.
  static std::size_t default_workers();

 private:
  void work();

  const std::size_t max_queued_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  std::size_t running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace authplane::services
