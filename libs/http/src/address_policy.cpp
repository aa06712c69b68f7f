// The SSRF address policy (see address_policy.hpp). Client-supplied URLs (client ID metadata
// documents) and fetched metadata must not be able to point our fetches at the host's own
// network: the cloud metadata service, admin ports, private services.
#include "authplane/http/address_policy.hpp"

#include <arpa/inet.h>

#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>

namespace authplane::http {
namespace {

using v4 = std::array<std::uint8_t, 4>;
using v6 = std::array<std::uint8_t, 16>;

enum class verdict { allowed, loopback, private_net, blocked };

bool in4(const v4& a, std::uint8_t b0, std::uint8_t b1, int prefix) {
  std::uint32_t x = (std::uint32_t{a[0]} << 24) | (std::uint32_t{a[1]} << 16) | (std::uint32_t{a[2]} << 8) | a[3];
  std::uint32_t net = (std::uint32_t{b0} << 24) | (std::uint32_t{b1} << 16);
  std::uint32_t mask = prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix);
  return (x & mask) == (net & mask);
}

bool in4(const v4& a, std::uint8_t b0, std::uint8_t b1, std::uint8_t b2, int prefix) {
  if (!in4(a, b0, b1, 16)) return false;
  return prefix <= 16 || (a[2] >> (24 - prefix)) == (b2 >> (24 - prefix));
}

verdict classify4(const v4& a) {
  if (in4(a, 169, 254, 16)) return verdict::blocked;  // link-local, incl. 169.254.169.254
  if (in4(a, 127, 0, 8)) return verdict::loopback;
  if (in4(a, 10, 0, 8) || in4(a, 172, 16, 12) || in4(a, 192, 168, 16)) return verdict::private_net;
  // Not globally routable: "this network", CGNAT, IETF assignments, documentation,
  // benchmarking, multicast, reserved and broadcast.
  if (in4(a, 0, 0, 8) || in4(a, 100, 64, 10) || in4(a, 192, 0, 0, 24) || in4(a, 192, 0, 2, 24) ||
      in4(a, 198, 18, 15) || in4(a, 198, 51, 100, 24) || in4(a, 203, 0, 113, 24) || in4(a, 224, 0, 4) ||
      in4(a, 240, 0, 4)) {
    return verdict::blocked;
  }
  return verdict::allowed;
}

bool starts6(const v6& a, std::initializer_list<std::uint8_t> prefix) {
  std::size_t i = 0;
  for (auto b : prefix) {
    if (a[i++] != b) return false;
  }
  return true;
}

v4 embedded4(const v6& a, std::size_t at) { return {a[at], a[at + 1], a[at + 2], a[at + 3]}; }

// Teredo carries two IPv4 addresses: both must pass, so mixed restricted classes are refused.
verdict stricter(verdict x, verdict y) {
  if (x == y || y == verdict::allowed) return x;
  return x == verdict::allowed ? y : verdict::blocked;
}

verdict classify6(const v6& a) {
  static constexpr v6 loopback{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  if (a == loopback) return verdict::loopback;
  if (starts6(a, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff})) return classify4(embedded4(a, 12));  // mapped
  if (starts6(a, {0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0})) return classify4(embedded4(a, 12));  // NAT64
  if (starts6(a, {0x20, 0x02})) return classify4(embedded4(a, 2));  // 6to4
  if (starts6(a, {0x20, 0x01, 0x00, 0x00})) {  // Teredo: server, then the client obfuscated by XOR
    v4 client = embedded4(a, 12);
    for (auto& b : client) b = static_cast<std::uint8_t>(~b);
    return stricter(classify4(embedded4(a, 4)), classify4(client));
  }
  if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) return verdict::blocked;  // link-local fe80::/10
  if ((a[0] & 0xfe) == 0xfc) return verdict::private_net;               // unique local fc00::/7
  if (starts6(a, {0x20, 0x01, 0x0d, 0xb8})) return verdict::blocked;    // documentation
  if (starts6(a, {0x20, 0x01}) && a[2] < 0x02) return verdict::blocked;  // IETF protocol 2001::/23
  // Global unicast is 2000::/3; everything else (unspecified, multicast ff00::/8, IPv4-compatible,
  // discard, site-local, reserved) is refused.
  return (a[0] & 0xe0) == 0x20 ? verdict::allowed : verdict::blocked;
}

std::optional<verdict> classify(std::string_view ip) {
  std::string text(ip.substr(0, ip.find('%')));  // drop an IPv6 zone id
  v4 a4;
  if (inet_pton(AF_INET, text.c_str(), a4.data()) == 1) return classify4(a4);
  v6 a6;
  if (inet_pton(AF_INET6, text.c_str(), a6.data()) == 1) return classify6(a6);
  return std::nullopt;
}
}  // namespace

bool address_allowed(std::string_view ip, const address_policy& policy) {
  auto v = classify(ip);
  if (!v) return false;
  switch (*v) {
    case verdict::allowed: return true;
    case verdict::loopback: return policy.allow_localhost;
    case verdict::private_net: return policy.allow_private_networks;
    case verdict::blocked: return false;
  }
  return false;
}

}  // namespace authplane::http
