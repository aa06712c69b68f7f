// Cryptographically secure randomness from the kernel (getrandom(2)).
//   std::string id = random_token(16);   // 16 random bytes, base64url: 22 characters
#pragma once
#include <cstddef>
#include <string>

namespace authplane {
// n random bytes. Aborts the process if the kernel cannot supply them (never silently weak).
std::string random_bytes(std::size_t n);
// n random bytes encoded base64url (no padding).
std::string random_token(std::size_t n);
// random_token(n) that never starts with '-', for identifiers people type as command-line
// arguments (a leading '-' reads as an option: `authserver admin client suspend -Xy…`).
std::string random_identifier(std::size_t n);
}  // namespace authplane
