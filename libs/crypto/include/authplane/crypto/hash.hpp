// One-shot digests and HMAC over byte strings (std::string as a byte container).
//   std::string d = crypto::sha256("abc");                   // 32 raw bytes
//   std::string m = crypto::hmac_sha256(key, message);       // 32 raw bytes
// All functions are thread-safe and allocate only the result.
#pragma once
#include <string>
#include <string_view>

namespace authplane::crypto {
std::string sha256(std::string_view data);
std::string sha384(std::string_view data);
std::string sha512(std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);
}  // namespace authplane::crypto
