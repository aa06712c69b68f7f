#include "authplane/storage/memory/replay_cache.hpp"

#include <algorithm>
#include <functional>
#include <limits>
#include <mutex>
#include <string>
#include <unordered_map>

namespace authplane::storage::memory {

namespace {
struct text_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
}  // namespace

struct replay_cache::shard {
  mutable std::mutex mu;
  std::unordered_map<std::string, std::int64_t, text_hash, std::equal_to<>> keys;
};

replay_cache::replay_cache(std::size_t max_entries)
    : per_shard_(std::max<std::size_t>(1, (max_entries + shard_count - 1) / shard_count)),
      shards_(std::make_unique<shard[]>(shard_count)) {}

replay_cache::~replay_cache() = default;

bool replay_cache::insert_if_absent(std::string_view key, std::int64_t expires_at, std::int64_t now) {
  // The shard comes from different hash bits than the bucket inside the map.
  std::size_t h = text_hash{}(key);
  shard& s = shards_[(h >> 56) % shard_count];
  std::lock_guard lk(s.mu);
  auto it = s.keys.find(key);
  if (it != s.keys.end()) {
    if (it->second > now) return false;  // live: a replay
    it->second = expires_at;             // expired: absent, record afresh
    return true;
  }
  if (s.keys.size() >= per_shard_) {
    std::erase_if(s.keys, [now](const auto& kv) { return kv.second <= now; });
    if (s.keys.size() >= per_shard_) {
      auto soonest = s.keys.begin();
      for (auto i = s.keys.begin(); i != s.keys.end(); ++i)
        if (i->second < soonest->second) soonest = i;
      s.keys.erase(soonest);
    }
  }
  s.keys.emplace(std::string(key), expires_at);
  return true;
}

std::size_t replay_cache::size() const {
  std::size_t n = 0;
  for (std::size_t i = 0; i < shard_count; ++i) {
    std::lock_guard lk(shards_[i].mu);
    n += shards_[i].keys.size();
  }
  return n;
}

}  // namespace authplane::storage::memory
