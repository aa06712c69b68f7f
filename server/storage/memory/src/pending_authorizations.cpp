#include "authplane/storage/memory/pending_authorizations.hpp"

#include "authplane/core/random.hpp"

namespace authplane::storage::memory {

std::string pending_authorizations::put(ports::pending_authorization p, std::int64_t now) {
  p.id = random_token(16);
  p.expires_at = now + ttl_;
  std::lock_guard lk(mu_);
  if (items_.size() >= max_) {
    for (auto it = items_.begin(); it != items_.end();) {
      if (it->second.expires_at <= now) it = items_.erase(it);
      else ++it;
    }
    if (items_.size() >= max_) {
      auto soonest = items_.begin();
      for (auto it = items_.begin(); it != items_.end(); ++it)
        if (it->second.expires_at < soonest->second.expires_at) soonest = it;
      items_.erase(soonest);
    }
  }
  std::string id = p.id;
  items_.emplace(id, std::move(p));
  return id;
}

std::optional<ports::pending_authorization> pending_authorizations::find(std::string_view id, std::int64_t now) {
  std::lock_guard lk(mu_);
  auto it = items_.find(std::string(id));
  if (it == items_.end()) return std::nullopt;
  if (it->second.expires_at <= now) {
    items_.erase(it);
    return std::nullopt;
  }
  return it->second;
}

void pending_authorizations::erase(std::string_view id) {
  std::lock_guard lk(mu_);
  items_.erase(std::string(id));
}

}  // namespace authplane::storage::memory
