// User passwords hashed with Argon2id (libsodium's crypto_pwhash_str: random 16-byte salt, PHC
// string output "$argon2id$v=19$m=<KiB>,t=<ops>,p=1$<salt>$<hash>").
//
//   argon2id_passwords pw;                        // interactive cost: t=2, m=64 MiB
//   auto h = pw.hash(password);                   // store *h
//   if (pw.verify(presented, *h) && pw.needs_rehash(*h)) store(*pw.hash(presented));
//
// Cost. libsodium's "interactive" limits (2 passes over 64 MiB, about 50-100 ms on one core)
// are the server default: a sign-in is an occasional, human-paced request, and each guess
// against a stolen database costs an attacker the same 64 MiB and time. Concurrent hashes each
// hold their memory, so N simultaneous sign-ins need N x 64 MiB (the login rate limiter and
// lockout bound N). Tests pass the libsodium minimums to stay fast.
#pragma once
#include <cstddef>
#include <cstdint>

#include "authplane/ports/services.hpp"

namespace authplane::services {

struct argon2id_cost {
  std::uint64_t opslimit;  // passes (t)
  std::size_t memlimit;    // bytes (m)
  static argon2id_cost interactive();  // t=2, m=64 MiB
  static argon2id_cost minimum();      // t=1, m=8 KiB: tests only
};

class argon2id_passwords final : public ports::password_hasher {
 public:
  explicit argon2id_passwords(argon2id_cost cost = argon2id_cost::interactive());
  result<std::string> hash(std::string_view password) const override;
  bool verify(std::string_view password, std::string_view stored_hash) const override;
  bool needs_rehash(std::string_view stored_hash) const override;

 private:
  argon2id_cost cost_;
};

}  // namespace authplane::services
