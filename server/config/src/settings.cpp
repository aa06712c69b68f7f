// The one table of settings: YAML key, env var, field. Loader, validator messages and docs use it.
#include <authplane/config/config.hpp>

#include <algorithm>

namespace authplane::config {
namespace {
#define AP_FIELD(member) [](config& c) -> field_ref { return &c.member; }

// implemented: true = this build acts on it; false = accepted for compatibility only.
constexpr bool yes = true;
constexpr bool no = false;

std::vector<setting> build_table() {
  return {
      // server
      {"server.issuer", "AUTHPLANE_SERVER_ISSUER", AP_FIELD(server.issuer), yes, no, "Public issuer URL; tokens carry it as iss."},
      {"server.address", "AUTHPLANE_SERVER_ADDRESS", AP_FIELD(server.address), yes, no, "Public listener address (host:port or :port)."},
      {"server.read_timeout", "AUTHPLANE_SERVER_READ_TIMEOUT", AP_FIELD(server.read_timeout), yes, no, "Max time to read a request."},
      {"server.write_timeout", "AUTHPLANE_SERVER_WRITE_TIMEOUT", AP_FIELD(server.write_timeout), yes, no, "Max time to write a response."},
      {"server.idle_timeout", "AUTHPLANE_SERVER_IDLE_TIMEOUT", AP_FIELD(server.idle_timeout), yes, no, "Keep-alive idle timeout."},
      {"server.shutdown_wait", "AUTHPLANE_SERVER_SHUTDOWN_WAIT", AP_FIELD(server.shutdown_wait), yes, no, "Graceful shutdown grace period."},
      {"server.allowed_origins", "AUTHPLANE_SERVER_ALLOWED_ORIGINS", AP_FIELD(server.allowed_origins), yes, no, "CORS origins (exact or *); empty = CORS off."},
      // storage
      {"storage.driver", "AUTHPLANE_STORAGE_DRIVER", AP_FIELD(storage.driver), yes, no, "sqlite or postgres."},
      {"storage.sqlite.path", "AUTHPLANE_STORAGE_SQLITE_PATH", AP_FIELD(storage.sqlite.path), yes, no, "SQLite database file."},
      {"storage.sqlite.wal", "AUTHPLANE_STORAGE_SQLITE_WAL", AP_FIELD(storage.sqlite.wal), yes, no, "Enable SQLite WAL journal mode."},
      {"storage.postgres.dsn", "AUTHPLANE_STORAGE_POSTGRES_DSN", AP_FIELD(storage.postgres.dsn), no, yes, "PostgreSQL connection string."},
      {"storage.postgres.max_conns", "AUTHPLANE_STORAGE_POSTGRES_MAX_CONNS", AP_FIELD(storage.postgres.max_conns), no, no, "Pool maximum size."},
      {"storage.postgres.min_conns", "AUTHPLANE_STORAGE_POSTGRES_MIN_CONNS", AP_FIELD(storage.postgres.min_conns), no, no, "Pool minimum size."},
      {"storage.postgres.max_conn_lifetime", "AUTHPLANE_STORAGE_POSTGRES_MAX_CONN_LIFETIME", AP_FIELD(storage.postgres.max_conn_lifetime), no, no, "Connection max lifetime."},
      {"storage.postgres.max_conn_idle_time", "AUTHPLANE_STORAGE_POSTGRES_MAX_CONN_IDLE_TIME", AP_FIELD(storage.postgres.max_conn_idle_time), no, no, "Connection max idle time."},
      // signing
      {"signing.algorithm", "AUTHPLANE_SIGNING_ALGORITHM", AP_FIELD(signing.algorithm), yes, no, "Access-token signing algorithm: ES256, RS256 or EdDSA."},
      {"signing.key_store", "AUTHPLANE_SIGNING_KEY_STORE", AP_FIELD(signing.key_store), yes, no, "keyfile (vault_transit and postgres_key are not in this build)."},
      {"signing.key_path", "AUTHPLANE_SIGNING_KEY_PATH", AP_FIELD(signing.key_path), yes, no, "Directory of the keyfile store (keys written 0600)."},
      {"signing.pg_encryption_key_env", "AUTHPLANE_SIGNING_PG_ENCRYPTION_KEY_ENV", AP_FIELD(signing.pg_encryption_key_env), no, no, "postgres_key store: name of the env var holding the key."},
      {"signing.vault.address", "AUTHPLANE_VAULT_ADDR", AP_FIELD(signing.vault.address), no, no, "Vault address (vault_transit store)."},
      {"signing.vault.token", "AUTHPLANE_VAULT_TOKEN", AP_FIELD(signing.vault.token), no, yes, "Vault token."},
      {"signing.vault.transit_mount", "AUTHPLANE_VAULT_TRANSIT_MOUNT", AP_FIELD(signing.vault.transit_mount), no, no, "Vault Transit mount."},
      {"signing.vault.transit_key_name", "AUTHPLANE_VAULT_TRANSIT_KEY_NAME", AP_FIELD(signing.vault.transit_key_name), no, no, "Vault Transit key name."},
      {"signing.vault.timeout", "AUTHPLANE_VAULT_TIMEOUT", AP_FIELD(signing.vault.timeout), no, no, "Vault request timeout."},
      {"signing.vault.approle_role_id", "AUTHPLANE_VAULT_APPROLE_ROLE_ID", AP_FIELD(signing.vault.approle_role_id), no, no, "Vault AppRole role id."},
      {"signing.vault.approle_secret_id", "AUTHPLANE_VAULT_APPROLE_SECRET_ID", AP_FIELD(signing.vault.approle_secret_id), no, yes, "Vault AppRole secret id."},
      {"signing.vault.approle_mount", "AUTHPLANE_VAULT_APPROLE_MOUNT", AP_FIELD(signing.vault.approle_mount), no, no, "Vault AppRole mount."},
      // dcr
      {"dcr.mode", "AUTHPLANE_DCR_MODE", AP_FIELD(dcr.mode), yes, no, "open, approved_redirects or admin_only."},
      {"dcr.approved_redirects", "AUTHPLANE_DCR_APPROVED_REDIRECTS", AP_FIELD(dcr.approved_redirects), yes, no, "Redirect URIs allowed in approved_redirects mode."},
      {"dcr.rate_limit", "AUTHPLANE_DCR_RATE_LIMIT", AP_FIELD(dcr.rate_limit), yes, no, "Registrations per second per IP."},
      {"dcr.rate_limit_burst", "AUTHPLANE_DCR_RATE_LIMIT_BURST", AP_FIELD(dcr.rate_limit_burst), yes, no, "Registration burst per IP."},
      {"dcr.default_token_expiry", "AUTHPLANE_DCR_DEFAULT_TOKEN_EXPIRY", AP_FIELD(dcr.default_token_expiry), yes, no, "Access-token lifetime for new clients."},
      {"dcr.default_refresh_expiry", "AUTHPLANE_DCR_DEFAULT_REFRESH_EXPIRY", AP_FIELD(dcr.default_refresh_expiry), yes, no, "Refresh-token lifetime for new clients."},
      // cimd
      {"cimd.enabled", "AUTHPLANE_CIMD_ENABLED", AP_FIELD(cimd.enabled), yes, no, "Accept URL client_ids (client ID metadata documents)."},
      {"cimd.require_https", "AUTHPLANE_CIMD_REQUIRE_HTTPS", AP_FIELD(cimd.require_https), yes, no, "Require https client_id URLs (false only with a localhost issuer)."},
      {"cimd.allow_private_addresses", "AUTHPLANE_CIMD_ALLOW_PRIVATE_ADDRESSES", AP_FIELD(cimd.allow_private_addresses), yes, no, "Allow fetching private/loopback addresses (localhost issuer only)."},
      {"cimd.cache_ttl", "AUTHPLANE_CIMD_CACHE_TTL", AP_FIELD(cimd.cache_ttl), yes, no, "Metadata document cache lifetime."},
      {"cimd.fetch_timeout", "AUTHPLANE_CIMD_FETCH_TIMEOUT", AP_FIELD(cimd.fetch_timeout), yes, no, "Metadata document fetch timeout."},
      // session
      {"session.secret", "AUTHPLANE_SESSION_SECRET", AP_FIELD(session.secret), yes, yes, "HMAC key for session cookies (>=16 chars, required off-localhost)."},
      {"session.cookie_name", "AUTHPLANE_SESSION_COOKIE_NAME", AP_FIELD(session.cookie_name), yes, no, "Session cookie name."},
      {"session.max_age", "AUTHPLANE_SESSION_MAX_AGE", AP_FIELD(session.max_age), yes, no, "Session lifetime."},
      {"session.secure", "AUTHPLANE_SESSION_SECURE", AP_FIELD(session.secure), yes, no, "Secure cookie flag (required off-localhost)."},
      {"session.same_site", "AUTHPLANE_SESSION_SAME_SITE", AP_FIELD(session.same_site), yes, no, "lax, strict or none."},
      {"session.fail_closed", "AUTHPLANE_SESSION_FAIL_CLOSED", AP_FIELD(session.fail_closed), yes, no, "Reject the session when the user lookup fails."},
      // rate limit
      {"rate_limit.enabled", "AUTHPLANE_RATE_LIMIT_ENABLED", AP_FIELD(rate_limit.enabled), yes, no, "Per-IP token bucket on the public port."},
      {"rate_limit.rps", "AUTHPLANE_RATE_LIMIT_RPS", AP_FIELD(rate_limit.rps), yes, no, "Requests per second per IP."},
      {"rate_limit.burst", "AUTHPLANE_RATE_LIMIT_BURST", AP_FIELD(rate_limit.burst), yes, no, "Burst per IP."},
      {"rate_limit.auth_fail_max", "AUTHPLANE_RATE_LIMIT_AUTH_FAIL_MAX", AP_FIELD(rate_limit.auth_fail_max), yes, no, "Failed logins before lockout (per identity+IP)."},
      {"rate_limit.auth_fail_window", "AUTHPLANE_RATE_LIMIT_AUTH_FAIL_WINDOW", AP_FIELD(rate_limit.auth_fail_window), yes, no, "Window counting failed logins."},
      {"rate_limit.auth_lockout", "AUTHPLANE_RATE_LIMIT_AUTH_LOCKOUT", AP_FIELD(rate_limit.auth_lockout), yes, no, "Lockout duration."},
      {"rate_limit.max_tracked_identities", "AUTHPLANE_RATE_LIMIT_MAX_TRACKED_IDENTITIES", AP_FIELD(rate_limit.max_tracked_identities), yes, no, "Lockout map bound (min 10000)."},
      // admin
      {"admin.enabled", "AUTHPLANE_ADMIN_ENABLED", AP_FIELD(admin.enabled), yes, no, "Run the admin listener."},
      {"admin.address", "AUTHPLANE_ADMIN_ADDRESS", AP_FIELD(admin.address), yes, no, "Admin listener address; must differ from server.address."},
      {"admin.api_key", "AUTHPLANE_ADMIN_API_KEY", AP_FIELD(admin.api_key), yes, yes, "Bearer key for the admin API (>=16 chars, required off-localhost)."},
      {"admin.audit_default_lookback", "AUTHPLANE_ADMIN_AUDIT_DEFAULT_LOOKBACK", AP_FIELD(admin.audit_default_lookback), yes, no, "Audit query default window."},
      {"admin.audit_max_lookback", "AUTHPLANE_ADMIN_AUDIT_MAX_LOOKBACK", AP_FIELD(admin.audit_max_lookback), yes, no, "Audit query maximum window."},
      {"admin.requests_per_second", "", AP_FIELD(admin.requests_per_second), yes, no, "Per-IP admin limiter rate; 0 = none."},
      {"admin.burst", "", AP_FIELD(admin.burst), yes, no, "Per-IP admin limiter burst; 0 = none."},
      // oauth
      {"oauth.require_scope", "AUTHPLANE_OAUTH_REQUIRE_SCOPE", AP_FIELD(oauth.require_scope), yes, no, "Reject authorization requests without scope."},
      {"oauth.default_client_scope", "AUTHPLANE_OAUTH_DEFAULT_CLIENT_SCOPE", AP_FIELD(oauth.default_client_scope), yes, no, "Scope used when a request omits scope (with require_scope=false)."},
      {"oauth.state_max_age", "AUTHPLANE_OAUTH_STATE_MAX_AGE", AP_FIELD(oauth.state_max_age), yes, no, "Freshness of login/OIDC state."},
      // oidc
      {"oidc.enabled", "AUTHPLANE_OIDC_ENABLED", AP_FIELD(oidc.enabled), no, no, "Federated login with one upstream OIDC provider."},
      {"oidc.issuer", "AUTHPLANE_OIDC_ISSUER", AP_FIELD(oidc.issuer), no, no, "Upstream issuer URL."},
      {"oidc.client_id", "AUTHPLANE_OIDC_CLIENT_ID", AP_FIELD(oidc.client_id), no, no, "Upstream client id."},
      {"oidc.client_secret", "AUTHPLANE_OIDC_CLIENT_SECRET", AP_FIELD(oidc.client_secret), no, yes, "Upstream client secret."},
      {"oidc.client_secret_env", "", AP_FIELD(oidc.client_secret_env), no, no, "Name of the env var holding the upstream client secret."},
      {"oidc.client_secret_ref", "", AP_FIELD(oidc.client_secret_ref), no, no, "Secret reference for the upstream client secret."},
      {"oidc.display_name", "AUTHPLANE_OIDC_DISPLAY_NAME", AP_FIELD(oidc.display_name), no, no, "Login button label."},
      {"oidc.scopes", "AUTHPLANE_OIDC_SCOPES", AP_FIELD(oidc.scopes), no, no, "Upstream scopes (default openid email profile)."},
      {"oidc.redirect_uri", "AUTHPLANE_OIDC_REDIRECT_URI", AP_FIELD(oidc.redirect_uri), no, no, "Callback URL registered upstream."},
      {"oidc.show_local_login", "AUTHPLANE_OIDC_SHOW_LOCAL_LOGIN", AP_FIELD(oidc.show_local_login), no, no, "Also show the local password form."},
      {"oidc.include_groups_scope", "AUTHPLANE_OIDC_INCLUDE_GROUPS_SCOPE", AP_FIELD(oidc.include_groups_scope), no, no, "Request groups when the IdP supports it."},
      {"oidc.connector_id", "AUTHPLANE_OIDC_CONNECTOR_ID", AP_FIELD(oidc.connector_id), no, no, "Dex connector_id (letters, digits, '-')."},
      // grants
      {"client_credentials.enabled", "AUTHPLANE_CLIENT_CREDENTIALS_ENABLED", AP_FIELD(client_credentials.enabled), yes, no, "Enable the client_credentials grant."},
      {"client_credentials.token_expiry", "AUTHPLANE_CLIENT_CREDENTIALS_TOKEN_EXPIRY", AP_FIELD(client_credentials.token_expiry), yes, no, "Machine token lifetime."},
      {"dpop.enabled", "AUTHPLANE_DPOP_ENABLED", AP_FIELD(dpop.enabled), yes, no, "Accept DPoP proofs at the token endpoint."},
      {"dpop.nonce_ttl", "AUTHPLANE_DPOP_NONCE_TTL", AP_FIELD(dpop.nonce_ttl), yes, no, "DPoP-Nonce lifetime."},
      {"dpop.proof_lifetime", "AUTHPLANE_DPOP_PROOF_LIFETIME", AP_FIELD(dpop.proof_lifetime), yes, no, "Allowed proof iat skew (10s-300s)."},
      {"dpop.require_nonce", "AUTHPLANE_DPOP_REQUIRE_NONCE", AP_FIELD(dpop.require_nonce), yes, no, "Require a server nonce in proofs."},
      {"token_exchange.enabled", "AUTHPLANE_TOKEN_EXCHANGE_ENABLED", AP_FIELD(token_exchange.enabled), yes, no, "Enable RFC 8693 token exchange."},
      {"token_exchange.allow_self_exchange", "AUTHPLANE_TOKEN_EXCHANGE_ALLOW_SELF_EXCHANGE", AP_FIELD(token_exchange.allow_self_exchange), yes, no, "Allow exchanging a token for the same client."},
      {"token_exchange.max_chain_depth", "AUTHPLANE_TOKEN_EXCHANGE_MAX_CHAIN_DEPTH", AP_FIELD(token_exchange.max_chain_depth), yes, no, "Maximum act chain depth (1-10)."},
      {"token_exchange.token_expiry", "AUTHPLANE_TOKEN_EXCHANGE_TOKEN_EXPIRY", AP_FIELD(token_exchange.token_expiry), yes, no, "Exchanged token lifetime."},
      {"xaa.enabled", "AUTHPLANE_XAA_ENABLED", AP_FIELD(xaa.enabled), no, no, "Enable the JWT-bearer / ID-JAG grant."},
      {"xaa.token_expiry", "AUTHPLANE_XAA_TOKEN_EXPIRY", AP_FIELD(xaa.token_expiry), no, no, "Token lifetime for the XAA grant."},
      {"xaa.max_assertion_age", "AUTHPLANE_XAA_MAX_ASSERTION_AGE", AP_FIELD(xaa.max_assertion_age), no, no, "Maximum ID-JAG age (iat)."},
      {"xaa.require_resource", "AUTHPLANE_XAA_REQUIRE_RESOURCE", AP_FIELD(xaa.require_resource), no, no, "Require the resource parameter."},
      {"xaa.subject_mode", "AUTHPLANE_XAA_SUBJECT_MODE", AP_FIELD(xaa.subject_mode), no, no, "auto_map or strict."},
      {"xaa.jwks_cache_ttl", "AUTHPLANE_XAA_JWKS_CACHE_TTL", AP_FIELD(xaa.jwks_cache_ttl), no, no, "IdP JWKS cache lifetime."},
      {"agents.enable_jwks_listing", "AUTHPLANE_AGENTS_ENABLE_JWKS_LISTING", AP_FIELD(agents.enable_jwks_listing), yes, no, "List agent keys in the JWKS."},
      {"client_secret_pepper", "AUTHPLANE_CLIENT_SECRET_PEPPER", AP_FIELD(client_secret_pepper), yes, yes, "HMAC-SHA256 pepper for new client secrets (>=16 chars)."},
      // data encryption
      {"data_encryption.driver", "AUTHPLANE_DATA_ENCRYPTION_DRIVER", AP_FIELD(data_encryption.driver), no, no, "aes_master or vault_transit_encrypt."},
      {"data_encryption.aes_master.key_env", "AUTHPLANE_DATA_ENCRYPTION_KEY_ENV", AP_FIELD(data_encryption.key_env), no, no, "Name of the env var holding the 64-hex-char master key."},
      {"data_encryption.aes_master.old_key_env", "", AP_FIELD(data_encryption.old_key_env), no, no, "Previous master key env var (decrypt-only during rotation)."},
      {"data_encryption.vault.address", "AUTHPLANE_DATA_ENCRYPTION_VAULT_ADDRESS", AP_FIELD(data_encryption.vault.address), no, no, "Vault address."},
      {"data_encryption.vault.auth_method", "AUTHPLANE_DATA_ENCRYPTION_VAULT_AUTH_METHOD", AP_FIELD(data_encryption.vault.auth_method), no, no, "token or approle."},
      {"data_encryption.vault.token_env", "AUTHPLANE_DATA_ENCRYPTION_VAULT_TOKEN_ENV", AP_FIELD(data_encryption.vault.token_env), no, no, "Env var holding the Vault token."},
      {"data_encryption.vault.mount_path", "AUTHPLANE_DATA_ENCRYPTION_VAULT_MOUNT_PATH", AP_FIELD(data_encryption.vault.mount_path), no, no, "Transit mount path."},
      {"data_encryption.vault.key_name", "AUTHPLANE_DATA_ENCRYPTION_VAULT_KEY_NAME", AP_FIELD(data_encryption.vault.key_name), no, no, "Transit key name."},
      {"data_encryption.vault.role_id_env", "AUTHPLANE_DATA_ENCRYPTION_VAULT_ROLE_ID_ENV", AP_FIELD(data_encryption.vault.role_id_env), no, no, "Env var holding the AppRole role id."},
      {"data_encryption.vault.secret_id_env", "AUTHPLANE_DATA_ENCRYPTION_VAULT_SECRET_ID_ENV", AP_FIELD(data_encryption.vault.secret_id_env), no, no, "Env var holding the AppRole secret id."},
      // connect (broker)
      {"connect.state_secret", "AUTHPLANE_CONNECT_STATE_SECRET", AP_FIELD(connect.state_secret), no, yes, "HMAC key for connect state (>=32 chars; empty disables connect)."},
      {"connect.redirect_base_url", "AUTHPLANE_CONNECT_REDIRECT_BASE_URL", AP_FIELD(connect.redirect_base_url), no, no, "Public base URL of the connect callback (https)."},
      {"connect.allowed_return_urls", "AUTHPLANE_CONNECT_ALLOWED_RETURN_URLS", AP_FIELD(connect.allowed_return_urls), no, no, "Allowed return URLs after connect."},
      // single broker provider seed (env only)
      {"", "AUTHPLANE_BROKER_PROVIDER_SLUG", AP_FIELD(broker_provider.slug), no, no, "Seeded broker provider slug."},
      {"", "AUTHPLANE_BROKER_PROVIDER_DISPLAY_NAME", AP_FIELD(broker_provider.display_name), no, no, "Seeded broker provider name."},
      {"", "AUTHPLANE_BROKER_PROVIDER_PROTOCOL", AP_FIELD(broker_provider.protocol), no, no, "oauth, api_key or service_account."},
      {"", "AUTHPLANE_BROKER_PROVIDER_CLIENT_ID", AP_FIELD(broker_provider.client_id), no, no, "Upstream client id."},
      {"", "AUTHPLANE_BROKER_PROVIDER_CLIENT_SECRET_ENV", AP_FIELD(broker_provider.client_secret_env), no, no, "Env var (CONNECTOR_* or AUTHPLANE_VAULT_*) holding the secret."},
      {"", "AUTHPLANE_BROKER_PROVIDER_CLIENT_SECRET_REF", AP_FIELD(broker_provider.client_secret_ref), no, no, "Secret reference for the client secret."},
      {"", "AUTHPLANE_BROKER_PROVIDER_AUTHORIZE_URL", AP_FIELD(broker_provider.authorize_url), no, no, "Upstream authorize URL."},
      {"", "AUTHPLANE_BROKER_PROVIDER_TOKEN_URL", AP_FIELD(broker_provider.token_url), no, no, "Upstream token URL."},
      {"", "AUTHPLANE_BROKER_PROVIDER_RESPONSE_FORMAT", AP_FIELD(broker_provider.response_format), no, no, "Upstream token response format."},
      // resource seed (env only)
      {"", "AUTHPLANE_RESOURCE_URI", AP_FIELD(resource.uri), yes, no, "Seed one Mint resource with this URI (slug from hostname)."},
      {"", "AUTHPLANE_RESOURCE_SCOPES", AP_FIELD(resource.scopes), yes, no, "Scopes of the seeded resource (comma list)."},
      // observability
      {"log.level", "AUTHPLANE_LOG_LEVEL", AP_FIELD(log.level), yes, no, "debug, info, warn or error."},
      {"log.format", "AUTHPLANE_LOG_FORMAT", AP_FIELD(log.format), yes, no, "json or text."},
      {"log.add_source", "AUTHPLANE_LOG_ADD_SOURCE", AP_FIELD(log.add_source), no, no, "Add source file/line to log records."},
      {"log.stdout", "AUTHPLANE_LOG_STDOUT", AP_FIELD(log.stdout_enabled), yes, no, "Write logs to the console."},
      {"log.otel", "AUTHPLANE_LOG_OTEL", AP_FIELD(log.otel), no, no, "Export logs over OTLP."},
      {"log.otel_endpoint", "AUTHPLANE_LOG_OTEL_ENDPOINT", AP_FIELD(log.otel_endpoint), no, no, "OTLP log endpoint."},
      {"log.otel_insecure", "AUTHPLANE_LOG_OTEL_INSECURE", AP_FIELD(log.otel_insecure), no, no, "OTLP logs without TLS."},
      {"metrics.provider", "AUTHPLANE_METRICS_PROVIDER", AP_FIELD(metrics.provider), yes, no, "prometheus, otel, both or none."},
      {"metrics.path", "AUTHPLANE_METRICS_PATH", AP_FIELD(metrics.path), yes, no, "Prometheus path on the admin port."},
      {"metrics.otel_endpoint", "AUTHPLANE_METRICS_OTEL_ENDPOINT", AP_FIELD(metrics.otel_endpoint), no, no, "OTLP metrics endpoint."},
      {"metrics.insecure", "AUTHPLANE_METRICS_INSECURE", AP_FIELD(metrics.insecure), no, no, "OTLP metrics without TLS."},
      {"metrics.basic_auth.username", "", AP_FIELD(metrics.basic_auth_username), no, no, "Basic-auth user for /metrics."},
      {"metrics.basic_auth.password", "", AP_FIELD(metrics.basic_auth_password), no, yes, "Basic-auth password for /metrics."},
      {"tracing.enabled", "AUTHPLANE_TRACING_ENABLED", AP_FIELD(tracing.enabled), no, no, "Export traces over OTLP."},
      {"tracing.endpoint", "AUTHPLANE_TRACING_ENDPOINT", AP_FIELD(tracing.endpoint), no, no, "OTLP trace endpoint."},
      {"tracing.insecure", "AUTHPLANE_TRACING_INSECURE", AP_FIELD(tracing.insecure), no, no, "OTLP traces without TLS."},
      {"tracing.sample_rate", "AUTHPLANE_TRACING_SAMPLE_RATE", AP_FIELD(tracing.sample_rate), no, no, "Trace sampling ratio 0-1."},
  };
}
#undef AP_FIELD
}  // namespace

const std::vector<setting>& settings() {
  static const std::vector<setting> table = build_table();
  return table;
}

const setting* find_by_key(std::string_view key) {
  if (key.empty()) return nullptr;
  for (const auto& s : settings())
    if (s.key == key) return &s;
  return nullptr;
}

const setting* find_by_env(std::string_view env) {
  if (env.empty()) return nullptr;
  for (const auto& s : settings())
    if (s.env == env) return &s;
  return nullptr;
}

std::string describe(std::string_view key) {
  const setting* s = find_by_key(key);
  if (!s) s = find_by_env(key);
  if (!s) return std::string(key);
  if (s->key.empty()) return std::string(s->env);
  if (s->env.empty()) return std::string(s->key) + " (YAML only)";
  return std::string(s->key) + " (" + std::string(s->env) + ")";
}

std::vector<std::string> known_env_vars() {
  std::vector<std::string> out;
  for (const auto& s : settings())
    if (!s.env.empty()) out.emplace_back(s.env);
  return out;
}

namespace {
struct text_of {
  std::string operator()(const std::string* v) const { return *v; }
  std::string operator()(const bool* v) const { return *v ? "true" : "false"; }
  std::string operator()(const std::int64_t* v) const { return std::to_string(*v); }
  std::string operator()(const double* v) const {
    std::string s = std::to_string(*v);  // "100.000000"
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.push_back('0');
    return s;
  }
  std::string operator()(const duration* v) const { return format_duration(*v); }
  std::string operator()(const std::vector<std::string>* v) const {
    std::string out;
    for (const auto& e : *v) {
      if (!out.empty()) out += ',';
      out += e;
    }
    return out;
  }
};
}  // namespace

std::string value_text(const config& c, const setting& s) {
  // The table hands out mutable pointers; reading through them does not modify c.
  return std::visit(text_of{}, s.field(const_cast<config&>(c)));
}
}  // namespace authplane::config
