// GET /admin/system/config: a fixed, secret-free view of the running configuration.
#include <authplane/config/config.hpp>
#include <authplane/core/json_escape.hpp>


namespace authplane::config {
namespace {
std::string json_string(std::string_view s) {
  std::string out = "\"";
  json_escape_append(out, s);
  return out + "\"";
}

const char* json_bool(bool b) { return b ? "true" : "false"; }
}  // namespace

std::string sanitized_json(const config& c) {
  std::string o = "{";
  o += "\"issuer\":" + json_string(c.server.issuer);
  o += ",\"storage\":{\"driver\":" + json_string(c.storage.driver) + "}";
  o += ",\"signing\":{\"algorithm\":" + json_string(c.signing.algorithm) +
       ",\"key_store\":" + json_string(c.signing.key_store) + "}";
  o += ",\"encryption\":{\"driver\":" + json_string(c.data_encryption.driver.empty() ? "none" : c.data_encryption.driver) + "}";
  o += ",\"dcr\":{\"mode\":" + json_string(c.dcr.mode) + "}";
  o += ",\"rate_limit\":{\"enabled\":" + std::string(json_bool(c.rate_limit.enabled)) + "}";
  o += ",\"client_credentials\":{\"enabled\":" + std::string(json_bool(c.client_credentials.enabled)) + "}";
  o += ",\"dpop\":{\"enabled\":" + std::string(json_bool(c.dpop.enabled)) +
       ",\"nonce_ttl\":" + json_string(format_duration(c.dpop.nonce_ttl)) +
       ",\"require_nonce\":" + json_bool(c.dpop.require_nonce) + "}";
  o += ",\"token_exchange\":{\"enabled\":" + std::string(json_bool(c.token_exchange.enabled)) +
       ",\"max_chain_depth\":" + std::to_string(c.token_exchange.max_chain_depth) + "}";
  // Agent identity (is_agent, agent_id claims) is always on; only the JWKS listing is configurable.
  o += ",\"agents\":{\"enabled\":true,\"jwks_listing\":" + std::string(json_bool(c.agents.enable_jwks_listing)) + "}";
  o += ",\"oidc\":{\"enabled\":" + std::string(json_bool(c.oidc.enabled)) + "}";
  o += "}";
  return o;
}
}  // namespace authplane::config
