// /admin/resources: create, list, get, patch, delete, and the per-field policy sub-routes
// (runtime.client_ids, exchange.allowed_client_ids). Only Mint resources exist in this build.
#include <algorithm>

#include "admin/admin_common.hpp"
#include "authplane/core/random.hpp"
#include "authplane/core/scope.hpp"
#include "authplane/domain/error.hpp"

namespace authplane::api::admin_detail {

namespace json = boost::json;

namespace {

constexpr std::size_t max_text = 255;

json::object resource_view(const domain::resource& r) {
  json::object o;
  o["id"] = r.id;
  o["slug"] = r.slug;
  o["uri"] = r.uri;
  o["backend_kind"] = r.backend_kind;
  o["broker_provider_id"] = r.broker_provider_id;
  o["display_name"] = r.display_name;
  json::array scopes;
  for (const auto& s : r.scopes) {
    json::object so;
    so["name"] = s.name;
    so["description"] = s.description;
    scopes.push_back(std::move(so));
  }
  o["scopes"] = std::move(scopes);
  json::object exchange, runtime, policy;
  exchange["allowed_client_ids"] = to_array(r.exchange_allowed_client_ids);
  runtime["client_ids"] = to_array(r.runtime_client_ids);
  policy["exchange"] = std::move(exchange);
  policy["runtime"] = std::move(runtime);
  o["policy"] = std::move(policy);
  o["created_at"] = format_rfc3339(r.created_at);
  o["updated_at"] = format_rfc3339(r.updated_at);
  return o;
}

bool valid_slug(std::string_view s) {
  // ^[a-z0-9][a-z0-9-]{0,63}$
  if (s.empty() || s.size() > 64) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(s.front())) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) { return alnum(c) || c == '-'; });
}

bool valid_id(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.' || c == '~';
  });
}

std::string lowercase(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::string validate_uri(const std::string& uri) {
  if (uri.empty()) return {};
  std::string why;
  auto p = parse_http_uri(uri, why);
  if (!p) return "uri " + why;
  // RFC 8707 §2: the resource indicator must not include a fragment.
  if (p->has_fragment) return "uri must not contain a fragment";
  return {};
}

// scopes: [{name, description?}]. Names non-empty, unique, RFC 6749 §3.3 scope-tokens.
std::optional<std::vector<domain::scope_def>> parse_scopes(const json::value& v, std::string& error) {
  if (!v.is_array()) {
    error = "scopes must be an array of objects";
    return std::nullopt;
  }
  std::vector<domain::scope_def> out;
  for (const json::value& e : v.get_array()) {
    if (!e.is_object()) {
      error = "scopes must be an array of objects";
      return std::nullopt;
    }
    std::string err;
    auto name = get_string(e.get_object(), "name", err);
    auto desc = get_string(e.get_object(), "description", err);
    if (!err.empty()) {
      error = "scopes[]." + err;
      return std::nullopt;
    }
    if (!name || name->empty()) {
      error = "scope name must not be empty";
      return std::nullopt;
    }
    if (!valid_scope_token(*name)) {
      error = "invalid scope name \"" + *name + "\"";
      return std::nullopt;
    }
    for (const auto& s : out) {
      if (s.name == *name) {
        error = "duplicate scope name \"" + *name + "\"";
        return std::nullopt;
      }
    }
    domain::scope_def def;
    def.name = *name;
    def.description = desc.value_or("");
    out.push_back(std::move(def));
  }
  return out;
}

// policy: {exchange:{allowed_client_ids[]}, runtime:{client_ids[]}}. A present sub-object
// replaces that list; an absent one leaves it unchanged.
bool apply_policy(const json::value& v, domain::resource& r, std::string& error) {
  if (v.is_null()) return true;
  if (!v.is_object()) {
    error = "policy must be an object";
    return false;
  }
  const json::object& p = v.get_object();
  auto sub = [&](std::string_view section, std::string_view field, std::vector<std::string>& target) {
    auto it = p.find(section);
    if (it == p.end() || it->value().is_null()) return true;
    if (!it->value().is_object()) {
      error = "policy." + std::string(section) + " must be an object";
      return false;
    }
    std::string err;
    auto ids = get_string_array(it->value().get_object(), field, err);
    if (!err.empty()) {
      error = "policy." + std::string(section) + "." + err;
      return false;
    }
    if (ids) {
      for (const auto& id : *ids) {
        if (id.empty()) {
          error = "policy." + std::string(section) + "." + std::string(field) + " must not contain empty values";
          return false;
        }
      }
      target = dedupe(*ids);
    }
    return true;
  };
  return sub("exchange", "allowed_client_ids", r.exchange_allowed_client_ids) &&
         sub("runtime", "client_ids", r.runtime_client_ids);
}

// A resource by id, falling back to slug (the admin UI links by either).
result<std::optional<domain::resource>> find_resource(admin_deps& d, const std::string& ref) {
  auto by_id = d.resources.find_resource_by_id(ref);
  if (!by_id || *by_id) return by_id;
  return d.resources.find_resource_by_slug(lowercase(ref));
}

http::response resource_not_found() { return problem(404, "resource not found"); }

void changed(admin_deps& d) { notify(d.on_resources_changed); }

http::response create_resource(admin_deps& d, http::request& req) {
  auto body = parse_object(req.body);
  if (!body) return bad_request("invalid JSON body");
  std::string err;
  auto id = get_string(*body, "id", err);
  auto slug = get_string(*body, "slug", err);
  auto uri = get_string(*body, "uri", err);
  auto kind = get_string(*body, "backend_kind", err);
  auto provider = get_string(*body, "broker_provider_id", err);
  auto provider_slug = get_string(*body, "broker_provider_slug", err);
  auto display_name = get_string(*body, "display_name", err);
  if (!err.empty()) return bad_request(err);

  domain::resource r;
  r.backend_kind = kind && !kind->empty() ? *kind : "mint";
  if (r.backend_kind == "broker") return bad_request("broker resources are not supported by this build");
  if (r.backend_kind != "mint") return bad_request("backend_kind must be \"mint\" or \"broker\"");
  if ((provider && !provider->empty()) || (provider_slug && !provider_slug->empty()))
    return bad_request("mint resources must not reference a broker provider");
  r.slug = lowercase(slug.value_or(""));
  if (r.slug.empty()) return bad_request("slug is required");
  if (!valid_slug(r.slug)) return bad_request("slug must match ^[a-z0-9][a-z0-9-]{0,63}$");
  if (id && !id->empty()) {
    if (!valid_id(*id)) return bad_request("id must be 1-128 characters of [A-Za-z0-9._~-]");
    r.id = *id;
  } else {
    r.id = random_identifier(16);
  }
  r.uri = uri.value_or("");
  if (std::string why = validate_uri(r.uri); !why.empty()) return bad_request(why);
  r.display_name = display_name.value_or("");
  if (r.display_name.size() > max_text) return bad_request("display_name must be at most 255 characters");
  if (auto it = body->find("scopes"); it != body->end() && !it->value().is_null()) {
    auto scopes = parse_scopes(it->value(), err);
    if (!scopes) return bad_request(err);
    r.scopes = std::move(*scopes);
  }
  if (auto it = body->find("policy"); it != body->end()) {
    if (!apply_policy(it->value(), r, err)) return bad_request(err);
  }
  r.created_at = r.updated_at = d.clk.now();

  // Friendlier than the store's bare conflict: say which key is taken.
  if (auto existing = d.resources.find_resource_by_slug(r.slug); existing && *existing)
    return problem(409, "resource with slug \"" + r.slug + "\" already exists");
  if (auto c = d.resources.create_resource(r); c.has_error())
    return from_error(c.error(), "resource not found", "resource with this id or slug already exists");
  write_audit(d, req, "resource.created", "", "id=" + r.id + " slug=" + r.slug + " backend_kind=" + r.backend_kind);
  changed(d);
  return json_response(201, resource_view(r));
}

http::response list_resources(admin_deps& d, http::request& req) {
  auto q = parse_query(req.query);
  if (!q) return bad_request("malformed query string");
  std::string err;
  auto page = parse_page(*q, err);
  if (!page) return bad_request(err);
  auto list = d.resources.list_resources(*page);
  if (!list) return from_error(list.error());
  json::array arr;
  for (const auto& r : *list) arr.push_back(resource_view(r));
  json::object o;
  o["resources"] = std::move(arr);
  return json_response(200, o);
}

http::response get_resource(admin_deps& d, http::request& req) {
  auto found = find_resource(d, req.path_params["id"]);
  if (!found) return from_error(found.error());
  if (!*found) return resource_not_found();
  return json_response(200, resource_view(**found));
}

http::response patch_resource(admin_deps& d, http::request& req) {
  auto body = parse_object(req.body);
  if (!body) return bad_request("invalid JSON body");
  auto found = find_resource(d, req.path_params["id"]);
  if (!found) return from_error(found.error());
  if (!*found) return resource_not_found();
  domain::resource r = std::move(**found);

  std::string err;
  auto display_name = get_string(*body, "display_name", err);
  auto uri = get_string(*body, "uri", err);
  if (!err.empty()) return bad_request(err);
  std::vector<std::string> fields;
  if (display_name) {
    if (display_name->size() > max_text) return bad_request("display_name must be at most 255 characters");
    r.display_name = *display_name;
    fields.push_back("display_name");
  }
  if (uri) {
    if (std::string why = validate_uri(*uri); !why.empty()) return bad_request(why);
    r.uri = *uri;
    fields.push_back("uri");
  }
  if (auto it = body->find("scopes"); it != body->end() && !it->value().is_null()) {
    auto scopes = parse_scopes(it->value(), err);
    if (!scopes) return bad_request(err);
    r.scopes = std::move(*scopes);
    fields.push_back("scopes");
  }
  if (auto it = body->find("policy"); it != body->end() && !it->value().is_null()) {
    if (!apply_policy(it->value(), r, err)) return bad_request(err);
    fields.push_back("policy");
  }
  r.updated_at = d.clk.now();
  if (auto u = d.resources.update_resource(r); u.has_error())
    return from_error(u.error(), "resource not found", "resource slug already taken");
  std::string list;
  for (const auto& f : fields) list += (list.empty() ? "" : ",") + f;
  write_audit(d, req, "resource.patched", "", "id=" + r.id + " slug=" + r.slug + " fields=" + list);
  changed(d);
  return json_response(200, resource_view(r));
}

http::response delete_resource(admin_deps& d, http::request& req) {
  auto found = find_resource(d, req.path_params["id"]);
  if (!found) return from_error(found.error());
  if (!*found) return resource_not_found();
  const domain::resource& r = **found;
  if (auto del = d.resources.delete_resource(r.id); del.has_error())
    return from_error(del.error(), "resource not found");
  write_audit(d, req, "resource.deleted", "", "id=" + r.id + " slug=" + r.slug);
  changed(d);
  return http::response::empty(204);
}

// ---- per-field policy lists ------------------------------------------------------------------

struct policy_list {
  std::vector<std::string> domain::resource::*member;
  const char* response_field;  // "client_ids" | "allowed_client_ids"
  const char* audit_prefix;    // "resource.policy.runtime.client" | "resource.policy.exchange.allowed_client"
};
constexpr policy_list runtime_list{&domain::resource::runtime_client_ids, "client_ids", "resource.policy.runtime.client"};
constexpr policy_list exchange_list{&domain::resource::exchange_allowed_client_ids, "allowed_client_ids",
                                    "resource.policy.exchange.allowed_client"};

http::response list_body(int status, const policy_list& pl, const domain::resource& r) {
  json::object o;
  o[pl.response_field] = to_array(r.*pl.member);
  return json_response(status, o);
}

http::response policy_get(admin_deps& d, http::request& req, const policy_list& pl) {
  auto found = find_resource(d, req.path_params["slug"]);
  if (!found) return from_error(found.error());
  if (!*found) return resource_not_found();
  return list_body(200, pl, **found);
}

http::response policy_add(admin_deps& d, http::request& req, const policy_list& pl) {
  auto body = parse_object(req.body);
  if (!body) return bad_request("invalid JSON body");
  std::string err;
  auto client_id = get_string(*body, "client_id", err);
  if (!err.empty()) return bad_request(err);
  if (!client_id || client_id->empty()) return bad_request("client_id is required");
  auto found = find_resource(d, req.path_params["slug"]);
  if (!found) return from_error(found.error());
  if (!*found) return resource_not_found();
  domain::resource r = std::move(**found);
  auto client = d.clients.find_client(*client_id);
  if (!client) return from_error(client.error());
  if (!*client) return problem(404, "client not found");

  std::vector<std::string>& ids = r.*pl.member;
  if (std::find(ids.begin(), ids.end(), *client_id) == ids.end()) {  // idempotent
    ids.push_back(*client_id);
    r.updated_at = d.clk.now();
    if (auto u = d.resources.update_resource(r); u.has_error()) return from_error(u.error(), "resource not found");
    write_audit(d, req, std::string(pl.audit_prefix) + ".added", *client_id, "resource=" + r.slug);
    changed(d);
  }
  return list_body(201, pl, r);
}

http::response policy_remove(admin_deps& d, http::request& req, const policy_list& pl) {
  auto found = find_resource(d, req.path_params["slug"]);
  if (!found) return from_error(found.error());
  if (!*found) return resource_not_found();
  domain::resource r = std::move(**found);
  const std::string& client_id = req.path_params["client_id"];
  std::vector<std::string>& ids = r.*pl.member;
  auto it = std::find(ids.begin(), ids.end(), client_id);
  if (it == ids.end()) return problem(404, "client_id not in policy");
  ids.erase(it);
  r.updated_at = d.clk.now();
  if (auto u = d.resources.update_resource(r); u.has_error()) return from_error(u.error(), "resource not found");
  write_audit(d, req, std::string(pl.audit_prefix) + ".removed", client_id, "resource=" + r.slug);
  changed(d);
  return http::response::empty(204);
}

}  // namespace

void register_resource_routes(http::router& r, admin_deps& d) {
  add_route(r, d, "POST", "/admin/resources", [&d](http::request& q) { return create_resource(d, q); });
  add_route(r, d, "GET", "/admin/resources", [&d](http::request& q) { return list_resources(d, q); });
  add_route(r, d, "GET", "/admin/resources/{id}", [&d](http::request& q) { return get_resource(d, q); });
  add_route(r, d, "PATCH", "/admin/resources/{id}", [&d](http::request& q) { return patch_resource(d, q); });
  add_route(r, d, "DELETE", "/admin/resources/{id}", [&d](http::request& q) { return delete_resource(d, q); });

  const std::string runtime = "/admin/resources/{slug}/policy/runtime/client-ids";
  add_route(r, d, "GET", runtime, [&d](http::request& q) { return policy_get(d, q, runtime_list); });
  add_route(r, d, "POST", runtime, [&d](http::request& q) { return policy_add(d, q, runtime_list); });
  add_route(r, d, "DELETE", runtime + "/{client_id}",
            [&d](http::request& q) { return policy_remove(d, q, runtime_list); });

  const std::string exchange = "/admin/resources/{slug}/policy/exchange/allowed-clients";
  add_route(r, d, "GET", exchange, [&d](http::request& q) { return policy_get(d, q, exchange_list); });
  add_route(r, d, "POST", exchange, [&d](http::request& q) { return policy_add(d, q, exchange_list); });
  add_route(r, d, "DELETE", exchange + "/{client_id}",
            [&d](http::request& q) { return policy_remove(d, q, exchange_list); });
}

}  // namespace authplane::api::admin_detail
