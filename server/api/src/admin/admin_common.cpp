#include "admin/admin_common.hpp"

#include <cstdio>
#include <ctime>
#include <exception>
#include <algorithm>
#include <utility>

#include "authplane/core/constant_time.hpp"
#include "authplane/core/log.hpp"
#include "authplane/core/random.hpp"
#include "authplane/domain/error.hpp"

namespace authplane::api::admin_detail {

namespace json = boost::json;

// ---- responses -------------------------------------------------------------------------------

http::response problem(int status, std::string_view detail) {
  json::object o;
  o["type"] = "about:blank";
  o["title"] = http::status_text(status);
  o["status"] = status;
  o["detail"] = detail;
  http::response r = http::response::json(status, json::serialize(o));
  r.set_header("Content-Type", "application/problem+json");
  return r;
}

http::response json_response(int status, const json::value& v) { return http::response::json(status, json::serialize(v)); }

http::response from_error(const error_code& ec, std::string_view not_found_detail, std::string_view conflict_detail) {
  if (ec.category() == domain::domain_category()) {
    switch (static_cast<domain::errc>(ec.value())) {
      case domain::errc::not_found: return problem(404, not_found_detail);
      case domain::errc::conflict: return problem(409, conflict_detail);
      case domain::errc::invalid: return problem(400, "invalid request");
      default: break;
    }
  }
  log::error("admin.store_error", {{"error", ec.message()}});
  return problem(500, "internal error");
}

json::array to_array(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

std::vector<std::string> dedupe(std::vector<std::string> v) {
  std::vector<std::string> out;
  for (auto& s : v)
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(std::move(s));
  return out;
}

// ---- request parsing -------------------------------------------------------------------------

std::optional<json::object> parse_object(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

std::optional<std::string> get_string(const json::object& o, std::string_view key, std::string& error) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::nullopt;
  if (!it->value().is_string()) {
    if (error.empty()) error = std::string(key) + " must be a string";
    return std::nullopt;
  }
  const json::string& s = it->value().get_string();
  return std::string(s.data(), s.size());
}

std::optional<bool> get_bool(const json::object& o, std::string_view key, std::string& error) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::nullopt;
  if (!it->value().is_bool()) {
    if (error.empty()) error = std::string(key) + " must be a boolean";
    return std::nullopt;
  }
  return it->value().get_bool();
}

std::optional<std::vector<std::string>> get_string_array(const json::object& o, std::string_view key,
                                                         std::string& error) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::nullopt;
  auto fail = [&]() -> std::optional<std::vector<std::string>> {
    if (error.empty()) error = std::string(key) + " must be an array of strings";
    return std::nullopt;
  };
  if (!it->value().is_array()) return fail();
  std::vector<std::string> out;
  for (const json::value& e : it->value().get_array()) {
    if (!e.is_string()) return fail();
    out.emplace_back(e.get_string().data(), e.get_string().size());
  }
  return out;
}

std::optional<std::string> query_params::get(std::string_view key) const {
  for (const auto& [k, v] : items)
    if (k == key) return v;
  return std::nullopt;
}

std::optional<query_params> parse_query(std::string_view query) {
  query_params q;
  if (query.empty()) return q;
  auto parsed = http::parse_form(query);
  if (!parsed) return std::nullopt;
  q.items = std::move(*parsed);
  return q;
}

std::optional<std::int64_t> parse_uint(std::string_view s) {
  if (s.empty() || s.size() > 18) return std::nullopt;  // 18 digits always fit in int64
  std::int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::optional<ports::list_page> parse_page(const query_params& q, std::string& error) {
  ports::list_page page;
  if (auto l = q.get("limit"); l && !l->empty()) {
    auto n = parse_uint(*l);
    if (!n) {
      error = "limit must be a non-negative integer";
      return std::nullopt;
    }
    if (*n > 1000) {
      error = "limit must not exceed 1000";
      return std::nullopt;
    }
    if (*n > 0) page.limit = static_cast<std::size_t>(*n);
  }
  if (auto o = q.get("offset"); o && !o->empty()) {
    auto n = parse_uint(*o);
    if (!n) {
      error = "offset must be a non-negative integer";
      return std::nullopt;
    }
    if (*n > 100000) {
      error = "offset must not exceed 100000";
      return std::nullopt;
    }
    page.offset = static_cast<std::size_t>(*n);
  }
  return page;
}

// ---- time ------------------------------------------------------------------------------------

std::string format_rfc3339(std::int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  if (!gmtime_r(&t, &tm)) return "1970-01-01T00:00:00Z";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

namespace {
bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}
bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
int days_in_month(int y, int m) {
  static constexpr int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : d[m - 1];
}
}  // namespace

std::optional<std::int64_t> parse_rfc3339(std::string_view s) {
  // RFC 3339 §5.6: full-date "T" full-time; time-offset = "Z" / ("+" / "-") HH ":" MM.
  int year, mon, day, hour, min, sec;
  if (s.size() < 20) return std::nullopt;
  if (!digits(s, 0, 4, year) || s[4] != '-' || !digits(s, 5, 2, mon) || s[7] != '-' || !digits(s, 8, 2, day))
    return std::nullopt;
  if (s[10] != 'T' && s[10] != 't') return std::nullopt;
  if (!digits(s, 11, 2, hour) || s[13] != ':' || !digits(s, 14, 2, min) || s[16] != ':' || !digits(s, 17, 2, sec))
    return std::nullopt;
  if (mon < 1 || mon > 12 || day < 1 || day > days_in_month(year, mon) || hour > 23 || min > 59 || sec > 60)
    return std::nullopt;
  std::size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    std::size_t j = i + 1;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
    if (j == i + 1) return std::nullopt;
    i = j;
  }
  std::int64_t offset = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int oh, om;
    if (!digits(s, i + 1, 2, oh) || i + 3 >= s.size() || s[i + 3] != ':' || !digits(s, i + 4, 2, om) || oh > 23 ||
        om > 59)
      return std::nullopt;
    offset = (s[i] == '+' ? 1 : -1) * (static_cast<std::int64_t>(oh) * 3600 + om * 60);
    i += 6;
  } else {
    return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = min;
  tm.tm_sec = sec == 60 ? 59 : sec;  // a leap second is read as :59
  std::int64_t t = static_cast<std::int64_t>(timegm(&tm));
  return t - offset;
}

std::string format_uptime(std::int64_t seconds) {
  if (seconds < 0) seconds = 0;
  std::int64_t d = seconds / 86400, h = seconds % 86400 / 3600, m = seconds % 3600 / 60, s = seconds % 60;
  std::string out;
  if (d > 0) out += std::to_string(d) + "d ";
  out += std::to_string(h) + "h " + std::to_string(m) + "m " + std::to_string(s) + "s";
  return out;
}

// ---- validation ------------------------------------------------------------------------------

namespace {
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}
}  // namespace

std::optional<parsed_uri> parse_http_uri(std::string_view uri, std::string& error) {
  for (char c : uri) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      error = "must not contain whitespace or control characters";
      return std::nullopt;
    }
  }
  parsed_uri p;
  auto colon = uri.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    error = "must be an absolute URI";
    return std::nullopt;
  }
  p.scheme = to_lower(uri.substr(0, colon));
  if (p.scheme != "http" && p.scheme != "https") {
    error = "scheme must be http or https";
    return std::nullopt;
  }
  std::string_view rest = uri.substr(colon + 1);
  if (rest.substr(0, 2) != "//") {
    error = "must be an absolute URI with a host";
    return std::nullopt;
  }
  rest.remove_prefix(2);
  p.has_fragment = uri.find('#') != std::string_view::npos;
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  std::string_view host, port_part;  // port_part: "" or ":<port>"
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) {
      error = "has an invalid host";
      return std::nullopt;
    }
    host = authority.substr(1, close - 1);
    port_part = authority.substr(close + 1);
  } else {
    auto pc = authority.find(':');
    host = authority.substr(0, pc);
    if (pc != std::string_view::npos) port_part = authority.substr(pc);
  }
  if (host.empty()) {
    error = "must be an absolute URI with a host";
    return std::nullopt;
  }
  // RFC 3986 §3.2.2: reg-name (unreserved / pct-encoded) or a bracketed IPv6 literal. Anything
  // else (backslashes, quotes, sub-delims) is refused: parsers disagree on such hosts.
  bool bracketed = authority.front() == '[';
  for (char c : host) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              (bracketed ? c == ':' : (c == '-' || c == '_' || c == '~' || c == '%'));
    if (!ok) {
      error = "has an invalid host";
      return std::nullopt;
    }
  }
  if (!port_part.empty()) {
    std::string_view port = port_part.substr(1);
    auto n = port.empty() ? std::optional<std::int64_t>(0) : parse_uint(port);
    if (port_part.front() != ':' || !n || *n > 65535) {
      error = "has an invalid port";
      return std::nullopt;
    }
  }
  p.host = to_lower(host);
  return p;
}

bool is_loopback_host(std::string_view host) { return host == "localhost" || host == "127.0.0.1" || host == "::1"; }

// ---- audit -----------------------------------------------------------------------------------

void write_audit(admin_deps& d, const http::request& req, std::string action, std::string client_id,
                 std::string detail) {
  domain::audit_event ev;
  ev.id = random_token(16);
  ev.action = std::move(action);
  ev.actor_id = "admin";
  ev.client_id = std::move(client_id);
  ev.ip = req.remote_ip;
  ev.detail = std::move(detail);
  ev.created_at = d.clk.now();
  try {
    auto r = d.audit.append_audit(ev);
    if (r.has_error()) log::warn("audit.write_failed", {{"action", ev.action}, {"error", r.error().message()}});
  } catch (const std::exception& e) {
    log::warn("audit.write_failed", {{"action", ev.action}, {"error", e.what()}});
  }
}

// ---- routing ---------------------------------------------------------------------------------

namespace {
http::response unauthorized(std::string_view description) {
  json::object o;
  o["error"] = "unauthorized";
  o["error_description"] = description;
  http::response r = http::response::json(401, json::serialize(o));
  r.set_header("WWW-Authenticate", "Bearer realm=\"admin\"");
  return r;
}

bool is_admin_path(std::string_view path) {
  return path == "/admin" || path.substr(0, 7) == "/admin/";
}

constexpr std::size_t max_path_param = 256;
}  // namespace

std::optional<http::response> check_api_key(const admin_deps& d, const http::request& req) {
  if (d.api_key.empty()) return unauthorized("admin API key not configured");
  auto h = req.headers.get("Authorization");
  if (!h) return unauthorized("missing API key");
  std::string_view v = *h;
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  if (v.size() < 7 || !http::iequals(v.substr(0, 7), "Bearer ")) return unauthorized("missing API key");
  v.remove_prefix(7);
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  if (v.empty()) return unauthorized("missing API key");
  if (!constant_time_equal(v, d.api_key)) return unauthorized("invalid API key");
  return std::nullopt;
}

void add_route(http::router& r, admin_deps& d, std::string method, std::string pattern, admin_handler h) {
  r.add(std::move(method), std::move(pattern), [&d, h = std::move(h)](http::request& req, http::responder done) {
    if (auto deny = check_api_key(d, req)) {
      done(std::move(*deny));
      return;
    }
    // The router hands over raw segments; ids such as CIMD client ids (URLs) arrive
    // percent-encoded, so decode them here ('+' stays '+': this is a path, not a form).
    for (auto& [name, value] : req.path_params) {
      if (value.size() > max_path_param) {
        done(problem(400, "path parameter " + name + " exceeds 256 characters"));
        return;
      }
      auto decoded = http::url_decode(value, false);
      if (!decoded) {
        done(problem(400, "path parameter " + name + " is not valid percent-encoding"));
        return;
      }
      value = std::move(*decoded);
    }
    http::response res;
    try {
      res = h(req);
    } catch (const std::exception& e) {
      log::error("admin.handler_exception", {{"path", req.path}, {"error", e.what()}});
      res = problem(500, "internal error");
    }
    done(std::move(res));
  });
}

}  // namespace authplane::api::admin_detail

namespace authplane::api {

void register_admin_routes(http::router& r, admin_deps& deps) {
  using namespace admin_detail;
  // The gate also covers /admin/* paths that match no route, so an anonymous caller learns
  // nothing from 404 vs 405. Paths outside /admin/ pass through untouched (the router may be
  // shared with other surfaces).
  r.use([&deps](http::request& req, http::responder done, const http::handler& next) {
    if (is_admin_path(req.path)) {
      if (auto deny = check_api_key(deps, req)) {
        done(std::move(*deny));
        return;
      }
    }
    next(req, std::move(done));
  });
  register_system_routes(r, deps);
  register_client_routes(r, deps);
  register_resource_routes(r, deps);
  register_audit_routes(r, deps);
  register_user_routes(r, deps);
  register_grant_routes(r, deps);
}

}  // namespace authplane::api
