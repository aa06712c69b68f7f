#include "authplane/services/discovery.hpp"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

namespace authplane::services {
namespace json = boost::json;

std::string discovery::authorization_server_metadata() const {
  const auto& iss = opts_.issuer;
  json::object m;
  m["issuer"] = iss;
  m["authorization_endpoint"] = iss + "/oauth/authorize";
  m["token_endpoint"] = iss + "/oauth/token";
  if (opts_.registration) m["registration_endpoint"] = iss + "/oauth/register";
  m["revocation_endpoint"] = iss + "/oauth/revoke";
  if (opts_.introspection) m["introspection_endpoint"] = iss + "/oauth/introspect";
  m["jwks_uri"] = iss + "/.well-known/jwks.json";
  m["response_types_supported"] = json::array{"code"};
  json::array grants;
  for (const auto& g : opts_.grant_types) grants.emplace_back(g);
  m["grant_types_supported"] = std::move(grants);
  m["token_endpoint_auth_methods_supported"] = json::array{"none", "client_secret_basic", "client_secret_post"};
  if (opts_.introspection)
    m["introspection_endpoint_auth_methods_supported"] = json::array{"client_secret_basic", "client_secret_post"};
  m["revocation_endpoint_auth_methods_supported"] = json::array{"none", "client_secret_basic", "client_secret_post"};
  m["code_challenge_methods_supported"] = json::array{"S256"};
  auto snap = catalog_.snapshot();
  if (!snap->all_scopes.empty()) {
    json::array scopes;
    for (const auto& s : snap->all_scopes) scopes.emplace_back(s);
    m["scopes_supported"] = std::move(scopes);
  }
  m["resource_indicators_supported"] = true;
  if (opts_.cimd) m["client_id_metadata_document_supported"] = true;
  if (opts_.dpop) m["dpop_signing_alg_values_supported"] = json::array{"ES256", "RS256", "PS256"};
  m["authorization_response_iss_parameter_supported"] = true;
  return json::serialize(m);
}

std::string discovery::jwks() const {
  auto s = keys_.snapshot();
  return s ? s->jwks_json : std::string(R"({"keys":[]})");
}

std::optional<std::string> discovery::protected_resource_metadata(std::string_view ref) const {
  auto snap = catalog_.snapshot();
  const domain::resource* found = nullptr;
  // RFC 9728 §3.1: the well-known suffix is the resource identifier's path (without the
  // leading '/'); the slug is accepted too.
  for (const auto& r : snap->resources) {
    if (r.uri.empty()) continue;
    auto u = boost::urls::parse_uri(r.uri);
    if (!u) continue;
    std::string_view path = u->encoded_path();
    if (!path.empty() && path.front() == '/') path.remove_prefix(1);
    if (path == ref) {
      if (found) return std::nullopt;  // ambiguous suffix: refuse rather than guess
      found = &r;
    }
  }
  if (!found) {
    if (auto it = snap->by_slug.find(std::string(ref)); it != snap->by_slug.end()) found = &snap->resources[it->second];
  }
  if (!found || found->uri.empty()) return std::nullopt;
  json::object m;
  m["resource"] = found->uri;
  m["authorization_servers"] = json::array{json::string(opts_.issuer)};
  json::array scopes;
  for (const auto& s : found->scopes) scopes.emplace_back(s.name);
  m["scopes_supported"] = std::move(scopes);
  m["bearer_methods_supported"] = json::array{"header"};
  if (!found->display_name.empty()) m["resource_name"] = found->display_name;
  if (opts_.dpop) m["dpop_signing_alg_values_supported"] = json::array{"ES256", "RS256", "PS256"};
  return json::serialize(m);
}
}  // namespace authplane::services
