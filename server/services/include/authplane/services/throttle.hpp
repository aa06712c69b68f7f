// Lets one caller through at most once per interval, lock-free; the others skip the work.
//   throttle t{std::chrono::milliseconds(10)};
//   if (t.due()) reload_if_changed();
// Used by the caches that poll the store for changes made by other processes.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>

namespace authplane::services {
class throttle {
 public:
  explicit throttle(std::chrono::milliseconds interval) : interval_(interval) {}
  bool due() noexcept {
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::steady_clock::now().time_since_epoch()).count();
    auto next = next_.load(std::memory_order_relaxed);
    return now >= next && next_.compare_exchange_strong(next, now + interval_.count());
  }

 private:
  std::chrono::milliseconds interval_;
  std::atomic<std::int64_t> next_{0};  // steady-clock milliseconds
};
}  // namespace authplane::services
