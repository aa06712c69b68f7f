// Input ports: use cases the API layer calls. Implemented in server/services; the composition
// root (apps/authserver) wires concrete objects. All methods are thread-safe.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "authplane/core/random.hpp"
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

// Makes a validated client new (admin API and DCR): a random id, active, version 1, issued and
// updated `now`, from `source`; a confidential client gets a fresh secret of which only the keyed
// hash is kept on `c`. Returns that secret, to be shown once ("" for a public client).
inline std::string admit_new_client(domain::client& c, std::string source, std::int64_t now, client_secrets& secrets) {
  c.id = random_identifier(16);
  c.status = domain::client_status::active;
  c.registration_source = std::move(source);
  c.issued_at = c.updated_at = now;
  c.version = 1;
  if (c.is_public()) return {};
  auto gen = secrets.generate();
  c.secret_hash = std::move(gen.hash);
  return std::move(gen.secret);
}

// User passwords: a slow, salted, memory-hard hash (PHC string). Unlike client secrets these
// are chosen by people, so the cost of each guess is what protects a stolen database.
class password_hasher {
 public:
  // Length bounds in bytes, enforced where passwords are set. 8 keeps out the trivially
  // guessable; 1024 bounds what an unauthenticated sign-in request can make the server hash.
  static constexpr std::size_t min_bytes = 8;
  static constexpr std::size_t max_bytes = 1024;

  virtual ~password_hasher() = default;
  // Fails only when the hash cannot be computed (the memory limit cannot be allocated).
  virtual result<std::string> hash(std::string_view password) const = 0;
  // Constant-time on the hash comparison; false for malformed stored hashes.
  virtual bool verify(std::string_view password, std::string_view stored_hash) const = 0;
  // True when `stored_hash` was made with other parameters than the current ones (rehash on
  // the next successful sign-in).
  virtual bool needs_rehash(std::string_view stored_hash) const = 0;
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
