// POST /admin/auth/verify, GET /admin/keys, POST /admin/keys/rotate, GET /admin/stats,
// GET /admin/system/status, GET /admin/system/config.
#include "admin/admin_common.hpp"

namespace authplane::api::admin_detail {

namespace json = boost::json;

namespace {

http::response verify(admin_deps& d) {
  json::object o;
  o["valid"] = true;
  o["version"] = d.version;
  return json_response(200, o);
}

http::response list_keys(admin_deps& d) {
  json::array keys;
  for (const ports::key_info& k : d.keys.list_keys()) {
    json::object o;
    o["kid"] = k.kid;
    o["alg"] = k.alg;
    o["use"] = k.use;
    o["status"] = k.status;
    keys.push_back(std::move(o));
  }
  json::object out;
  out["keys"] = std::move(keys);
  return json_response(200, out);
}

http::response rotate_key(admin_deps& d, http::request& req) {
  auto k = d.keys.rotate_key();
  if (!k) return from_error(k.error());
  write_audit(d, req, "key.rotated", "", "kid=" + k->kid + " alg=" + k->alg);
  json::object o;
  o["kid"] = k->kid;
  o["alg"] = k->alg;
  return json_response(200, o);
}

http::response stats(admin_deps& d) {
  auto s = d.health.stats(d.clk.now());
  if (!s) return from_error(s.error());
  json::object o;
  o["clients"] = s->clients;
  o["users"] = s->users;
  o["active_tokens_24h"] = s->active_tokens_24h;
  o["revoked_tokens"] = s->revoked_tokens;
  o["connections"] = 0;  // broker connections are not part of this build
  return json_response(200, o);
}

http::response status(admin_deps& d) {
  std::int64_t up = d.clk.now() - d.started_at;
  if (up < 0) up = 0;
  bool storage_ok = false;
  try {
    storage_ok = !d.health.ping().has_error();
  } catch (const std::exception&) {
    storage_ok = false;
  }
  bool signing_ok = !d.keys.list_keys().empty();

  json::array subsystems;
  json::object storage;
  storage["name"] = "storage";
  storage["status"] = storage_ok ? "healthy" : "unhealthy";
  storage["driver"] = d.storage_driver;
  subsystems.push_back(std::move(storage));
  json::object signing;
  signing["name"] = "signing";
  signing["status"] = signing_ok ? "healthy" : "unhealthy";
  subsystems.push_back(std::move(signing));
  json::object encryption;
  encryption["name"] = "encryption";
  encryption["status"] = "not_configured";
  subsystems.push_back(std::move(encryption));

  json::object o;
  o["version"] = d.version;
  o["uptime"] = format_uptime(up);
  o["uptime_secs"] = up;
  o["subsystems"] = std::move(subsystems);
  return json_response(200, o);
}

}  // namespace

void register_system_routes(http::router& r, admin_deps& d) {
  add_route(r, d, "POST", "/admin/auth/verify", [&d](http::request&) { return verify(d); });
  add_route(r, d, "GET", "/admin/keys", [&d](http::request&) { return list_keys(d); });
  add_route(r, d, "POST", "/admin/keys/rotate", [&d](http::request& q) { return rotate_key(d, q); });
  add_route(r, d, "GET", "/admin/stats", [&d](http::request&) { return stats(d); });
  add_route(r, d, "GET", "/admin/system/status", [&d](http::request&) { return status(d); });
  add_route(r, d, "GET", "/admin/system/config",
            [&d](http::request&) { return http::response::json(200, d.sanitized_config_json); });
}

}  // namespace authplane::api::admin_detail
