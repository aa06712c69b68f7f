#include <authplane/jose/alg.hpp>
#include <authplane/sdk/prm.hpp>

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

namespace authplane::sdk {

namespace json = boost::json;

namespace {
constexpr std::string_view well_known = "/.well-known/oauth-protected-resource";

// Splits an absolute URL into origin ("scheme://authority") and path (no query/fragment).
bool split(std::string_view url, std::string_view& origin, std::string_view& path) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) return false;
  auto auth_start = scheme_end + 3;
  auto path_start = url.find_first_of("/?#", auth_start);
  if (path_start == std::string_view::npos) path_start = url.size();
  if (path_start == auth_start) return false;
  origin = url.substr(0, path_start);
  auto rest = url.substr(path_start);
  auto q = rest.find_first_of("?#");
  path = rest.substr(0, q);
  return true;
}
}  // namespace

std::string url_origin(std::string_view url) {
  std::string_view origin, path;
  if (!split(url, origin, path)) return {};
  return std::string(origin);
}

std::string prm_path(std::string_view resource_url) {
  std::string_view origin, path;
  if (!split(resource_url, origin, path)) path = {};
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  std::string out(well_known);
  if (!path.empty()) {
    out += '/';
    out += path;
  }
  return out;
}

std::string prm_url(std::string_view resource_url) { return url_origin(resource_url) + prm_path(resource_url); }

namespace {
json::array alg_array(const jose::alg_set& set) {
  json::array a;
  // Preference order: ES256 first (what MCP clients generate), then the rest.
  constexpr jose::alg order[] = {jose::alg::ES256, jose::alg::ES384, jose::alg::ES512, jose::alg::RS256,
                                 jose::alg::RS384, jose::alg::RS512, jose::alg::PS256, jose::alg::PS384,
                                 jose::alg::PS512, jose::alg::EdDSA};
  for (auto x : order)
    if (set.contains(x)) a.emplace_back(json::string(jose::to_string(x)));
  return a;
}
}  // namespace

json::object build_prm(const options& o) {
  json::object doc;
  doc["resource"] = o.resource();
  doc["authorization_servers"] = json::array{json::string(o.issuer)};
  json::array scopes;
  std::vector<std::string> seen;
  for (const auto* list : {&o.scopes, &o.extra_scopes_supported})
    for (const auto& s : *list)
      if (std::find(seen.begin(), seen.end(), s) == seen.end()) {
        seen.push_back(s);
        scopes.emplace_back(json::string(s));
      }
  doc["scopes_supported"] = std::move(scopes);
  doc["bearer_methods_supported"] = json::array{"header"};
  if (!o.resource_name.empty()) doc["resource_name"] = o.resource_name;
  if (o.dpop != dpop_mode::disabled) {
    doc["dpop_signing_alg_values_supported"] = alg_array(o.dpop_algs);
    doc["dpop_bound_access_tokens_required"] = o.dpop == dpop_mode::required;
  }
  return doc;
}

std::string prm_json(const options& o) { return json::serialize(build_prm(o)); }

}  // namespace authplane::sdk
