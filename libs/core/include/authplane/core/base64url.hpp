// base64url without padding (RFC 4648 §5), as JOSE uses it (RFC 7515 §2).
//   std::string s = base64url_encode(bytes);
//   std::optional<std::string> b = base64url_decode(s);   // nullopt on any invalid input
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace authplane {
std::string base64url_encode(std::string_view bytes);
// Strict: rejects padding, characters outside the url-safe alphabet, impossible lengths
// (len % 4 == 1) and non-zero trailing bits, so one token has exactly one encoding.
std::optional<std::string> base64url_decode(std::string_view text);
// Every character is in the url-safe alphabet [A-Za-z0-9_-] (no length or trailing-bit check).
bool base64url_alphabet_only(std::string_view text);
// Standard base64 with padding (RFC 4648 §4), used by HTTP Basic auth.
std::optional<std::string> base64_decode(std::string_view text);
std::string base64_encode(std::string_view bytes);
}  // namespace authplane
