#include <authplane/http/client.hpp>
#include <authplane/sdk/discovery.hpp>
#include <authplane/sdk/error.hpp>

#include <boost/json/parse.hpp>

namespace authplane::sdk {
namespace {
namespace json = boost::json;

constexpr std::string_view well_known = "/.well-known/oauth-authorization-server";

std::string string_member(const json::object& o, std::string_view name) {
  auto it = o.find(name);
  if (it == o.end() || !it->value().is_string()) return {};
  return std::string(it->value().get_string());
}

// RFC 8414 §2: endpoint values are absolute URLs; an attacker-supplied http:// or relative URL
// must not redirect token or key traffic.
bool endpoint_ok(std::string_view url, const fetch_settings& s) {
  auto u = http::parse_url(url);
  return u && (u->scheme == "https" || s.allow_http);
}

error_code check_endpoints(const json::object& o, const fetch_settings& s) {
  for (std::string_view name : {"jwks_uri", "token_endpoint", "introspection_endpoint", "revocation_endpoint",
                                "registration_endpoint"}) {
    auto it = o.find(name);
    if (it == o.end()) continue;
    if (!it->value().is_string() || !endpoint_ok(it->value().get_string(), s)) return errc::metadata_endpoint_invalid;
  }
  return {};
}

std::vector<std::string> string_array(const json::object& o, std::string_view name) {
  std::vector<std::string> out;
  auto it = o.find(name);
  if (it == o.end() || !it->value().is_array()) return out;
  for (const auto& v : it->value().get_array()) {
    if (v.is_string()) out.emplace_back(v.get_string());
  }
  return out;
}

as_metadata to_metadata(json::object o) {
  as_metadata m;
  m.issuer = string_member(o, "issuer");
  m.jwks_uri = string_member(o, "jwks_uri");
  m.token_endpoint = string_member(o, "token_endpoint");
  m.introspection_endpoint = string_member(o, "introspection_endpoint");
  m.revocation_endpoint = string_member(o, "revocation_endpoint");
  m.registration_endpoint = string_member(o, "registration_endpoint");
  m.scopes_supported = string_array(o, "scopes_supported");
  m.raw = std::move(o);
  return m;
}
}  // namespace

result<std::string> metadata_url(std::string_view issuer) {
  if (!http::parse_url(issuer)) return error_code(errc::invalid_options);
  std::size_t sep = issuer.find("://");
  std::size_t path_at = issuer.find_first_of("/?#", sep + 3);
  std::string_view origin = issuer.substr(0, path_at);
  std::string_view path = path_at == std::string_view::npos ? std::string_view{} : issuer.substr(path_at);
  path = path.substr(0, path.find_first_of("?#"));
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  std::string out = std::string(origin) + std::string(well_known);
  if (!path.empty()) out += "/" + std::string(path);
  return out;
}

result<as_metadata> parse_metadata(const fetched_document& doc, std::string_view expected_issuer,
                                   const fetch_settings& settings) {
  if (doc.status < 200 || doc.status > 299) return error_code(errc::metadata_fetch_failed);
  boost::system::error_code ec;
  json::value v = json::parse(doc.body, ec);
  if (ec || !v.is_object()) return error_code(errc::metadata_fetch_failed);
  const json::object& o = v.get_object();
  const std::string issuer = string_member(o, "issuer");
  if (issuer.empty()) return error_code(errc::metadata_issuer_missing);
  // RFC 8414 §3.3: identical to the issuer used to build the URL; no normalisation.
  if (issuer != expected_issuer) return error_code(errc::metadata_issuer_mismatch);
  if (o.find("jwks_uri") == o.end() || !o.at("jwks_uri").is_string()) return error_code(errc::metadata_endpoint_missing);
  if (auto bad = check_endpoints(o, settings)) return bad;
  return to_metadata(std::move(v.get_object()));
}

}  // namespace authplane::sdk
