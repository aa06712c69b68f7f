#include <authplane/core/random.hpp>
#include <authplane/sdk/guard.hpp>
#include <authplane/sdk/token_cache.hpp>

#include <sodium.h>

#include <cstdlib>
#include <cstring>

namespace authplane::sdk {

token_cache::token_cache(std::size_t max_entries) : max_(max_entries) {
  static_assert(sizeof(secret_) == crypto_shorthash_siphashx24_KEYBYTES);
  if (sodium_init() < 0) std::abort();  // idempotent; fails only when libsodium cannot work at all
  const std::string k = random_bytes(sizeof(secret_));
  std::memcpy(secret_, k.data(), sizeof(secret_));
}

// SipHash-2-4 with 128-bit output under a per-cache random key: a keyed PRF, so nobody without
// the key can craft a token that lands on another token's entry, at a third of SHA-256's cost.
token_cache::key token_cache::key_of(std::string_view token) const {
  unsigned char out[crypto_shorthash_siphashx24_BYTES];
  crypto_shorthash_siphashx24(out, reinterpret_cast<const unsigned char*>(token.data()), token.size(), secret_);
  key k;
  std::memcpy(&k.hi, out, 8);
  std::memcpy(&k.lo, out + 8, 8);
  return k;
}

std::shared_ptr<const verified_claims> token_cache::find(std::string_view token, std::int64_t now) {
  if (max_ == 0) return nullptr;
  const key k = key_of(token);
  std::lock_guard lk(mu_);
  auto it = index_.find(k);
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
  const key k = key_of(token);
  std::lock_guard lk(mu_);
  if (auto it = index_.find(k); it != index_.end()) {
    it->second->claims = std::move(claims);
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  if (index_.size() >= max_) {
    for (auto it = lru_.begin(); it != lru_.end();) {
      if (now >= it->claims->expires_at) {
        index_.erase(it->k);
        it = lru_.erase(it);
      } else {
        ++it;
      }
    }
    while (index_.size() >= max_) {
      index_.erase(lru_.back().k);
      lru_.pop_back();
    }
  }
  lru_.push_front(entry{k, std::move(claims)});
  index_.emplace(k, lru_.begin());
}

std::size_t token_cache::size() const {
  std::lock_guard lk(mu_);
  return index_.size();
}

}  // namespace authplane::sdk
