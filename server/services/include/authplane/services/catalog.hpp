// Registered resources, cached in memory and rebuilt after every admin change (refresh()).
// Lookups on the token path cost a hash-map read under a shared snapshot, not a query. With a
// change feed, changes made by another process (the CLI) are picked up within feed_interval.
#pragma once
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "authplane/core/result.hpp"
#include "authplane/ports/stores.hpp"
#include "authplane/services/throttle.hpp"

namespace authplane::services {

struct catalog_snapshot {
  std::vector<domain::resource> resources;
  std::unordered_map<std::string, std::size_t> by_slug;
  std::unordered_map<std::string, std::vector<std::size_t>> by_uri;
  std::unordered_map<std::string, std::size_t> by_id;
  std::vector<std::string> all_scopes;  // de-duplicated union, in registration order
};

class resource_catalog {
 public:
  explicit resource_catalog(ports::resource_store& store, ports::change_feed* feed = nullptr,
                            std::chrono::milliseconds feed_interval = std::chrono::milliseconds(10))
      : store_(store), feed_(feed), feed_check_(feed_interval) {}
  result<void> refresh();
  // The current snapshot (reloaded first when the change feed says resources changed).
  std::shared_ptr<const catalog_snapshot> snapshot() const;

  enum class lookup { found, unknown, ambiguous };
  // RFC 8707 resource identifier: an exact URI (byte-for-byte) or a slug.
  lookup resolve(std::string_view ref, domain::resource& out) const;
  std::optional<domain::resource> by_id(std::string_view id) const;

 private:
  void sync_with_feed() const;
  ports::resource_store& store_;
  ports::change_feed* feed_;
  mutable throttle feed_check_;
  mutable std::atomic<std::int64_t> seen_version_{-1};
  std::shared_ptr<const catalog_snapshot> snap_ = std::make_shared<catalog_snapshot>();
};
}  // namespace authplane::services
