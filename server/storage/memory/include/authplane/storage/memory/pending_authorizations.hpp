// Authorization requests waiting for the user's consent, in memory (one process; a restart
// drops them and the user starts again from the client). Bounded: expired entries are purged
// on insert, and when still full the entry closest to expiry is dropped.
#pragma once
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "authplane/ports/browser.hpp"

namespace authplane::storage::memory {

class pending_authorizations final : public ports::pending_authorizations {
 public:
  explicit pending_authorizations(std::int64_t ttl_seconds = 600, std::size_t max_entries = 100'000)
      : ttl_(ttl_seconds), max_(max_entries) {}
  std::string put(ports::pending_authorization p, std::int64_t now) override;
  std::optional<ports::pending_authorization> find(std::string_view id, std::int64_t now) override;
  void erase(std::string_view id) override;

 private:
  std::int64_t ttl_;
  std::size_t max_;
  std::mutex mu_;
  std::unordered_map<std::string, ports::pending_authorization> items_;
};

}  // namespace authplane::storage::memory
