// SSRF guard: the issuer's URLs come from configuration and from fetched metadata, so a hostile
// or compromised metadata document must not be able to point the resource server at its own
// network (cloud metadata service, admin ports, private services).
#include <authplane/http/address_policy.hpp>
#include <authplane/http/client.hpp>
#include <authplane/sdk/error.hpp>
#include <authplane/sdk/fetch.hpp>

#include <boost/json/parse.hpp>

namespace authplane::sdk {
namespace {

bool is_json(std::string_view body) {
  boost::system::error_code ec;
  boost::json::parse(body, ec);
  return !ec;
}

error_code map_fetch_error(error_code ec) {
  if (ec == boost::system::errc::permission_denied) return errc::ssrf_blocked;
  if (ec == boost::system::errc::message_size) return errc::response_too_large;
  return ec;
}
}  // namespace

fetch_settings fetch_settings::dev() {
  fetch_settings s;
  s.allow_http = s.allow_localhost = s.allow_private_networks = true;
  return s;
}

fetch_settings effective_fetch_settings(const options& o, const std::optional<fetch_settings>& explicit_settings) {
  if (explicit_settings) return *explicit_settings;
  return o.dev_mode || dev_mode_from_env() ? fetch_settings::dev() : fetch_settings{};
}

// The IP policy lives in libs/http so the authorization server's CIMD fetches share it.
bool address_allowed(std::string_view ip, const fetch_settings& s) {
  return http::address_allowed(ip, {.allow_localhost = s.allow_localhost, .allow_private_networks = s.allow_private_networks});
}

error_code check_fetch_url(std::string_view url, const fetch_settings& s) {
  auto u = http::parse_url(url);
  if (!u) return errc::ssrf_blocked;
  if (u->scheme == "https" || (u->scheme == "http" && s.allow_http)) return {};
  return errc::ssrf_blocked;
}

https_document_fetcher::https_document_fetcher(fetch_settings s, std::size_t max_bytes)
    : settings_(std::move(s)), max_bytes_(max_bytes) {}

result<fetched_document> https_document_fetcher::get(std::string_view url) {
  if (auto ec = check_fetch_url(url, settings_)) return ec;
  http::fetch_options o;
  o.timeout = settings_.timeout;
  o.max_response_bytes = max_bytes_;
  o.ca_file = settings_.ca_file;
  o.allow_address = [this](std::string_view ip) { return address_allowed(ip, settings_); };
  o.accept_response = [](const http::client_response& r) { return is_json(r.body); };
  http::header_list h;
  h.add("Accept", "application/json");
  auto r = http::fetch("GET", url, h, "", o);
  if (!r) return map_fetch_error(r.error());
  return fetched_document{r->status, std::move(r->headers), std::move(r->body)};
}

}  // namespace authplane::sdk
