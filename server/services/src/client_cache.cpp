#include "authplane/services/client_cache.hpp"

namespace authplane::services {

void client_cache::sync_with_feed() {
  if (!feed_ || !feed_check_.due()) return;
  auto v = feed_->versions();
  if (!v) {
    invalidate();  // cannot tell what changed: drop everything rather than serve stale rows
    return;
  }
  if (seen_version_.exchange(v->clients) != v->clients) invalidate();
}

result<std::optional<domain::client>> client_cache::find_client(std::string_view id) {
  sync_with_feed();
  const auto now = clock_.now();
  std::string key(id);
  {
    std::shared_lock lk(mu_);
    if (auto it = entries_.find(key); it != entries_.end() && it->second.expires > now) return it->second.client;
  }
  auto r = inner_.find_client(id);
  if (!r) return r;
  std::unique_lock lk(mu_);
  if (entries_.size() >= max_) {
    // Drop expired entries; if none expired, start over (bounded memory beats hit rate here).
    std::erase_if(entries_, [now](const auto& kv) { return kv.second.expires <= now; });
    if (entries_.size() >= max_) entries_.clear();
  }
  entries_[std::move(key)] = entry{*r, now + ttl_};
  return r;
}

result<void> client_cache::create_client(const domain::client& c) {
  auto r = inner_.create_client(c);
  invalidate();
  return r;
}

result<void> client_cache::update_client(const domain::client& c) {
  auto r = inner_.update_client(c);
  invalidate();
  return r;
}

result<std::vector<domain::client>> client_cache::list_clients(std::string_view status, std::string_view source,
                                                               ports::list_page page) {
  return inner_.list_clients(status, source, page);
}

result<void> client_cache::delete_client(std::string_view id) {
  auto r = inner_.delete_client(id);
  invalidate();
  return r;
}

void client_cache::invalidate() {
  std::unique_lock lk(mu_);
  entries_.clear();
}
}  // namespace authplane::services
