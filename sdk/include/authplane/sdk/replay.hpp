// DPoP proof replay store (RFC 9449 §11.1): remembers a proof identifier until it expires.
//   sdk::memory_replay_store store(100'000);
//   if (!store.check_and_store(jkt + ":" + jti, iat + max_age + leeway, now)) refuse();
// check_and_store is atomic: of N concurrent calls with the same key exactly one returns true.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace authplane::sdk {

class replay_store {
 public:
  virtual ~replay_store() = default;
  // True the first time `key` is seen (it is then kept until expires_at); false for a replay.
  virtual bool check_and_store(std::string_view key, std::int64_t expires_at, std::int64_t now) = 0;
};

// 16 mutex-guarded shards. Expired entries are swept when a shard fills; when a shard is still
// full, the entry expiring first is evicted (so the store never refuses a fresh proof and never
// grows past max_entries).
class memory_replay_store final : public replay_store {
 public:
  explicit memory_replay_store(std::size_t max_entries = 100'000);
  bool check_and_store(std::string_view key, std::int64_t expires_at, std::int64_t now) override;
  std::size_t size() const;

 private:
  struct shard {
    mutable std::mutex mu;
    std::unordered_map<std::string, std::int64_t> entries;
  };
  std::size_t per_shard_;
  std::vector<std::unique_ptr<shard>> shards_;
};

}  // namespace authplane::sdk
