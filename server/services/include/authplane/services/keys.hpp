// The signing keys in memory: the current key signs, every loaded key verifies and is
// published in the JWKS. Rotation swaps an immutable snapshot atomically.
//   signing_keys keys{store, "ES256", clock};
//   if (auto r = keys.init(); !r) ...;        // loads, or generates the first key
//   auto snap = keys.snapshot();              // shared_ptr<const key_set>
#pragma once
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "authplane/core/clock.hpp"
#include "authplane/core/result.hpp"
#include "authplane/crypto/crypto.hpp"
#include "authplane/jose/jose.hpp"
#include "authplane/ports/services.hpp"
#include "authplane/ports/stores.hpp"
#include "authplane/services/throttle.hpp"

namespace authplane::services {

struct key_set {
  std::shared_ptr<const crypto::private_key> signer;  // current key
  std::string kid;
  jose::alg alg;
  jose::jwks verify_keys;   // current + previous (public)
  std::string jwks_json;    // served at /.well-known/jwks.json
  std::vector<ports::key_info> infos;
};

class signing_keys final : public ports::key_manager {
 public:
  signing_keys(ports::key_store& store, std::string algorithm, const clock& clk,
               std::chrono::milliseconds recheck = std::chrono::milliseconds(1000))
      : store_(store), algorithm_(std::move(algorithm)), clock_(clk), recheck_enabled_(recheck.count() > 0), recheck_(recheck) {}
  // Loads the stored keys; generates and stores the first key when there is none.
  result<void> init();
  // The current keys. At most every `recheck` the store is re-read, so a key rotated by another
  // process (`authserver admin key rotate`) is picked up without a restart.
  std::shared_ptr<const key_set> snapshot() const;

  std::vector<ports::key_info> list_keys() const override;
  result<ports::key_info> rotate_key() override;

 private:
  result<void> reload();
  ports::key_store& store_;
  std::string algorithm_;
  const clock& clock_;
  bool recheck_enabled_;
  mutable throttle recheck_;
  mutable std::mutex rotate_mu_;
  std::shared_ptr<const key_set> set_;
};
}  // namespace authplane::services
