// /admin/clients: create, list, get, patch, rotate-secret, suspend/revoke/reactivate, delete.
#include <algorithm>
#include <array>

#include "admin/admin_common.hpp"
#include "authplane/core/random.hpp"
#include "authplane/core/scope.hpp"
#include "authplane/domain/error.hpp"

namespace authplane::api::admin_detail {

namespace json = boost::json;

namespace {
// The {id} path segment, percent-decoded: CIMD client ids are URLs, sent as
// /admin/clients/https%3A%2F%2Fapp.example%2Fclient.json. Other ids have no '%'.
std::string client_id_param(http::request& req) {
  const std::string& raw = req.path_params["id"];
  auto decoded = http::url_decode(raw, false);
  return decoded ? *decoded : raw;
}

constexpr std::size_t max_text = 255;
constexpr std::string_view grant_authorization_code = "authorization_code";
constexpr std::string_view grant_client_credentials = "client_credentials";
constexpr std::array<std::string_view, 5> allowed_grants = {
    "authorization_code", "refresh_token", "client_credentials", "urn:ietf:params:oauth:grant-type:token-exchange",
    "urn:ietf:params:oauth:grant-type:jwt-bearer"};
constexpr std::array<std::string_view, 3> allowed_auth_methods = {"none", "client_secret_basic",
                                                                  "client_secret_post"};

template <std::size_t N>
bool one_of(const std::array<std::string_view, N>& set, std::string_view v) {
  return std::find(set.begin(), set.end(), v) != set.end();
}

json::object client_view(const domain::client& c) {
  json::object o;
  o["id"] = c.id;
  o["name"] = c.name;
  o["redirect_uris"] = to_array(c.redirect_uris);
  o["grant_types"] = to_array(c.grant_types);
  o["response_types"] = to_array(c.response_types);
  o["token_endpoint_auth_method"] = c.token_endpoint_auth_method;
  o["status"] = c.status;
  o["registration_source"] = c.registration_source;
  o["cimd_url"] = c.cimd_url;
  o["issued_at"] = format_rfc3339(c.issued_at);
  o["updated_at"] = format_rfc3339(c.updated_at);
  o["scope"] = c.scope;
  o["agent"] = c.agent;
  o["agent_description"] = c.agent_description;
  return o;
}

std::vector<std::string> default_response_types(const std::vector<std::string>& grants) {
  if (std::find(grants.begin(), grants.end(), grant_authorization_code) != grants.end()) return {"code"};
  return {};
}

// Rules every stored admin client satisfies (create and after a patch). Empty string = valid.
std::string validate_client(const domain::client& c) {
  if (c.name.empty()) return "client_name is required";
  if (c.name.size() > max_text) return "client_name must be at most 255 characters";
  if (!one_of(allowed_auth_methods, c.token_endpoint_auth_method))
    return "unsupported token_endpoint_auth_method \"" + c.token_endpoint_auth_method + "\"";
  if (c.grant_types.empty()) return "grant_types must not be empty";
  for (const auto& g : c.grant_types)
    if (!one_of(allowed_grants, g)) return "unsupported grant_type \"" + g + "\"";
  for (const auto& rt : c.response_types)
    if (rt != "code") return "unsupported response_type \"" + rt + "\"";
  // RFC 6749 §4.4: the client credentials grant is for confidential clients only.
  if (c.has_grant(std::string(grant_client_credentials)) && c.is_public())
    return "client_credentials requires a confidential client (token_endpoint_auth_method client_secret_basic "
           "or client_secret_post)";
  for (const auto& uri : c.redirect_uris) {
    std::string why;
    auto p = parse_http_uri(uri, why);
    if (!p) return "invalid redirect_uri \"" + uri + "\": " + why;
    // RFC 6749 §3.1.2: the redirection endpoint URI must not include a fragment component.
    if (p->has_fragment) return "invalid redirect_uri \"" + uri + "\": must not contain a fragment";
    // OAuth 2.1 §2.3.1 / RFC 8252 §7.3: plain http only for loopback redirects.
    if (p->scheme != "https" && !is_loopback_host(p->host))
      return "invalid redirect_uri \"" + uri + "\": must use https unless the host is loopback";
  }
  if (c.has_grant(std::string(grant_authorization_code)) && c.redirect_uris.empty())
    return "redirect_uris is required for the authorization_code grant";
  for (const auto& s : split_scopes(c.scope))
    if (!valid_scope_token(s)) return "invalid scope \"" + s + "\"";
  if (c.agent_description.size() > max_text) return "agent_description must be at most 255 characters";
  return {};
}

std::string normalize_scope(std::string_view s) { return join_scopes(split_scopes(s)); }

http::response client_not_found() { return problem(404, "client not found"); }

// Reads the client, applies `mutate` and writes it back with its optimistic version; on a
// version conflict reads and applies once more. `mutate` may stop with a response.
struct update_outcome {
  std::optional<http::response> error;
  domain::client client;
};
update_outcome update_with_retry(admin_deps& d, std::string_view id,
                                 const std::function<std::optional<http::response>(domain::client&)>& mutate) {
  for (int attempt = 0;; ++attempt) {
    auto found = d.clients.find_client(id);
    if (!found) return {from_error(found.error()), {}};
    if (!*found) return {client_not_found(), {}};
    domain::client c = std::move(**found);
    if (auto stop = mutate(c)) return {std::move(stop), {}};
    c.updated_at = d.clk.now();
    auto u = d.clients.update_client(c);
    if (!u.has_error()) {
      c.version += 1;
      return {std::nullopt, std::move(c)};
    }
    if (u.error() == domain::errc::conflict && attempt == 0) continue;
    return {from_error(u.error(), "client not found", "client was modified concurrently; retry"), {}};
  }
}

http::response create_client(admin_deps& d, http::request& req) {
  auto body = parse_object(req.body);
  if (!body) return bad_request("invalid JSON body");
  std::string err;
  auto name = get_string(*body, "client_name", err);
  auto redirect_uris = get_string_array(*body, "redirect_uris", err);
  auto grant_types = get_string_array(*body, "grant_types", err);
  auto response_types = get_string_array(*body, "response_types", err);
  auto method = get_string(*body, "token_endpoint_auth_method", err);
  auto scope = get_string(*body, "scope", err);
  auto agent = get_bool(*body, "agent", err);
  auto agent_description = get_string(*body, "agent_description", err);
  if (!err.empty()) return bad_request(err);

  domain::client c;
  c.name = name.value_or("");
  c.redirect_uris = dedupe(redirect_uris.value_or(std::vector<std::string>{}));
  c.grant_types = dedupe(grant_types.value_or(std::vector<std::string>{}));
  if (c.grant_types.empty()) c.grant_types = {"authorization_code", "refresh_token"};
  c.response_types = dedupe(response_types.value_or(std::vector<std::string>{}));
  if (c.response_types.empty()) c.response_types = default_response_types(c.grant_types);
  c.token_endpoint_auth_method = method && !method->empty() ? *method : "client_secret_basic";
  c.scope = normalize_scope(scope.value_or(""));
  c.agent = agent.value_or(false);
  c.agent_description = agent_description.value_or("");
  if (std::string why = validate_client(c); !why.empty()) return bad_request(why);

  const std::string secret = ports::admit_new_client(c, "admin", d.clk.now(), d.secrets);
  if (auto r = d.clients.create_client(c); r.has_error())
    return from_error(r.error(), "client not found", "client already exists");

  write_audit(d, req, "client.created_admin", c.id,
              "source=admin auth_method=" + c.token_endpoint_auth_method + " grant_types=" + [&] {
                std::string g;
                for (const auto& x : c.grant_types) g += (g.empty() ? "" : ",") + x;
                return g;
              }());
  notify(d.on_clients_changed);

  json::object o;
  o["client_id"] = c.id;
  if (!secret.empty()) o["client_secret"] = secret;
  o["client_name"] = c.name;
  o["redirect_uris"] = to_array(c.redirect_uris);
  o["grant_types"] = to_array(c.grant_types);
  o["response_types"] = to_array(c.response_types);
  o["token_endpoint_auth_method"] = c.token_endpoint_auth_method;
  o["scope"] = c.scope;
  o["status"] = c.status;
  o["registration_source"] = c.registration_source;
  o["agent"] = c.agent;
  o["agent_description"] = c.agent_description;
  o["issued_at"] = format_rfc3339(c.issued_at);
  http::response res = json_response(201, o);
  if (!secret.empty()) res.set_header("Cache-Control", "no-store");
  return res;
}

http::response list_clients(admin_deps& d, http::request& req) {
  auto q = parse_query(req.query);
  if (!q) return bad_request("malformed query string");
  std::string err;
  auto page = parse_page(*q, err);
  if (!page) return bad_request(err);
  std::string status = q->value("status"), source = q->value("source");
  if (!status.empty() && status != domain::client_status::active && status != domain::client_status::suspended &&
      status != domain::client_status::revoked)
    return bad_request("status must be one of active, suspended, revoked");
  if (!source.empty() && source != "admin" && source != "dcr" && source != "cimd")
    return bad_request("source must be one of admin, dcr, cimd");
  auto list = d.clients.list_clients(status, source, *page);
  if (!list) return from_error(list.error());
  json::array arr;
  for (const auto& c : *list) arr.push_back(client_view(c));
  json::object o;
  o["clients"] = std::move(arr);
  return json_response(200, o);
}

http::response get_client(admin_deps& d, http::request& req) {
  auto found = d.clients.find_client(client_id_param(req));
  if (!found) return from_error(found.error());
  if (!*found) return client_not_found();
  return json_response(200, client_view(**found));
}

http::response patch_client(admin_deps& d, http::request& req) {
  auto body = parse_object(req.body);
  if (!body) return bad_request("invalid JSON body");
  std::string err;
  auto name = get_string(*body, "client_name", err);
  auto redirect_uris = get_string_array(*body, "redirect_uris", err);
  auto grant_types = get_string_array(*body, "grant_types", err);
  auto scope = get_string(*body, "scope", err);
  if (!err.empty()) return bad_request(err);

  std::vector<std::string> changed;
  auto out = update_with_retry(d, client_id_param(req), [&](domain::client& c) -> std::optional<http::response> {
    changed.clear();
    if (name) {
      c.name = *name;
      changed.push_back("client_name");
    }
    if (redirect_uris) {
      c.redirect_uris = dedupe(*redirect_uris);
      changed.push_back("redirect_uris");
    }
    if (grant_types) {
      c.grant_types = dedupe(*grant_types);
      c.response_types = default_response_types(c.grant_types);
      changed.push_back("grant_types");
    }
    if (scope) {
      c.scope = normalize_scope(*scope);
      changed.push_back("scope");
    }
    if (std::string why = validate_client(c); !why.empty()) return bad_request(why);
    return std::nullopt;
  });
  if (out.error) return std::move(*out.error);
  std::string fields;
  for (const auto& f : changed) fields += (fields.empty() ? "" : ",") + f;
  write_audit(d, req, "client.updated", out.client.id, "fields=" + fields);
  notify(d.on_clients_changed);
  return json_response(200, client_view(out.client));
}

http::response rotate_secret(admin_deps& d, http::request& req) {
  std::string secret;
  auto out = update_with_retry(d, client_id_param(req), [&](domain::client& c) -> std::optional<http::response> {
    if (c.is_public()) return bad_request("public clients have no secret to rotate");
    auto gen = d.secrets.generate();
    secret = std::move(gen.secret);
    c.secret_hash = std::move(gen.hash);
    return std::nullopt;
  });
  if (out.error) return std::move(*out.error);
  write_audit(d, req, "client.secret_rotated", out.client.id, "");
  notify(d.on_clients_changed);
  json::object o;
  o["client_id"] = out.client.id;
  o["client_secret"] = secret;
  http::response res = json_response(200, o);
  res.set_header("Cache-Control", "no-store");
  return res;
}

// Client lifecycle: active → suspended ↔ active; any → revoked.
http::response transition(admin_deps& d, http::request& req, std::string_view verb, const char* target) {
  auto out = update_with_retry(d, client_id_param(req), [&](domain::client& c) -> std::optional<http::response> {
    bool allowed = verb == "revoke" || (verb == "suspend" && c.status == domain::client_status::active) ||
                   (verb == "reactivate" && c.status == domain::client_status::suspended);
    if (!allowed)
      return problem(409, "cannot " + std::string(verb) + " a client whose status is " + c.status);
    c.status = target;
    return std::nullopt;
  });
  if (out.error) return std::move(*out.error);
  std::string action = verb == "suspend" ? "client.suspended" : verb == "revoke" ? "client.revoked" : "client.reactivated";
  write_audit(d, req, std::move(action), out.client.id, std::string("status=") + target);
  notify(d.on_clients_changed);
  json::object o;
  o["status"] = target;
  return json_response(200, o);
}

http::response delete_client(admin_deps& d, http::request& req) {
  auto q = parse_query(req.query);
  if (!q) return bad_request("malformed query string");
  std::string force_s = q->value("force");
  if (!force_s.empty() && force_s != "true" && force_s != "false" && force_s != "1" && force_s != "0")
    return bad_request("force must be true or false");
  bool force = force_s == "true" || force_s == "1";
  const std::string id = client_id_param(req);

  auto found = d.clients.find_client(id);
  if (!found) return from_error(found.error());
  if (!*found) return client_not_found();
  std::int64_t now = d.clk.now();
  auto active = d.issuances.count_active_issuances(id, now);
  if (!active) return from_error(active.error());
  if (*active > 0 && !force) return problem(409, "client has active tokens — use force=true to revoke and delete");
  std::size_t revoked = 0;
  if (force) {
    auto r = d.issuances.revoke_client_issuances(id, now);
    if (!r) return from_error(r.error());
    revoked = *r;
  }
  if (auto r = d.clients.delete_client(id); r.has_error()) return from_error(r.error(), "client not found");
  write_audit(d, req, "client.deleted", id,
              std::string("force=") + (force ? "true" : "false") + " revoked_tokens=" + std::to_string(revoked));
  notify(d.on_clients_changed);
  return http::response::empty(204);
}

}  // namespace

void register_client_routes(http::router& r, admin_deps& d) {
  add_route(r, d, "POST", "/admin/clients", [&d](http::request& q) { return create_client(d, q); });
  add_route(r, d, "GET", "/admin/clients", [&d](http::request& q) { return list_clients(d, q); });
  add_route(r, d, "GET", "/admin/clients/{id}", [&d](http::request& q) { return get_client(d, q); });
  add_route(r, d, "PATCH", "/admin/clients/{id}", [&d](http::request& q) { return patch_client(d, q); });
  add_route(r, d, "DELETE", "/admin/clients/{id}", [&d](http::request& q) { return delete_client(d, q); });
  add_route(r, d, "POST", "/admin/clients/{id}/rotate-secret", [&d](http::request& q) { return rotate_secret(d, q); });
  add_route(r, d, "PATCH", "/admin/clients/{id}/suspend",
            [&d](http::request& q) { return transition(d, q, "suspend", domain::client_status::suspended); });
  add_route(r, d, "PATCH", "/admin/clients/{id}/revoke",
            [&d](http::request& q) { return transition(d, q, "revoke", domain::client_status::revoked); });
  add_route(r, d, "PATCH", "/admin/clients/{id}/reactivate",
            [&d](http::request& q) { return transition(d, q, "reactivate", domain::client_status::active); });
}

}  // namespace authplane::api::admin_detail
