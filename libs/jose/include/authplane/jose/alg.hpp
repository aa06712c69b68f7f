// The JWS algorithms AuthPlane accepts, and allow-lists of them.
//   jose::alg_set allowed{jose::alg::ES256, jose::alg::EdDSA};
//   if (auto a = jose::alg_from_string("ES256"); a && allowed.contains(*a)) { ... }
// "none" and the HMAC algorithms have no enumerator on purpose: they can never be allowed.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>

namespace authplane::jose {

enum class alg : std::uint8_t { ES256, ES384, ES512, RS256, RS384, RS512, PS256, PS384, PS512, EdDSA };

// Exact, case-sensitive match of the registered names (RFC 7518 §3.1, RFC 8037 §3.1).
std::optional<alg> alg_from_string(std::string_view s) noexcept;
std::string_view to_string(alg a) noexcept;

class alg_set {
 public:
  constexpr alg_set() noexcept = default;
  constexpr alg_set(std::initializer_list<alg> l) noexcept {
    for (alg a : l) bits_ |= bit(a);
  }
  static constexpr alg_set all() noexcept {
    return {alg::ES256, alg::ES384, alg::ES512, alg::RS256, alg::RS384,
            alg::RS512, alg::PS256, alg::PS384, alg::PS512, alg::EdDSA};
  }
  constexpr bool contains(alg a) const noexcept { return (bits_ & bit(a)) != 0; }
  constexpr alg_set& insert(alg a) noexcept {
    bits_ |= bit(a);
    return *this;
  }
  constexpr alg_set& erase(alg a) noexcept {
    bits_ &= static_cast<std::uint16_t>(~bit(a));
    return *this;
  }
  constexpr bool empty() const noexcept { return bits_ == 0; }
  constexpr bool operator==(const alg_set&) const noexcept = default;

 private:
  static constexpr std::uint16_t bit(alg a) noexcept {
    return static_cast<std::uint16_t>(1u << static_cast<unsigned>(a));
  }
  std::uint16_t bits_ = 0;
};

}  // namespace authplane::jose
