// Input ports: use cases the API layer calls. Implemented in server/services; the composition
// root (apps/authserver) wires concrete objects. All methods are thread-safe.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "authplane/core/result.hpp"
#include "authplane/domain/entities.hpp"

namespace authplane::ports {

// Client secrets: 256-bit random values; only a keyed hash (HMAC-SHA256 with the server's
// pepper) is stored, compared in constant time.
class client_secrets {
 public:
  virtual ~client_secrets() = default;
  struct generated {
    std::string secret;  // shown once to the operator, never stored or logged
    std::string hash;    // "hs256$..." for domain::client::secret_hash
  };
  virtual generated generate() = 0;
  virtual bool verify(std::string_view secret, std::string_view stored_hash) const = 0;
};

struct key_info {
  std::string kid;
  std::string alg;
  std::string use = "sig";
  std::string status;  // "current" | "previous"
  std::int64_t created_at = 0;
};

// Signing keys as the admin API sees them.
class key_manager {
 public:
  virtual ~key_manager() = default;
  virtual std::vector<key_info> list_keys() const = 0;
  // Generates a fresh key of the configured algorithm, makes it current at once and keeps the
  // previous one in the JWKS. Returns the new key.
  virtual result<key_info> rotate_key() = 0;
};

}  // namespace authplane::ports
