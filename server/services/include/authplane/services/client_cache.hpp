// A client_store decorator that keeps recently used clients in memory, so client
// authentication on the token path costs a hash lookup instead of a database read.
//   client_cache cache{store, clock, /*ttl_seconds=*/1};
//   cache.invalidate();            // after any change made in this process (admin API)
// Entries live at most `ttl` seconds. With a change feed, a change made by another process
// (the CLI) is noticed within `feed_interval` (the feed is read at most that often), and
// changes through this process's admin API are seen at once.
#pragma once
#include <atomic>
#include <chrono>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "authplane/core/clock.hpp"
#include "authplane/ports/stores.hpp"
#include "authplane/services/throttle.hpp"

namespace authplane::services {
class client_cache final : public ports::client_store {
 public:
  client_cache(ports::client_store& inner, const clock& clk, std::int64_t ttl_seconds = 60,
               std::size_t max_entries = 10'000, ports::change_feed* feed = nullptr,
               std::chrono::milliseconds feed_interval = std::chrono::milliseconds(10))
      : inner_(inner), clock_(clk), ttl_(ttl_seconds), max_(max_entries), feed_(feed), feed_check_(feed_interval) {}

  result<std::optional<domain::client>> find_client(std::string_view id) override;
  result<void> create_client(const domain::client& c) override;
  result<void> update_client(const domain::client& c) override;
  result<std::vector<domain::client>> list_clients(std::string_view status, std::string_view source,
                                                   ports::list_page page) override;
  result<void> delete_client(std::string_view id) override;
  void invalidate();

 private:
  void sync_with_feed();
  struct entry {
    std::optional<domain::client> client;  // nullopt: known to be absent
    std::int64_t expires = 0;
  };
  ports::client_store& inner_;
  const clock& clock_;
  std::int64_t ttl_;
  std::size_t max_;
  ports::change_feed* feed_;
  throttle feed_check_;
  std::atomic<std::int64_t> seen_version_{-1};
  std::shared_mutex mu_;
  std::unordered_map<std::string, entry> entries_;
};
}  // namespace authplane::services
