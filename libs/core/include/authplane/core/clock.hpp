// Time is injected: every check that depends on "now" takes a clock or a timestamp, so tests
// never sleep.
//   system_clock wall; std::int64_t t = wall.now();       // seconds since the Unix epoch
//   manual_clock fake{1'700'000'000}; fake.advance(60);
#pragma once
#include <atomic>
#include <cstdint>

namespace authplane {
class clock {
 public:
  virtual ~clock() = default;
  // Seconds since the Unix epoch.
  virtual std::int64_t now() const = 0;
};

class system_clock final : public clock {
 public:
  std::int64_t now() const override;
};

// A clock tests move by hand. Thread-safe.
class manual_clock final : public clock {
 public:
  explicit manual_clock(std::int64_t start) : now_(start) {}
  std::int64_t now() const override { return now_.load(); }
  void set(std::int64_t t) { now_.store(t); }
  void advance(std::int64_t seconds) { now_.fetch_add(seconds); }

 private:
  std::atomic<std::int64_t> now_;
};
}  // namespace authplane
