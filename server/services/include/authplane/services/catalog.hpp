// Registered resources, cached in memory and rebuilt after every admin change (refresh()).
// Lookups on the token path cost a hash-map read under a shared snapshot, not a query.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "authplane/core/result.hpp"
#include "authplane/ports/stores.hpp"

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
  explicit resource_catalog(ports::resource_store& store) : store_(store) {}
  result<void> refresh();
  std::shared_ptr<const catalog_snapshot> snapshot() const { return std::atomic_load(&snap_); }

  enum class lookup { found, unknown, ambiguous };
  // RFC 8707 resource identifier: an exact URI (byte-for-byte) or a slug.
  lookup resolve(std::string_view ref, domain::resource& out) const;
  std::optional<domain::resource> by_id(std::string_view id) const;

 private:
  ports::resource_store& store_;
  std::shared_ptr<const catalog_snapshot> snap_ = std::make_shared<catalog_snapshot>();
};
}  // namespace authplane::services
