// ASCII case folding for protocol text (schemes, hosts, header values, emails as keys): only
// A-Z change, independent of the C++ locale.
#pragma once
#include <string>
#include <string_view>

namespace authplane {
inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}
}  // namespace authplane
