#include <authplane/sdk/replay.hpp>

#include <functional>

namespace authplane::sdk {

namespace {
constexpr std::size_t shard_count = 16;
}

memory_replay_store::memory_replay_store(std::size_t max_entries)
    : per_shard_(max_entries / shard_count > 0 ? max_entries / shard_count : 1) {
  shards_.reserve(shard_count);
  for (std::size_t i = 0; i < shard_count; ++i) shards_.push_back(std::make_unique<shard>());
}

bool memory_replay_store::check_and_store(std::string_view key, std::int64_t expires_at, std::int64_t now) {
  shard& s = *shards_[std::hash<std::string_view>{}(key) % shard_count];
  std::lock_guard lk(s.mu);
  auto it = s.entries.find(std::string(key));
  if (it != s.entries.end()) {
    if (it->second > now) return false;  // still inside its window: a replay
    it->second = expires_at;             // expired entry: the key may be used again
    return true;
  }
  if (s.entries.size() >= per_shard_) {
    std::erase_if(s.entries, [now](const auto& e) { return e.second <= now; });
    if (s.entries.size() >= per_shard_) {
      auto oldest = s.entries.begin();
      for (auto e = s.entries.begin(); e != s.entries.end(); ++e)
        if (e->second < oldest->second) oldest = e;
      s.entries.erase(oldest);
    }
  }
  s.entries.emplace(std::string(key), expires_at);
  return true;
}

std::size_t memory_replay_store::size() const {
  std::size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lk(s->mu);
    n += s->entries.size();
  }
  return n;
}

}  // namespace authplane::sdk
