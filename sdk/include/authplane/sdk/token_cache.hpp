// Bounded cache of verified access tokens keyed by a keyed 128-bit hash of the token (SipHash-2-4
// under a random per-cache key; the token itself is not stored), so a repeated token
// costs a lookup instead of a signature check. Entries are never returned at or after `exp`.
//   sdk::token_cache cache(10'000);
//   if (auto c = cache.find(token, now)) use(*c); else cache.insert(token, claims, now);
#pragma once
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace authplane::sdk {

struct verified_claims;

class token_cache {
 public:
  explicit token_cache(std::size_t max_entries);
  // The cached claims when present and now < expires_at; a hit becomes most recently used.
  std::shared_ptr<const verified_claims> find(std::string_view token, std::int64_t now);
  // Stores claims until claims->expires_at; evicts expired then least recently used entries.
  void insert(std::string_view token, std::shared_ptr<const verified_claims> claims, std::int64_t now);
  std::size_t size() const;

 private:
  struct key {
    std::uint64_t hi = 0, lo = 0;
    bool operator==(const key&) const = default;
  };
  struct key_hash {
    std::size_t operator()(const key& k) const noexcept { return static_cast<std::size_t>(k.hi); }
  };
  struct entry {
    key k;
    std::shared_ptr<const verified_claims> claims;
  };
  key key_of(std::string_view token) const;

  unsigned char secret_[16];
  std::size_t max_;
  mutable std::mutex mu_;
  std::list<entry> lru_;  // front = most recent
  std::unordered_map<key, std::list<entry>::iterator, key_hash> index_;
};

}  // namespace authplane::sdk
