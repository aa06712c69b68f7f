#include "authplane/services/catalog.hpp"

#include <atomic>

namespace authplane::services {

result<void> resource_catalog::refresh() {
  auto snap = std::make_shared<catalog_snapshot>();
  constexpr std::size_t page = 500;
  for (std::size_t offset = 0;; offset += page) {
    auto rs = store_.list_resources({page, offset});
    if (!rs) return rs.error();
    for (auto& r : *rs) snap->resources.push_back(std::move(r));
    if (rs->size() < page) break;
  }
  for (std::size_t i = 0; i < snap->resources.size(); ++i) {
    const auto& r = snap->resources[i];
    snap->by_slug.emplace(r.slug, i);
    snap->by_id.emplace(r.id, i);
    if (!r.uri.empty()) snap->by_uri[r.uri].push_back(i);
    for (const auto& s : r.scopes) {
      bool dup = false;
      for (const auto& e : snap->all_scopes) dup = dup || e == s.name;
      if (!dup) snap->all_scopes.push_back(s.name);
    }
  }
  std::atomic_store(&snap_, std::shared_ptr<const catalog_snapshot>(std::move(snap)));
  return {};
}

void resource_catalog::sync_with_feed() const {
  if (!feed_ || !feed_check_.due()) return;
  auto v = feed_->versions();
  if (!v) return;  // keep serving the last good snapshot; the next check retries
  if (seen_version_.exchange(v->resources) != v->resources) {
    // Reloading is logically const: the catalog mirrors the store.
    if (auto r = const_cast<resource_catalog*>(this)->refresh(); !r) seen_version_.store(-1);
  }
}

std::shared_ptr<const catalog_snapshot> resource_catalog::snapshot() const {
  sync_with_feed();
  return std::atomic_load(&snap_);
}

resource_catalog::lookup resource_catalog::resolve(std::string_view ref, domain::resource& out) const {
  auto snap = snapshot();
  if (auto it = snap->by_uri.find(std::string(ref)); it != snap->by_uri.end()) {
    if (it->second.size() > 1) return lookup::ambiguous;
    out = snap->resources[it->second.front()];
    return lookup::found;
  }
  if (auto it = snap->by_slug.find(std::string(ref)); it != snap->by_slug.end()) {
    out = snap->resources[it->second];
    return lookup::found;
  }
  return lookup::unknown;
}

std::optional<domain::resource> resource_catalog::by_id(std::string_view id) const {
  auto snap = snapshot();
  if (auto it = snap->by_id.find(std::string(id)); it != snap->by_id.end()) return snap->resources[it->second];
  return std::nullopt;
}
}  // namespace authplane::services
