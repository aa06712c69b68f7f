// RFC 7591 dynamic client registration: parsing, validation, the three modes, storage, audit.
#include "authplane/core/ascii.hpp"
#include "authplane/services/registration.hpp"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <cctype>

#include "authplane/core/log.hpp"
#include "authplane/core/random.hpp"
#include "authplane/core/scope.hpp"

namespace authplane::services {
namespace json = boost::json;
using domain::oauth_errc;
using domain::oauth_error;

namespace {
constexpr std::string_view grant_authorization_code = "authorization_code";
constexpr std::string_view grant_refresh_token = "refresh_token";
constexpr std::string_view grant_client_credentials = "client_credentials";

// The grants a client may name (reference §4.7), with the setting that enables the optional ones.
struct known_grant {
  std::string_view name;
  std::string_view enable_env;  // empty: always available
};
constexpr std::array<known_grant, 5> known_grants = {{
    {"authorization_code", ""},
    {"refresh_token", ""},
    {"client_credentials", "AUTHPLANE_CLIENT_CREDENTIALS_ENABLED"},
    {"urn:ietf:params:oauth:grant-type:token-exchange", "AUTHPLANE_TOKEN_EXCHANGE_ENABLED"},
    {"urn:ietf:params:oauth:grant-type:jwt-bearer", "AUTHPLANE_XAA_ENABLED"},
}};
constexpr std::array<std::string_view, 3> auth_methods = {"none", "client_secret_basic", "client_secret_post"};

bool contains(const std::vector<std::string>& v, std::string_view x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (const auto& x : v) {
    if (!out.empty()) out += sep;
    out += x;
  }
  return out;
}

std::vector<std::string> dedupe(std::vector<std::string> v) {
  std::vector<std::string> out;
  for (auto& x : v)
    if (!contains(out, x)) out.push_back(std::move(x));
  return out;
}

// Typed field readers: a wrong type adds a problem; absent or null leaves the optional empty.
std::optional<std::string> read_string(const json::object& o, std::string_view key, std::vector<std::string>& problems) {
  auto* v = o.if_contains(key);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_string()) {
    problems.push_back(std::string(key) + " must be a string");
    return std::nullopt;
  }
  return std::string(v->get_string());
}

std::optional<std::vector<std::string>> read_strings(const json::object& o, std::string_view key,
                                                     std::vector<std::string>& problems) {
  auto* v = o.if_contains(key);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_array()) {
    problems.push_back(std::string(key) + " must be an array of strings");
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const auto& e : v->get_array()) {
    if (!e.is_string()) {
      problems.push_back(std::string(key) + " must be an array of strings");
      return std::nullopt;
    }
    out.emplace_back(e.get_string());
  }
  return out;
}

std::optional<bool> read_bool(const json::object& o, std::string_view key, std::vector<std::string>& problems) {
  auto* v = o.if_contains(key);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_bool()) {
    problems.push_back(std::string(key) + " must be a boolean");
    return std::nullopt;
  }
  return v->get_bool();
}

json::array to_array(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}
}  // namespace

std::string check_redirect_uri(std::string_view uri) {
  if (uri.size() > max_redirect_uri_length) return "redirect_uri must be at most 2048 characters";
  const std::string q = quoted(uri);
  for (char c : uri)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return "redirect_uri " + q + " must not contain whitespace or control characters";
  auto u = boost::urls::parse_uri(uri);
  if (!u) return "redirect_uri " + q + " must be an absolute URI";
  // RFC 6749 §3.1.2: the redirection endpoint URI must not include a fragment component.
  if (u->has_fragment()) return "redirect_uri " + q + " must not contain a fragment";
  const auto scheme = u->scheme_id();
  if (scheme != boost::urls::scheme::http && scheme != boost::urls::scheme::https)
    return "redirect_uri " + q + " must use https (or http on a loopback host)";
  // The host is read from the text itself, as a browser reads it: Boost.URL accepts
  // "http://127.0.0.1.evil.example/" as host 127.0.0.1 followed by a path.
  std::string_view rest = uri.substr(uri.find(':') + 1);
  if (!rest.starts_with("//")) return "redirect_uri " + q + " must have a host";
  rest.remove_prefix(2);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  std::string_view host_text;
  if (authority.starts_with("[")) {
    auto close = authority.find(']');
    if (close != std::string_view::npos) host_text = authority.substr(1, close - 1);
  } else {
    host_text = authority.substr(0, authority.find(':'));
  }
  if (host_text.empty()) return "redirect_uri " + q + " must have a host";
  // OAuth 2.1 §2.3.1 / RFC 8252 §7.3: plain http only for loopback redirects.
  if (scheme == boost::urls::scheme::http) {
    std::string host = ascii_lower(host_text);
    if (host != "localhost" && host != "127.0.0.1" && host != "::1")
      return "redirect_uri " + q + " must use https unless the host is localhost, 127.0.0.1 or [::1]";
  }
  return {};
}

std::variant<domain::client, oauth_error> parse_registration(std::string_view body, const registration_rules& rules) {
  boost::system::error_code ec;
  json::value doc = json::parse(body, ec);
  if (ec || !doc.is_object()) return oauth_error{oauth_errc::invalid_request, "invalid JSON body", {}};
  const json::object& o = doc.get_object();

  std::vector<std::string> problems;
  auto name = read_string(o, "client_name", problems);
  auto redirect_uris = read_strings(o, "redirect_uris", problems);
  auto grant_types = read_strings(o, "grant_types", problems);
  auto response_types = read_strings(o, "response_types", problems);
  auto method = read_string(o, "token_endpoint_auth_method", problems);
  auto scope = read_string(o, "scope", problems);
  auto agent = read_bool(o, "agent", problems);
  auto agent_description = read_string(o, "agent_description", problems);
  auto application_type = read_string(o, "application_type", problems);

  domain::client c;
  c.name = name.value_or("");
  if (c.name.empty()) problems.push_back("client_name is required");
  else if (c.name.size() > max_registration_text) problems.push_back("client_name must be at most 255 characters");

  // RFC 7591 §2: grant_types defaults to authorization_code; response_types to code.
  c.grant_types = dedupe(grant_types.value_or(std::vector<std::string>{}));
  if (c.grant_types.empty()) c.grant_types = {std::string(grant_authorization_code)};
  for (const auto& g : c.grant_types) {
    auto it = std::find_if(known_grants.begin(), known_grants.end(), [&](const known_grant& k) { return k.name == g; });
    if (it == known_grants.end()) problems.push_back("unsupported grant_type " + quoted(g));
    else if (!contains(rules.enabled_grants, g))
      problems.push_back("grant_type " + quoted(g) + " is not enabled on this server — set " +
                         std::string(it->enable_env.empty() ? "it" : it->enable_env) + "=true to enable it");
  }
  const bool code_grant = c.has_grant(std::string(grant_authorization_code));
  const bool refresh_grant = c.has_grant(std::string(grant_refresh_token));

  c.response_types = dedupe(response_types.value_or(std::vector<std::string>{}));
  if (!response_types || c.response_types.empty()) {
    if (code_grant) c.response_types = {"code"};
  }
  for (const auto& rt : c.response_types)
    if (rt != "code") problems.push_back("unsupported response_type " + quoted(rt));
  // RFC 7591 §2.1: grant_types and response_types must agree.
  if (code_grant && !contains(c.response_types, "code"))
    problems.push_back("grant_type \"authorization_code\" requires response_type \"code\"");
  if (contains(c.response_types, "code") && !code_grant)
    problems.push_back("response_type \"code\" requires grant_type \"authorization_code\"");
  if (refresh_grant && !code_grant)
    problems.push_back("grant_type \"refresh_token\" requires grant_type \"authorization_code\"");

  c.token_endpoint_auth_method = method && !method->empty() ? *method : "none";
  if (std::find(auth_methods.begin(), auth_methods.end(), c.token_endpoint_auth_method) == auth_methods.end())
    problems.push_back("unsupported token_endpoint_auth_method " + quoted(c.token_endpoint_auth_method));
  // RFC 6749 §4.4: the client credentials grant is for confidential clients only.
  else if (c.has_grant(std::string(grant_client_credentials)) && c.is_public())
    problems.push_back(
        "client_credentials requires a confidential client (token_endpoint_auth_method client_secret_basic or "
        "client_secret_post)");

  c.redirect_uris = dedupe(redirect_uris.value_or(std::vector<std::string>{}));
  if ((code_grant || refresh_grant) && c.redirect_uris.empty())
    problems.push_back("redirect_uris is required for the authorization_code and refresh_token grants");
  if (c.redirect_uris.size() > max_redirect_uris) {
    problems.push_back("redirect_uris must list at most 10 URIs");
  } else {
    for (const auto& uri : c.redirect_uris)
      if (auto why = check_redirect_uri(uri); !why.empty()) problems.push_back(std::move(why));
  }

  // Scope ceiling: syntax checked; scopes the catalog does not offer are dropped.
  std::vector<std::string> ceiling;
  bool scope_ok = true;
  for (const auto& s : split_scopes(scope.value_or(""))) {
    if (!valid_scope_token(s)) {
      problems.push_back("invalid scope " + quoted(s));
      scope_ok = false;
      break;
    }
    if (contains(rules.offered_scopes, s) && !contains(ceiling, s)) ceiling.push_back(s);
  }
  const bool user_in_the_loop = std::all_of(c.grant_types.begin(), c.grant_types.end(), [](const std::string& g) {
    return g == grant_authorization_code || g == grant_refresh_token;
  });
  if (scope_ok && split_scopes(scope.value_or("")).empty() && user_in_the_loop)
    ceiling = split_scopes(rules.default_client_scope);
  c.scope = join_scopes(ceiling);

  c.agent = agent.value_or(false);
  c.agent_description = agent_description.value_or("");
  if (c.agent_description.size() > max_registration_text)
    problems.push_back("agent_description must be at most 255 characters");
  c.application_type = application_type && !application_type->empty() ? *application_type : "web";
  if (c.application_type != "web" && c.application_type != "native")
    problems.push_back("unsupported application_type " + quoted(c.application_type));

  if (!problems.empty())
    return oauth_error{oauth_errc::invalid_client_metadata,
                       "invalid_client: client validation failed: " + join(problems, "; "), {}};
  return c;
}

ports::registration_outcome registration::register_client(const ports::registration_request& req) {
  if (opts_.mode == dcr_mode::admin_only) return oauth_error{oauth_errc::access_denied, "registration is disabled", {}};

  registration_rules rules;
  rules.enabled_grants = opts_.enabled_grants;
  rules.offered_scopes = deps_.catalog.snapshot()->all_scopes;
  rules.default_client_scope = opts_.default_client_scope;
  auto parsed = parse_registration(req.body, rules);
  if (auto* e = std::get_if<oauth_error>(&parsed)) return std::move(*e);
  domain::client c = std::move(std::get<domain::client>(parsed));

  // approved_redirects: every redirect URI must be on the operator's list, byte for byte. A
  // registration without redirect URIs has nothing approved, so it is refused too.
  if (opts_.mode == dcr_mode::approved_redirects) {
    bool ok = !c.redirect_uris.empty();
    for (const auto& uri : c.redirect_uris) ok = ok && contains(opts_.approved_redirects, uri);
    if (!ok) return oauth_error{oauth_errc::invalid_redirect_uri, "redirect_uri not allowed", {}};
  }

  const std::string secret = ports::admit_new_client(c, "dcr", deps_.clk.now(), deps_.secrets);
  if (auto r = deps_.clients.create_client(c); r.has_error())
    return oauth_error::internal("create client: " + r.error().message());

  domain::audit_event ev;
  ev.id = random_token(16);
  ev.action = "client.registered";
  ev.actor_id = "anonymous";
  ev.client_id = c.id;
  ev.ip = req.remote_ip;
  ev.detail = "source=dcr auth_method=" + c.token_endpoint_auth_method + " grant_types=" + join(c.grant_types, ",");
  ev.created_at = c.issued_at;
  if (auto r = deps_.audit.append_audit(ev); r.has_error())
    log::warn("audit.write_failed", {{"action", ev.action}, {"error", r.error().message()}});

  // RFC 7591 §3.2.1: the client information response.
  json::object o;
  o["client_id"] = c.id;
  if (!secret.empty()) o["client_secret"] = secret;
  o["client_id_issued_at"] = c.issued_at;
  if (!secret.empty()) o["client_secret_expires_at"] = 0;
  o["client_name"] = c.name;
  o["redirect_uris"] = to_array(c.redirect_uris);
  o["grant_types"] = to_array(c.grant_types);
  o["response_types"] = to_array(c.response_types);
  o["token_endpoint_auth_method"] = c.token_endpoint_auth_method;
  if (!c.scope.empty()) o["scope"] = c.scope;
  o["application_type"] = c.application_type;
  o["agent"] = c.agent;
  o["agent_description"] = c.agent_description;
  return ports::registration_reply{json::serialize(o)};
}
}  // namespace authplane::services
