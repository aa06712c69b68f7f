// Which IP addresses an outbound fetch may connect to (SSRF guard). One policy shared by the
// resource-server SDK (issuer metadata, JWKS) and the authorization server (client ID metadata
// documents), so the blocked ranges cannot drift apart.
//
//   http::fetch_options o;
//   o.allow_address = [](std::string_view ip) { return http::address_allowed(ip, {}); };
//   http::address_allowed("10.0.0.1", {.allow_private_networks = true});  // true
#pragma once
#include <string_view>

namespace authplane::http {

struct address_policy {
  bool allow_localhost = false;         // 127.0.0.0/8, ::1
  bool allow_private_networks = false;  // 10/8, 172.16/12, 192.168/16, fc00::/7
};

// `ip` is the textual form of one address ("203.0.113.7", "2001:db8::1", an optional IPv6 zone
// id is ignored). Always refused, whatever the policy: link-local (169.254/16, so the cloud
// metadata service 169.254.169.254, and fe80::/10), unspecified (0/8, ::), CGNAT 100.64/10,
// IETF assignments 192.0.0/24, documentation (192.0.2/24, 198.51.100/24, 203.0.113/24,
// 2001:db8::/32), benchmarking 198.18/15, multicast (224/4, ff00::/8), reserved 240/4, every
// IPv6 address outside 2000::/3 other than ::1 and fc00::/7, and text that is not an address.
// IPv4-mapped (::ffff:0:0/96), NAT64 (64:ff9b::/96), 6to4 (2002::/16) and Teredo (2001::/32,
// both embedded addresses) are judged by the IPv4 address they carry.
// Thread-safe (pure).
bool address_allowed(std::string_view ip, const address_policy& policy);

}  // namespace authplane::http
