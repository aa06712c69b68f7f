// Private helpers shared by the admin route files: problem+json responses, JSON body and query
// parsing, RFC 3339 times, URI checks, audit writes and route registration with the API-key gate.
#pragma once
#include <boost/json.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "authplane/api/admin.hpp"
#include "authplane/core/result.hpp"
#include "authplane/http/message.hpp"

namespace authplane::api::admin_detail {

// ---- responses -------------------------------------------------------------------------------

// application/problem+json {"type":"about:blank","title":<status text>,"status":N,"detail":...}
http::response problem(int status, std::string_view detail);
inline http::response bad_request(std::string_view detail) { return problem(400, detail); }
// 200/201 application/json.
http::response json_response(int status, const boost::json::value& v);
// Maps a store error: domain not_found → 404 `not_found_detail`, conflict → 409 `conflict_detail`,
// invalid → 400, anything else (storage_failure, foreign categories) → 500 "internal error".
http::response from_error(const error_code& ec, std::string_view not_found_detail = "not found",
                          std::string_view conflict_detail = "conflict");

// JSON array of strings (never null).
boost::json::array to_array(const std::vector<std::string>& v);
// Drops repeated values, keeping the first occurrence's position.
std::vector<std::string> dedupe(std::vector<std::string> v);

// ---- request parsing -------------------------------------------------------------------------

// The body as a JSON object; nullopt when it is not valid JSON or not an object.
std::optional<boost::json::object> parse_object(std::string_view body);

// Typed access to an optional field of a JSON object. Absent or null → nullopt and no error;
// wrong type → `error` set to "<key> must be ..." and nullopt.
std::optional<std::string> get_string(const boost::json::object& o, std::string_view key, std::string& error);
std::optional<bool> get_bool(const boost::json::object& o, std::string_view key, std::string& error);
std::optional<std::vector<std::string>> get_string_array(const boost::json::object& o, std::string_view key,
                                                         std::string& error);

// Decoded query parameters (first occurrence wins). nullopt on malformed percent-encoding.
struct query_params {
  std::vector<std::pair<std::string, std::string>> items;
  std::optional<std::string> get(std::string_view key) const;
  std::string value(std::string_view key) const { return get(key).value_or(""); }
};
std::optional<query_params> parse_query(std::string_view query);

// Non-negative decimal integer (no sign, no spaces, fits in int64).
std::optional<std::int64_t> parse_uint(std::string_view s);

// limit/offset of list endpoints: default limit 50, limit ≤ 1000, offset ≤ 100000. On a bad
// value returns nullopt and sets `error` to a detail naming the parameter.
std::optional<ports::list_page> parse_page(const query_params& q, std::string& error);

// ---- time ------------------------------------------------------------------------------------

// "2026-11-26T03:10:00Z" (UTC, second precision).
std::string format_rfc3339(std::int64_t unix_seconds);
// RFC 3339 date-time: "YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)", 'T'/'Z' case-insensitive.
// Fractional seconds are truncated. nullopt when malformed or out of range.
std::optional<std::int64_t> parse_rfc3339(std::string_view s);
// "1d 2h 3m 4s"; the day part only when non-zero ("2h 3m 4s", "0h 0m 5s").
std::string format_uptime(std::int64_t seconds);

// ---- validation ------------------------------------------------------------------------------

struct parsed_uri {
  std::string scheme;  // lower-cased
  std::string host;    // lower-cased, brackets removed for IPv6 literals
  bool has_fragment = false;
};
// Splits an absolute http(s) URI. nullopt (with `error`) when not absolute http(s) with a host,
// or when it contains whitespace/control characters.
std::optional<parsed_uri> parse_http_uri(std::string_view uri, std::string& error);
// localhost, 127.0.0.1, ::1
bool is_loopback_host(std::string_view host);

// ---- audit -----------------------------------------------------------------------------------

// Writes an audit event (actor "admin", ip = request peer). Best-effort: failures are logged.
void write_audit(admin_deps& d, const http::request& req, std::string action, std::string client_id,
                 std::string detail);
inline void notify(const std::function<void()>& f) {
  if (f) f();
}

// ---- routing ---------------------------------------------------------------------------------

using admin_handler = std::function<http::response(http::request&)>;
// Registers `h` behind the API-key gate and the path-parameter length check (≤256 → else 400).
// Exceptions thrown by `h` become 500 "internal error".
void add_route(http::router& r, admin_deps& d, std::string method, std::string pattern, admin_handler h);
// Checks the Authorization header; returns the 401 response when it fails.
std::optional<http::response> check_api_key(const admin_deps& d, const http::request& req);

void register_client_routes(http::router& r, admin_deps& d);
void register_user_routes(http::router& r, admin_deps& d);  // no-op unless d.users and d.passwords are set
void register_resource_routes(http::router& r, admin_deps& d);
void register_audit_routes(http::router& r, admin_deps& d);   // audit + tokens
void register_system_routes(http::router& r, admin_deps& d);  // auth/verify, keys, stats, system
void register_grant_routes(http::router& r, admin_deps& d);   // no-op unless d.consents is set

}  // namespace authplane::api::admin_detail
