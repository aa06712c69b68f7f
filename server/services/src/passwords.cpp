#include "authplane/services/passwords.hpp"

#include <sodium.h>

#include <cstdlib>
#include <string>

#include "authplane/core/log.hpp"
#include "authplane/domain/error.hpp"

namespace authplane::services {
namespace {
void ensure_sodium() {
  // Idempotent and thread-safe; fails only when libsodium cannot work at all.
  static const bool ok = sodium_init() >= 0;
  if (!ok) std::abort();
}

// crypto_pwhash_str* read a NUL-terminated string.
bool is_phc_string(std::string_view s) { return !s.empty() && s.size() < crypto_pwhash_STRBYTES; }
}  // namespace

argon2id_cost argon2id_cost::interactive() {
  return {crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE, crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE};
}

argon2id_cost argon2id_cost::minimum() {
  return {crypto_pwhash_argon2id_OPSLIMIT_MIN, crypto_pwhash_argon2id_MEMLIMIT_MIN};
}

argon2id_passwords::argon2id_passwords(argon2id_cost cost) : cost_(cost) { ensure_sodium(); }

result<std::string> argon2id_passwords::hash(std::string_view password) const {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_argon2id_str(out, password.data(), password.size(), cost_.opslimit, cost_.memlimit) != 0) {
    log::error("passwords.hash_failed", {{"memlimit", std::to_string(cost_.memlimit)}});
    return make_error_code(domain::errc::storage_failure);
  }
  return std::string(out);
}

bool argon2id_passwords::verify(std::string_view password, std::string_view stored_hash) const {
  if (!is_phc_string(stored_hash)) return false;
  std::string h(stored_hash);  // NUL-terminated copy
  return crypto_pwhash_argon2id_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

bool argon2id_passwords::needs_rehash(std::string_view stored_hash) const {
  if (!is_phc_string(stored_hash)) return true;
  std::string h(stored_hash);
  // 0 = same algorithm and parameters; 1 = other parameters; -1 = not an Argon2id string.
  return crypto_pwhash_argon2id_str_needs_rehash(h.c_str(), cost_.opslimit, cost_.memlimit) != 0;
}

}  // namespace authplane::services
