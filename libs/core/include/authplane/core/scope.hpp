// OAuth scope strings (RFC 6749 §3.3): space-delimited, case-sensitive, order-insensitive.
//   auto v = split_scopes("a b  c");        // {"a","b","c"}, duplicates removed, order kept
//   join_scopes(v) == "a b c";  scopes_subset({"a"}, v) == true;
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace authplane {
std::vector<std::string> split_scopes(std::string_view s);
std::string join_scopes(const std::vector<std::string>& scopes);
// Every element of `want` is in `have`.
bool scopes_subset(const std::vector<std::string>& want, const std::vector<std::string>& have);
// RFC 6749 §3.3 scope-token: 1*( %x21 / %x23-5B / %x5D-7E ).
bool valid_scope_token(std::string_view token);
}  // namespace authplane
