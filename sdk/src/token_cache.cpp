#include <authplane/crypto/hash.hpp>
#include <authplane/sdk/guard.hpp>
#include <authplane/sdk/token_cache.hpp>

namespace authplane::sdk {

token_cache::token_cache(std::size_t max_entries) : max_(max_entries) {}

std::shared_ptr<const verified_claims> token_cache::find(std::string_view token, std::int64_t now) {
  if (max_ == 0) return nullptr;
  const std::string key = crypto::sha256(token);
  std::lock_guard lk(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
  if (now >= it->second->claims->expires_at) {
    lru_.erase(it->second);
    index_.erase(it);
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->claims;
}

void token_cache::insert(std::string_view token, std::shared_ptr<const verified_claims> claims, std::int64_t now) {
  if (max_ == 0 || !claims || now >= claims->expires_at) return;
  std::string key = crypto::sha256(token);
  std::lock_guard lk(mu_);
  if (auto it = index_.find(key); it != index_.end()) {
    it->second->claims = std::move(claims);
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  if (index_.size() >= max_) {
    for (auto it = lru_.begin(); it != lru_.end();) {
      if (now >= it->claims->expires_at) {
        index_.erase(it->key);
        it = lru_.erase(it);
      } else {
        ++it;
      }
    }
    while (index_.size() >= max_) {
      index_.erase(lru_.back().key);
      lru_.pop_back();
    }
  }
  lru_.push_front(entry{key, std::move(claims)});
  index_.emplace(std::move(key), lru_.begin());
}

std::size_t token_cache::size() const {
  std::lock_guard lk(mu_);
  return index_.size();
}

}  // namespace authplane::sdk
