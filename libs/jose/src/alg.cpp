#include "authplane/jose/alg.hpp"

#include "internal.hpp"

#include <array>

namespace authplane::jose {
namespace {
constexpr std::array<std::string_view, 10> names = {"ES256", "ES384", "ES512", "RS256", "RS384",
                                                    "RS512", "PS256", "PS384", "PS512", "EdDSA"};
}

std::optional<alg> alg_from_string(std::string_view s) noexcept {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == s) return static_cast<alg>(i);
  }
  return std::nullopt;
}

std::string_view to_string(alg a) noexcept {
  auto i = static_cast<std::size_t>(a);
  return i < names.size() ? names[i] : std::string_view{};
}

namespace detail {
bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    unsigned char x = static_cast<unsigned char>(a[i]);
    unsigned char y = static_cast<unsigned char>(b[i]);
    if (x >= 'A' && x <= 'Z') x = static_cast<unsigned char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<unsigned char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

const boost::json::string* get_string(const boost::json::object& o, std::string_view name) noexcept {
  const boost::json::value* v = o.if_contains(name);
  return v ? v->if_string() : nullptr;
}
}  // namespace detail
}  // namespace authplane::jose
