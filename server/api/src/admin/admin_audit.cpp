// GET /admin/audit (bounded query), GET /admin/tokens, DELETE /admin/tokens/{jti}.
#include <algorithm>

#include "admin/admin_common.hpp"
#include "authplane/domain/error.hpp"

namespace authplane::api::admin_detail {

namespace json = boost::json;

namespace {

json::object event_view(const domain::audit_event& e) {
  json::object o;
  o["id"] = e.id;
  o["action"] = e.action;
  o["actor_id"] = e.actor_id;
  o["client_id"] = e.client_id;
  o["ip"] = e.ip;
  o["detail"] = e.detail;
  o["trace_id"] = e.trace_id;
  o["created_at"] = format_rfc3339(e.created_at);
  return o;
}

// The audit table can be large: every query is bounded in time (since defaults to now minus
// the default lookback and may not reach past the maximum lookback) and in size.
http::response query_audit(admin_deps& d, http::request& req) {
  auto q = parse_query(req.query);
  if (!q) return bad_request("malformed query string");
  std::int64_t now = d.clk.now();
  ports::audit_query aq;
  aq.action = q->value("action");
  aq.actor_id = q->value("actor_id");
  aq.client_id = q->value("client_id");

  const std::int64_t oldest = now - d.audit_max_lookback;
  const std::string max_h = std::to_string(d.audit_max_lookback / 3600) + "h";
  std::optional<std::int64_t> since, until;
  if (std::string s = q->value("since"); !s.empty()) {
    since = parse_rfc3339(s);
    if (!since) return bad_request("since must be an RFC 3339 timestamp");
    if (*since < oldest) return bad_request("since must not be older than " + max_h);
  }
  if (std::string u = q->value("until"); !u.empty()) {
    until = parse_rfc3339(u);
    if (!until) return bad_request("until must be an RFC 3339 timestamp");
    if (*until < oldest) return bad_request("until must not be older than " + max_h);
    if (since && *until < *since) return bad_request("until must not be before since");
  }
  // Without `since` the window is the default lookback ending at `until` (or now), never
  // reaching past the maximum lookback.
  aq.since = since ? *since : std::max(oldest, std::min(now, until.value_or(now)) - d.audit_default_lookback);
  aq.until = until.value_or(0);
  std::string err;
  auto page = parse_page(*q, err);  // limit ≤ 1000 (default 50), offset ≤ 100000
  if (!page) return bad_request(err);
  aq.limit = page->limit;
  aq.offset = page->offset;

  auto events = d.audit.query_audit(aq);
  if (!events) return from_error(events.error());
  json::array arr;
  for (const auto& e : *events) arr.push_back(event_view(e));
  json::object out;
  out["events"] = std::move(arr);
  return json_response(200, out);
}

json::object token_view(const domain::issuance& i) {
  json::object o;
  o["jti"] = i.jti;
  o["client_id"] = i.client_id;
  o["subject_user_id"] = i.subject_user_id;
  o["resource_id"] = i.resource_id;
  o["aud"] = i.audience;
  o["scope"] = i.scopes;
  o["token_type"] = i.token_type;
  o["issued_at"] = format_rfc3339(i.issued_at);
  o["expires_at"] = format_rfc3339(i.expires_at);
  if (i.revoked_at) o["revoked_at"] = format_rfc3339(*i.revoked_at);
  return o;
}

http::response list_tokens(admin_deps& d, http::request& req) {
  auto q = parse_query(req.query);
  if (!q) return bad_request("malformed query string");
  std::string err;
  auto page = parse_page(*q, err);
  if (!page) return bad_request(err);
  ports::issuance_filter f;
  f.client_id = q->value("client_id");
  f.user_id = q->value("user_id");
  f.active_only = true;
  f.now = d.clk.now();
  auto list = d.issuances.list_issuances(f, *page);
  if (!list) return from_error(list.error());
  json::array arr;
  for (const auto& i : *list) arr.push_back(token_view(i));
  json::object o;
  o["tokens"] = std::move(arr);
  return json_response(200, o);
}

http::response revoke_token(admin_deps& d, http::request& req) {
  const std::string& jti = req.path_params["jti"];
  auto found = d.issuances.find_issuance_by_jti(jti);
  if (!found) return from_error(found.error());
  if (!*found) return problem(404, "token not found");
  if (auto r = d.issuances.revoke_issuance(jti, d.clk.now()); r.has_error())
    return from_error(r.error(), "token not found");
  write_audit(d, req, "token.revoked", (*found)->client_id, "jti=" + jti + " reason=admin");
  return http::response::empty(204);
}

}  // namespace

void register_audit_routes(http::router& r, admin_deps& d) {
  add_route(r, d, "GET", "/admin/audit", [&d](http::request& q) { return query_audit(d, q); });
  add_route(r, d, "GET", "/admin/tokens", [&d](http::request& q) { return list_tokens(d, q); });
  add_route(r, d, "DELETE", "/admin/tokens/{jti}", [&d](http::request& q) { return revoke_token(d, q); });
}

}  // namespace authplane::api::admin_detail
