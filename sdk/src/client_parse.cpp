// Response parsing and error mapping of the OAuth client, plus its error category.
#include "client_internal.hpp"

#include <authplane/http/message.hpp>

#include <array>

namespace authplane::sdk {

namespace json = boost::json;

namespace {

class client_category_impl final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "authplane.sdk.client"; }
  std::string message(int ev) const override {
    switch (static_cast<client_errc>(ev)) {
      case client_errc::invalid_config: return "invalid OAuth client configuration";
      case client_errc::missing_endpoint: return "endpoint not configured";
      case client_errc::invalid_argument: return "invalid argument";
      case client_errc::transport_failure: return "transport failure";
      case client_errc::response_too_large: return "response too large";
      case client_errc::protocol_error: return "protocol error";
      case client_errc::circuit_open: return "circuit breaker is open";
      case client_errc::no_dpop_signer: return "no DPoP signer configured";
      case client_errc::invalid_request: return "invalid_request";
      case client_errc::invalid_client: return "invalid_client";
      case client_errc::invalid_grant: return "invalid_grant";
      case client_errc::unauthorized_client: return "unauthorized_client";
      case client_errc::unsupported_grant_type: return "unsupported_grant_type";
      case client_errc::invalid_scope: return "invalid_scope";
      case client_errc::invalid_target: return "invalid_target";
      case client_errc::access_denied: return "access_denied";
      case client_errc::invalid_dpop_proof: return "invalid_dpop_proof";
      case client_errc::use_dpop_nonce: return "use_dpop_nonce";
      case client_errc::server_error: return "server_error";
      case client_errc::oauth_error: return "OAuth error";
    }
    return "unknown authplane.sdk.client error";
  }
};

std::string string_member(const json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::int64_t int_member(const json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  if (v == nullptr) return 0;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
    return static_cast<std::int64_t>(v->as_uint64());
  return 0;
}

std::string cnf_jkt(const json::object& o) {
  const auto* cnf = o.if_contains("cnf");
  return cnf != nullptr && cnf->is_object() ? string_member(cnf->as_object(), "jkt") : std::string();
}

// expires_in (RFC 6749 §5.1): optional, a non-negative integer when present.
bool read_expires_in(const json::object& body, std::optional<std::int64_t>& out, std::string& reason) {
  const auto* v = body.if_contains("expires_in");
  if (v == nullptr || v->is_null()) return true;
  if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    out = static_cast<std::int64_t>(v->as_uint64());
    return true;
  }
  if (!v->is_int64()) {
    reason = "token response field 'expires_in' must be an integer";
    return false;
  }
  if (v->as_int64() < 0) {
    reason = "token response field 'expires_in' must be non-negative";
    return false;
  }
  out = v->as_int64();
  return true;
}

}  // namespace

const boost::system::error_category& client_category() noexcept {
  static const client_category_impl c;
  return c;
}

namespace detail {

result<token_response> parse_token_response(const json::object& body, bool dpop_requested, std::string& reason) {
  const error_code bad = client_errc::protocol_error;
  token_response t;
  t.access_token = string_member(body, "access_token");
  if (t.access_token.empty()) {
    reason = "token response missing required field 'access_token'";
    return bad;
  }
  t.token_type = string_member(body, "token_type");
  if (t.token_type.empty()) {
    reason = "token response missing required field 'token_type'";
    return bad;
  }
  const bool is_dpop = http::iequals(t.token_type, "DPoP");
  if (!is_dpop && !http::iequals(t.token_type, "Bearer")) {
    reason = "unsupported token_type '" + t.token_type + "'; only Bearer and DPoP are supported";
    return bad;
  }
  // RFC 9449 §5: a proofed request must yield a DPoP token; Bearer means the AS ignored the proof.
  if (dpop_requested && !is_dpop) {
    reason = "token_type '" + t.token_type + "' answers a DPoP request (RFC 9449 §5: the server ignored the proof)";
    return bad;
  }
  if (!read_expires_in(body, t.expires_in, reason)) return bad;
  t.scope = string_member(body, "scope");
  t.refresh_token = string_member(body, "refresh_token");
  t.cnf_jkt = cnf_jkt(body);
  return t;
}

introspection_response parse_introspection(json::object body) {
  introspection_response r;
  const auto* active = body.if_contains("active");
  r.active = active != nullptr && active->is_bool() && active->as_bool();  // RFC 7662 §2.2
  for (auto [field, name] : std::array<std::pair<std::string*, std::string_view>, 8>{{
           {&r.scope, "scope"}, {&r.client_id, "client_id"}, {&r.sub, "sub"}, {&r.username, "username"},
           {&r.token_type, "token_type"}, {&r.iss, "iss"}, {&r.jti, "jti"}, {&r.agent_id, "agent_id"}}})
    *field = string_member(body, name);
  r.cnf_jkt = cnf_jkt(body);
  if (const auto* aud = body.if_contains("aud")) {
    if (aud->is_string()) r.aud.emplace_back(aud->as_string());
    else if (aud->is_array())
      for (const auto& a : aud->as_array())
        if (a.is_string()) r.aud.emplace_back(a.as_string());
  }
  r.exp = int_member(body, "exp");
  r.iat = int_member(body, "iat");
  r.nbf = int_member(body, "nbf");
  r.raw = std::move(body);
  return r;
}

error_code map_error_response(int status, const json::object* body, client_error& why) {
  why.status = status;
  if (body != nullptr) {
    why.error = string_member(*body, "error");
    why.description = string_member(*body, "error_description");
  }
  if (status >= 500) return client_errc::server_error;
  static constexpr std::pair<std::string_view, client_errc> codes[] = {
      {"invalid_request", client_errc::invalid_request},
      {"invalid_client", client_errc::invalid_client},
      {"invalid_grant", client_errc::invalid_grant},
      {"unauthorized_client", client_errc::unauthorized_client},
      {"unsupported_grant_type", client_errc::unsupported_grant_type},
      {"invalid_scope", client_errc::invalid_scope},
      {"invalid_target", client_errc::invalid_target},
      {"access_denied", client_errc::access_denied},
      {"invalid_dpop_proof", client_errc::invalid_dpop_proof},
      {"use_dpop_nonce", client_errc::use_dpop_nonce},
      {"server_error", client_errc::server_error},
  };
  for (const auto& [name, code] : codes)
    if (why.error == name) return code;
  if (status == 401) return client_errc::invalid_client;  // a bare 401 is a failed client authentication
  return client_errc::oauth_error;
}

}  // namespace detail
}  // namespace authplane::sdk
