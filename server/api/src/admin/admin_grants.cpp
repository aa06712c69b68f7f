// /admin/grants/consent: list (filters user_id, client_id; limit/offset), get, revoke (cascade),
// and the reference's per-user view GET /admin/users/{id}/grants (reference §3.2).
// Revoking marks the grant revoked (the next /oauth/authorize asks for consent again), revokes
// every refresh family issued under it and the access tokens minted from those families
// (introspection answers inactive), in one store transaction; audit consent_grant.revoked_admin.
#include <string>
#include <string_view>

#include "admin/admin_common.hpp"
#include "authplane/domain/error.hpp"

namespace authplane::api::admin_detail {

namespace json = boost::json;

namespace {

constexpr std::size_t max_filter = 256;
constexpr std::string_view grant_not_found = "consent grant not found";

json::array split_scopes(std::string_view s) {
  json::array out;
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t j = s.find(' ', i);
    if (j == std::string_view::npos) j = s.size();
    if (j > i) out.emplace_back(s.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

// The resource's id when exactly one registered resource has this URI, else "".
std::string resource_id_of(admin_deps& d, const std::string& uri) {
  if (uri.empty()) return {};
  auto found = d.resources.find_resources_by_uri(uri);
  if (!found || found->size() != 1) return {};
  return found->front().id;
}

json::object grant_view(admin_deps& d, const domain::consent_grant& g) {
  json::object o;
  o["id"] = g.id;
  o["user_id"] = g.user_id;
  o["client_id"] = g.client_id;
  o["resource_id"] = resource_id_of(d, g.resource);
  o["resource"] = g.resource;
  o["scopes"] = split_scopes(g.scopes);
  o["created_at"] = format_rfc3339(g.created_at);
  o["updated_at"] = format_rfc3339(g.updated_at);
  if (g.revoked_at) o["revoked_at"] = format_rfc3339(*g.revoked_at);
  return o;
}

// "" when acceptable; an absent parameter is no filter, a present one must be non-empty.
std::string check_filter(const query_params& q, std::string_view key, std::string& out) {
  auto v = q.get(key);
  if (!v) return {};
  if (v->empty()) return std::string(key) + " must not be empty";
  if (v->size() > max_filter) return std::string(key) + " must be at most 256 characters";
  for (unsigned char c : *v)
    if (c < 0x20 || c == 0x7f) return std::string(key) + " must not contain control characters";
  out = *v;
  return {};
}

// Unknown parameters are refused: a misspelt filter must not silently list every grant.
std::string check_known(const query_params& q, std::initializer_list<std::string_view> known) {
  for (const auto& [k, v] : q.items) {
    bool ok = false;
    for (auto n : known) ok = ok || k == n;
    if (!ok) return "unknown query parameter: " + k;
  }
  return {};
}

http::response list_response(admin_deps& d, const ports::consent_filter& f, const ports::list_page& page) {
  auto list = d.consents->list_consents(f, page);
  if (!list) return from_error(list.error());
  json::array arr;
  for (const auto& g : *list) arr.push_back(grant_view(d, g));
  json::object o;
  o["consent_grants"] = std::move(arr);
  return json_response(200, o);
}

http::response list_grants(admin_deps& d, http::request& req) {
  auto q = parse_query(req.query);
  if (!q) return bad_request("malformed query string");
  if (std::string why = check_known(*q, {"user_id", "client_id", "limit", "offset"}); !why.empty())
    return bad_request(why);
  ports::consent_filter f;
  if (std::string why = check_filter(*q, "user_id", f.user_id); !why.empty()) return bad_request(why);
  if (std::string why = check_filter(*q, "client_id", f.client_id); !why.empty()) return bad_request(why);
  std::string err;
  auto page = parse_page(*q, err);
  if (!page) return bad_request(err);
  return list_response(d, f, *page);
}

http::response get_grant(admin_deps& d, http::request& req) {
  auto found = d.consents->find_consent_by_id(req.path_params["id"]);
  if (!found) return from_error(found.error());
  if (!*found) return problem(404, grant_not_found);
  return json_response(200, grant_view(d, **found));
}

// 204 also for an already revoked grant (idempotent; the cascade finds nothing left to revoke).
http::response revoke_grant(admin_deps& d, http::request& req) {
  const std::string& id = req.path_params["id"];
  auto r = d.consents->revoke_consent(id, d.clk.now());
  if (!r) return from_error(r.error(), grant_not_found);
  write_audit(d, req, "consent_grant.revoked_admin", r->grant.client_id,
              "grant_id=" + id + " user_id=" + r->grant.user_id +
                  " revoked_issuances=" + std::to_string(r->revoked_issuances) +
                  " revoked_families=" + std::to_string(r->revoked_families));
  return http::response::empty(204);
}

// Reference shape: {consent_grants:[...], broker_grants:[]} (no broker grants in this build).
http::response user_grants(admin_deps& d, http::request& req) {
  auto q = parse_query(req.query);
  if (!q) return bad_request("malformed query string");
  std::string err;
  auto page = parse_page(*q, err);
  if (!page) return bad_request(err);
  const std::string& id = req.path_params["id"];
  auto user = d.users->find_user(id);
  if (!user) return from_error(user.error());
  if (!*user) return problem(404, "user not found");
  ports::consent_filter f;
  f.user_id = id;
  auto list = d.consents->list_consents(f, *page);
  if (!list) return from_error(list.error());
  json::array arr;
  for (const auto& g : *list) arr.push_back(grant_view(d, g));
  json::object o;
  o["consent_grants"] = std::move(arr);
  o["broker_grants"] = json::array();
  return json_response(200, o);
}

}  // namespace

void register_grant_routes(http::router& r, admin_deps& d) {
  if (!d.consents) return;
  add_route(r, d, "GET", "/admin/grants/consent", [&d](http::request& q) { return list_grants(d, q); });
  add_route(r, d, "GET", "/admin/grants/consent/{id}", [&d](http::request& q) { return get_grant(d, q); });
  add_route(r, d, "DELETE", "/admin/grants/consent/{id}", [&d](http::request& q) { return revoke_grant(d, q); });
  if (d.users)
    add_route(r, d, "GET", "/admin/users/{id}/grants", [&d](http::request& q) { return user_grants(d, q); });
}

}  // namespace authplane::api::admin_detail
