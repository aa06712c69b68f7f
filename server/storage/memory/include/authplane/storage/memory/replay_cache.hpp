// Bounded in-process replay cache (ports::replay_cache) for single-use markers such as DPoP
// proof jti values.
//
//   storage::memory::replay_cache seen{100'000};
//   if (!seen.insert_if_absent(jti, iat + 60, now)) return replayed;
//
// 16 shards, each a mutex-protected hash map key → expires_at holding at most max_entries / 16
// keys. A key whose expires_at <= now counts as absent (and is replaced). When a shard is full
// it first drops its expired keys; if it is still full it evicts the key that expires soonest
// (a linear scan of the shard, only under a flood of distinct live keys). It never refuses an
// insert: refusing would read as "replay" and reject honest requests. The price of the bound is
// that under such a flood an evicted marker could be replayed; size max_entries for the peak
// rate × lifetime (e.g. 1,000 proofs/s × 60 s = 60,000). Single process only.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "authplane/ports/stores.hpp"

namespace authplane::storage::memory {

class replay_cache final : public ports::replay_cache {
 public:
  static constexpr std::size_t shard_count = 16;
  explicit replay_cache(std::size_t max_entries = 100'000);
  ~replay_cache() override;
  replay_cache(const replay_cache&) = delete;
  replay_cache& operator=(const replay_cache&) = delete;

  bool insert_if_absent(std::string_view key, std::int64_t expires_at, std::int64_t now) override;

  // Keys held (live or not yet purged). For tests and metrics.
  std::size_t size() const;
  std::size_t capacity() const noexcept { return per_shard_ * shard_count; }

 private:
  struct shard;
  std::size_t per_shard_;
  std::unique_ptr<shard[]> shards_;
};

}  // namespace authplane::storage::memory
