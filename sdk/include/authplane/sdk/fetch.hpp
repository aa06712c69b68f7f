// Outbound document fetches with an SSRF guard (shared/reference/sdk.md §1.4): the metadata and
// JWKS of the issuer are fetched only over https (http when allowed), only from addresses the
// policy allows, pinned to the checked addresses, without redirects, with a timeout and a cap.
//   auto s = sdk::effective_fetch_settings(opts, std::nullopt);  // production unless dev mode
//   auto f = std::make_shared<sdk::https_document_fetcher>(s, sdk::jwks_max_bytes);
//   auto doc = f->get("https://as.example/jwks");                 // errc::ssrf_blocked, ...
#pragma once
#include <authplane/core/result.hpp>
#include <authplane/sdk/keys.hpp>
#include <authplane/sdk/options.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace authplane::sdk {

inline constexpr std::size_t metadata_max_bytes = 131'072;  // 128 KiB
inline constexpr std::size_t jwks_max_bytes = 65'536;       // 64 KiB

struct fetch_settings {
  bool allow_http = false;              // http:// besides https://
  bool allow_localhost = false;         // 127.0.0.0/8, ::1
  bool allow_private_networks = false;  // 10/8, 172.16/12, 192.168/16, fc00::/7
  std::chrono::milliseconds timeout{10'000};  // the whole fetch, every address included
  std::string ca_file;  // PEM trust anchors replacing the system store (tests, private CAs)

  // Dev mode: http, loopback and private ranges allowed; every other block stays.
  static fetch_settings dev();
};

// An explicit object wins; otherwise dev() when o.dev_mode or AUTHPLANE_DEV_MODE, else the
// production defaults.
fetch_settings effective_fetch_settings(const options& o, const std::optional<fetch_settings>& explicit_settings);

// The IP policy. Always refused: link-local (169.254/16 — so 169.254.169.254 — and fe80::/10),
// unspecified, multicast, CGNAT 100.64/10, documentation, benchmarking and other reserved or
// non-global ranges, unparsable text. Loopback needs allow_localhost, RFC 1918 and fc00::/7 need
// allow_private_networks. IPv4-mapped (::ffff:0:0/96), 6to4 (2002::/16), NAT64 (64:ff9b::/96)
// and Teredo (2001::/32; server and client) addresses are judged by their embedded IPv4.
bool address_allowed(std::string_view ip, const fetch_settings& s);

// errc::ssrf_blocked unless the URL is https (or http with allow_http) with a host.
error_code check_fetch_url(std::string_view url, const fetch_settings& s);

// document_fetcher over http::fetch with the policy above: sends Accept: application/json;
// a 2xx body that is not JSON counts as a failure of that address (the next one is tried);
// non-2xx responses are returned as documents. Errors: ssrf_blocked, response_too_large, or
// the transport error of the last address tried (timed_out, connection_refused, TLS errors).
// Thread-safe (no shared state).
class https_document_fetcher final : public document_fetcher {
 public:
  https_document_fetcher(fetch_settings s, std::size_t max_bytes);
  result<fetched_document> get(std::string_view url) override;

 private:
  fetch_settings settings_;
  std::size_t max_bytes_;
};

}  // namespace authplane::sdk
