// /admin/users: create, list, get, patch, disable/enable, delete (force), force logout.
// Passwords are hashed before they reach the store and never appear in a response, an audit
// detail or a log line.
#include <functional>

#include "admin/admin_common.hpp"
#include "authplane/core/random.hpp"
#include "authplane/domain/error.hpp"

namespace authplane::api::admin_detail {

namespace json = boost::json;

namespace {

constexpr std::size_t max_email = 254;  // RFC 5321 path limit, as the reference caps identities
constexpr std::size_t max_name = 255;
constexpr std::string_view email_taken = "user with this email already exists";

json::object user_view(const domain::user& u) {
  json::object o;
  o["id"] = u.id;
  o["email"] = u.email;
  o["name"] = u.name;
  o["role"] = u.role;
  o["status"] = u.status;
  o["provider"] = u.provider;
  o["created_at"] = format_rfc3339(u.created_at);
  o["updated_at"] = format_rfc3339(u.updated_at);
  return o;
}

http::response user_not_found() { return problem(404, "user not found"); }

// A deliberately loose shape check: one '@' with text on both sides, no spaces or controls.
// Deliverability is the operator's business; this only stops obvious typos and header tricks.
std::string validate_email(std::string_view e) {
  if (e.size() > max_email) return "email must be at most 254 characters";
  auto at = e.find('@');
  bool ok = at != std::string_view::npos && at > 0 && at + 1 < e.size() && e.find('@', at + 1) == std::string_view::npos;
  for (unsigned char c : e) ok = ok && c > 0x20 && c != 0x7f;
  return ok ? std::string() : "email is not a valid address";
}

std::string validate_password(std::string_view p) {
  if (p.size() < ports::password_hasher::min_bytes) return "password must be at least 8 bytes";
  if (p.size() > ports::password_hasher::max_bytes) return "password must be at most 1024 bytes";
  return {};
}

std::string validate_role(std::string_view r) {
  return r == domain::user_role::admin || r == domain::user_role::user ? std::string() : "role must be admin or user";
}

std::string validate_user(const domain::user& u) {
  if (std::string why = validate_email(u.email); !why.empty()) return why;
  if (u.name.size() > max_name) return "name must be at most 255 characters";
  return validate_role(u.role);
}

// Ok when `email` is free or already belongs to `self_id`.
std::optional<http::response> check_email_free(admin_deps& d, const std::string& email, std::string_view self_id) {
  auto other = d.users->find_user_by_email(email);
  if (!other) return from_error(other.error());
  if (*other && (*other)->id != self_id) return problem(409, email_taken);
  return std::nullopt;
}

// Reads the user, applies `mutate` and writes it back under its optimistic version; on a
// version conflict reads and applies once more. `mutate` may stop with a response.
struct update_outcome {
  std::optional<http::response> error;
  domain::user user;
};
update_outcome update_with_retry(admin_deps& d, std::string_view id,
                                 const std::function<std::optional<http::response>(domain::user&)>& mutate) {
  for (int attempt = 0;; ++attempt) {
    auto found = d.users->find_user(id);
    if (!found) return {from_error(found.error()), {}};
    if (!*found) return {user_not_found(), {}};
    domain::user u = std::move(**found);
    if (auto stop = mutate(u)) return {std::move(stop), {}};
    u.updated_at = d.clk.now();
    auto r = d.users->update_user(u);
    if (!r.has_error()) {
      u.version += 1;
      return {std::nullopt, std::move(u)};
    }
    // A conflict is a concurrent write or an email taken in between: the retry re-checks both.
    if (r.error() == domain::errc::conflict && attempt == 0) continue;
    return {from_error(r.error(), "user not found", "user was modified concurrently; retry"), {}};
  }
}

std::string user_detail(const std::string& id) { return "user_id=" + id; }

http::response create_user(admin_deps& d, http::request& req) {
  auto body = parse_object(req.body);
  if (!body) return bad_request("invalid JSON body");
  std::string err;
  auto email = get_string(*body, "email", err);
  auto name = get_string(*body, "name", err);
  auto password = get_string(*body, "password", err);
  auto role = get_string(*body, "role", err);
  if (!err.empty()) return bad_request(err);
  if (!email || email->empty() || !password || password->empty()) return bad_request("email and password are required");

  domain::user u;
  u.email = *email;
  u.name = name.value_or("");
  u.role = role && !role->empty() ? *role : domain::user_role::user;
  if (std::string why = validate_user(u); !why.empty()) return bad_request(why);
  if (std::string why = validate_password(*password); !why.empty()) return bad_request(why);
  if (auto taken = check_email_free(d, u.email, "")) return std::move(*taken);

  auto hashed = d.passwords->hash(*password);
  if (!hashed) return from_error(hashed.error());
  u.password_hash = std::move(*hashed);
  u.id = random_identifier(16);
  u.status = domain::user_status::active;
  u.provider = "local";
  u.created_at = u.updated_at = d.clk.now();
  if (auto r = d.users->create_user(u); r.has_error()) return from_error(r.error(), "user not found", email_taken);

  write_audit(d, req, "user.created", "", user_detail(u.id) + " role=" + u.role);
  return json_response(201, user_view(u));
}

http::response list_users(admin_deps& d, http::request& req) {
  auto q = parse_query(req.query);
  if (!q) return bad_request("malformed query string");
  std::string err;
  auto page = parse_page(*q, err);
  if (!page) return bad_request(err);
  ports::user_filter f{q->value("status"), q->value("role")};
  if (!f.status.empty() && f.status != domain::user_status::active && f.status != domain::user_status::disabled)
    return bad_request("status must be one of active, disabled");
  if (!f.role.empty() && !validate_role(f.role).empty()) return bad_request("role must be one of admin, user");
  auto list = d.users->list_users(f, *page);
  if (!list) return from_error(list.error());
  json::array arr;
  for (const auto& u : *list) arr.push_back(user_view(u));
  json::object o;
  o["users"] = std::move(arr);
  return json_response(200, o);
}

http::response get_user(admin_deps& d, http::request& req) {
  auto found = d.users->find_user(req.path_params["id"]);
  if (!found) return from_error(found.error());
  if (!*found) return user_not_found();
  return json_response(200, user_view(**found));
}

// PATCH {email?, name?, role?, password?}: absent or null = unchanged. A new password also ends
// the user's sessions (session_generation moves), as a reset after a compromise should.
http::response patch_user(admin_deps& d, http::request& req) {
  auto body = parse_object(req.body);
  if (!body) return bad_request("invalid JSON body");
  std::string err;
  auto email = get_string(*body, "email", err);
  auto name = get_string(*body, "name", err);
  auto role = get_string(*body, "role", err);
  auto password = get_string(*body, "password", err);
  if (!err.empty()) return bad_request(err);
  std::optional<std::string> new_hash;
  if (password) {
    if (std::string why = validate_password(*password); !why.empty()) return bad_request(why);
    auto hashed = d.passwords->hash(*password);  // once, outside the retry loop
    if (!hashed) return from_error(hashed.error());
    new_hash = std::move(*hashed);
  }

  std::string fields;
  auto out = update_with_retry(d, req.path_params["id"], [&](domain::user& u) -> std::optional<http::response> {
    fields.clear();
    auto mark = [&](const char* f) { fields += (fields.empty() ? "" : ",") + std::string(f); };
    if (email) u.email = *email, mark("email");
    if (name) u.name = *name, mark("name");
    if (role) u.role = *role, mark("role");
    if (new_hash) u.password_hash = *new_hash, u.session_generation += 1, mark("password");
    if (std::string why = validate_user(u); !why.empty()) return bad_request(why);
    if (email) return check_email_free(d, u.email, u.id);
    return std::nullopt;
  });
  if (out.error) return std::move(*out.error);
  write_audit(d, req, "user.updated", "", user_detail(out.user.id) + " fields=" + fields);
  return json_response(200, user_view(out.user));
}

// active → disabled (ends sessions) and disabled → active; anything else is 409.
http::response set_status(admin_deps& d, http::request& req, bool disable) {
  const char* from = disable ? domain::user_status::active : domain::user_status::disabled;
  const char* to = disable ? domain::user_status::disabled : domain::user_status::active;
  auto out = update_with_retry(d, req.path_params["id"], [&](domain::user& u) -> std::optional<http::response> {
    if (u.status != from)
      return problem(409, std::string("cannot ") + (disable ? "disable" : "enable") + " a user whose status is " + u.status);
    u.status = to;
    // Moving the generation on disable means enabling again does not revive old sessions.
    if (disable) u.session_generation += 1;
    return std::nullopt;
  });
  if (out.error) return std::move(*out.error);
  write_audit(d, req, disable ? "user.disabled" : "user.enabled", "", user_detail(out.user.id));
  json::object o;
  o["status"] = to;
  return json_response(200, o);
}

std::optional<bool> parse_force(http::request& req, std::optional<http::response>& error) {
  auto q = parse_query(req.query);
  if (!q) return error = bad_request("malformed query string"), std::nullopt;
  std::string f = q->value("force");
  if (!f.empty() && f != "true" && f != "false" && f != "1" && f != "0")
    return error = bad_request("force must be true or false"), std::nullopt;
  return f == "true" || f == "1";
}

http::response delete_user(admin_deps& d, http::request& req) {
  std::optional<http::response> bad;
  auto force = parse_force(req, bad);
  if (!force) return std::move(*bad);
  const std::string& id = req.path_params["id"];
  auto found = d.users->find_user(id);
  if (!found) return from_error(found.error());
  if (!*found) return user_not_found();
  std::int64_t now = d.clk.now();
  auto active = d.users->count_active_user_tokens(id, now);
  if (!active) return from_error(active.error());
  if (*active > 0 && !*force) return problem(409, "user has active tokens — use force=true to revoke and delete");
  std::size_t revoked = 0;
  if (*force) {
    auto r = d.users->end_user_sessions(id, now);
    if (!r) return from_error(r.error(), "user not found");
    revoked = *r;
  }
  if (auto r = d.users->delete_user(id); r.has_error()) return from_error(r.error(), "user not found");
  write_audit(d, req, "user.deleted", "",
              user_detail(id) + " force=" + (*force ? "true" : "false") + " revoked_tokens=" + std::to_string(revoked));
  return http::response::empty(204);
}

// Force logout: voids every session (generation bump) and revokes the user's tokens at once.
http::response force_logout(admin_deps& d, http::request& req) {
  const std::string& id = req.path_params["id"];
  auto r = d.users->end_user_sessions(id, d.clk.now());
  if (!r) return from_error(r.error(), "user not found");
  write_audit(d, req, "user.force_logout", "", user_detail(id) + " tokens_revoked=" + std::to_string(*r));
  json::object o;
  o["user_id"] = id;
  o["tokens_revoked"] = *r;
  return json_response(200, o);
}

}  // namespace

void register_user_routes(http::router& r, admin_deps& d) {
  if (!d.users || !d.passwords) return;
  add_route(r, d, "POST", "/admin/users", [&d](http::request& q) { return create_user(d, q); });
  add_route(r, d, "GET", "/admin/users", [&d](http::request& q) { return list_users(d, q); });
  add_route(r, d, "GET", "/admin/users/{id}", [&d](http::request& q) { return get_user(d, q); });
  add_route(r, d, "PATCH", "/admin/users/{id}", [&d](http::request& q) { return patch_user(d, q); });
  add_route(r, d, "DELETE", "/admin/users/{id}", [&d](http::request& q) { return delete_user(d, q); });
  add_route(r, d, "PATCH", "/admin/users/{id}/disable", [&d](http::request& q) { return set_status(d, q, true); });
  add_route(r, d, "PATCH", "/admin/users/{id}/enable", [&d](http::request& q) { return set_status(d, q, false); });
  add_route(r, d, "DELETE", "/admin/users/{id}/tokens", [&d](http::request& q) { return force_logout(d, q); });
}

}  // namespace authplane::api::admin_detail
