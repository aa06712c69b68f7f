#include "cimd_fetch.hpp"

#include <arpa/inet.h>

#include <chrono>

#include "authplane/core/ascii.hpp"
#include "authplane/http/address_policy.hpp"
#include "authplane/http/client.hpp"

namespace authplane::app {
namespace {
bool is_ip_literal(const std::string& host) {
  unsigned char buf[16];
  std::string text = host.substr(0, host.find('%'));
  return inet_pton(AF_INET, text.c_str(), buf) == 1 || inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

}  // namespace

services::cimd_fetcher make_cimd_fetcher(const config::cimd_config& c) {
  const http::address_policy policy{.allow_localhost = c.allow_private_addresses,
                                    .allow_private_networks = c.allow_private_addresses};
  const auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(c.fetch_timeout);
  return [policy, timeout](const std::string& url) -> services::cimd_fetch_outcome {
    auto u = http::parse_url(url);
    if (!u) return services::cimd_fetch_error::unreachable;
    const std::string host = ascii_lower(u->host);
    if (!policy.allow_localhost && (host == "localhost" || host.ends_with(".localhost")))
      return services::cimd_fetch_error::blocked;
    if (is_ip_literal(host) && !http::address_allowed(host, policy)) return services::cimd_fetch_error::blocked;

    http::fetch_options o;
    o.timeout = timeout;
    o.max_response_bytes = services::cimd_max_document_bytes;
    o.allow_address = [policy](std::string_view ip) { return http::address_allowed(ip, policy); };
    http::header_list h;
    h.add("Accept", "application/json");
    auto r = http::fetch("GET", url, h, "", o);
    if (!r) {
      const auto ec = r.error();
      if (ec == boost::system::errc::permission_denied) return services::cimd_fetch_error::blocked;
      if (ec == boost::system::errc::message_size) return services::cimd_fetch_error::too_large;
      if (ec == boost::system::errc::timed_out) return services::cimd_fetch_error::timed_out;
      return services::cimd_fetch_error::unreachable;
    }
    services::cimd_http_response out;
    out.status = r->status;
    for (const auto& [name, value] : r->headers.items) {
      const std::string n = ascii_lower(name);
      if (n == "content-type" && out.content_type.empty()) out.content_type = value;
      else if (n == "cache-control") out.cache_control += (out.cache_control.empty() ? "" : ", ") + value;
      else if (n == "expires" && out.expires.empty()) out.expires = value;
    }
    out.body = std::move(r->body);
    return out;
  };
}
}  // namespace authplane::app
