// Small synchronous HTTP/1.1 client for http:// and https://. One request per connection
// (sends "Connection: close" unless the caller sets Connection); redirects are never followed
// (a 3xx is returned as is).
//
//   auto r = http::fetch("POST", "https://as.example/oauth/token",
//                        {{{"Content-Type", "application/x-www-form-urlencoded"}}}, "grant_type=...", 5s);
//   http::fetch_options o{.timeout = 10s, .max_response_bytes = 65536,
//                         .allow_address = [](std::string_view ip) { return ip != "169.254.169.254"; }};
//   auto doc = http::fetch("GET", "https://as.example/jwks", {}, "", o);
//   if (doc && doc->status == 200) ...
//
// HTTPS: OpenSSL 3, TLS >= 1.2, the peer certificate is verified against the system default CA
// paths (or only against `ca_file` when set), with SNI and host-name verification on the URL's
// host name, also when connecting to a resolved IP.
#pragma once
#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "authplane/core/result.hpp"
#include "authplane/http/message.hpp"

namespace authplane::http {

struct client_response {
  int status = 0;
  header_list headers;
  std::string body;
};

struct fetch_options {
  // The whole exchange: resolution, every connection attempt, TLS handshakes, request, response.
  std::chrono::milliseconds timeout{10'000};
  // Response body cap, checked against Content-Length before reading and while reading.
  std::size_t max_response_bytes = 4 * 1024 * 1024;
  // Called with every resolved address ("203.0.113.7", "2001:db8::1") before any connection;
  // one refusal refuses the whole fetch. Empty = every address allowed.
  std::function<bool(std::string_view ip)> allow_address;
  // Called for each 2xx response; false treats it like a transport failure of that address
  // (the next resolved address is tried). Empty = every response accepted.
  std::function<bool(const client_response&)> accept_response;
  // Addresses to connect to instead of resolving the URL's host (already resolved elsewhere, or
  // tests); allow_address still applies. TLS still verifies the URL's host name.
  std::vector<std::string> connect_to;
  // PEM file of trust anchors that replaces the system store (tests, private CAs).
  std::string ca_file;
};

// The pieces of an http(s) URL as the client uses them.
struct url_parts {
  std::string scheme;       // "http" or "https" (lower case)
  std::string host;         // without IPv6 brackets
  std::string port;         // explicit, or the scheme's default
  std::string host_header;  // host (IPv6 bracketed) plus ":port" only when non-default
  std::string target;       // path and query; fragment dropped; "/" when empty
};

// Errors: invalid_argument (malformed URL, userinfo), protocol_not_supported (a scheme other
// than http/https).
result<url_parts> parse_url(std::string_view url);

// Connects to each resolved address in turn (the addresses checked by allow_address, never a
// second resolution) and returns the first response obtained. Errors:
//   invalid_argument / protocol_not_supported  see parse_url
//   permission_denied  allow_address refused a resolved address (nothing was connected)
//   message_size       the response body exceeds max_response_bytes (no further address tried)
//   timed_out          the whole exchange exceeded `timeout`
//   bad_message        every 2xx response was refused by accept_response
//   otherwise the last address's resolver, socket, TLS or HTTP parse error.
// A "Host" header is added unless given; Content-Length is set from `body`.
result<client_response> fetch(std::string_view method, std::string_view url, const header_list& headers,
                              std::string_view body, const fetch_options& options);

// Same with default options and the given timeout (4 MiB cap, every address allowed).
result<client_response> fetch(std::string_view method, std::string_view url, const header_list& headers,
                              std::string_view body, std::chrono::milliseconds timeout);
}  // namespace authplane::http
