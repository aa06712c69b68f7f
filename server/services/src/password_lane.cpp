#include "authplane/services/password_lane.hpp"

#include <algorithm>
#include <exception>

#include "authplane/core/log.hpp"

namespace authplane::services {

password_lane::password_lane(password_lane_options o) : max_queued_(o.max_queued) {
  const std::size_t n = std::max<std::size_t>(1, o.workers);
  threads_.reserve(n);
  for (std::size_t i = 0; i < n; ++i) threads_.emplace_back([this] { work(); });
}

password_lane::~password_lane() {
  std::deque<std::function<void()>> dropped;
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
    dropped.swap(queue_);
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
  // `dropped` is destroyed here, outside the lock and after the workers stopped.
}

bool password_lane::try_post(std::function<void()> job) {
  if (!job) return false;
  {
    std::lock_guard lk(mu_);
    if (stopping_ || queue_.size() >= max_queued_) return false;
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
  return true;
}

std::size_t password_lane::waiting() const {
  std::lock_guard lk(mu_);
  return queue_.size();
}

std::size_t password_lane::running() const {
  std::lock_guard lk(mu_);
  return running_;
}

std::size_t password_lane::default_workers() {
  const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
  return std::clamp<std::size_t>(cores - 1, 1, 2);
}

void password_lane::work() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
      ++running_;
    }
    try {
      job();
    } catch (const std::exception& e) {
      log::error("password_lane.job_failed", {{"error", e.what()}});
    } catch (...) {
      log::error("password_lane.job_failed", {{"error", "unknown exception"}});
    }
    job = nullptr;  // release what the job holds before counting it finished
    std::lock_guard lk(mu_);
    --running_;
  }
}

}  // namespace authplane::services
