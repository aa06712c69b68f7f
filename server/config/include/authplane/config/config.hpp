// AuthPlane configuration: one typed struct, loaded as defaults < YAML file < AUTHPLANE_* env.
//
//   auto r = authplane::config::load(yaml_path, authplane::config::process_environment());
//   if (!r) { std::cerr << r.error().message << "\n"; return 2; }
//   for (auto& w : r->warnings) log::warn("config.warning", {{"detail", w}});
//   if (auto errs = authplane::config::validate(r->cfg); !errs.empty()) { print each; return 2; }
//
// Names, defaults and quirks follow the reference server (docs/configuration.md). Every YAML key
// and env var is listed once in settings(); loading, validation messages and docs use that table.
#pragma once
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace authplane::config {
using namespace std::chrono_literals;
// Every duration setting. Parsed in Go syntax ("15m", "1h30m", "500ms"); millisecond precision.
using duration = std::chrono::milliseconds;

struct server_config {
  std::string issuer = "http://localhost:9000";
  std::string address = ":9000";
  duration read_timeout = 30s;
  duration write_timeout = 30s;
  duration idle_timeout = 120s;
  duration shutdown_wait = 10s;
  std::vector<std::string> allowed_origins;  // empty = CORS off
};

struct sqlite_config {
  std::string path = "data/authserver.db";
  bool wal = true;
};

struct postgres_config {
  std::string dsn;
  std::int64_t max_conns = 25;
  std::int64_t min_conns = 5;
  duration max_conn_lifetime = 1h;
  duration max_conn_idle_time = 30min;
};

struct storage_config {
  std::string driver = "sqlite";  // sqlite | postgres
  sqlite_config sqlite;
  postgres_config postgres;
};

struct vault_config {  // signing.key_store = vault_transit (not supported by this build)
  std::string address;
  std::string token;
  std::string transit_mount = "transit";
  std::string transit_key_name = "authserver-signing";
  duration timeout = 10s;
  std::string approle_role_id;
  std::string approle_secret_id;
  std::string approle_mount;
};

struct signing_config {
  std::string algorithm = "ES256";  // ES256 | RS256 | EdDSA
  std::string key_store = "keyfile";  // keyfile (vault_transit, postgres_key: not in this build)
  std::string key_path = "data/keys";
  std::string pg_encryption_key_env;
  vault_config vault;
};

struct dcr_config {
  std::string mode = "open";  // open | approved_redirects | admin_only
  std::vector<std::string> approved_redirects;
  std::int64_t rate_limit = 10;
  std::int64_t rate_limit_burst = 20;
  duration default_token_expiry = 15min;
  duration default_refresh_expiry = 168h;
};

struct cimd_config {
  bool enabled = true;
  bool require_https = true;
  bool allow_private_addresses = false;
  duration cache_ttl = 1h;
  duration fetch_timeout = 10s;
};

struct session_config {
  std::string secret;
  std::string cookie_name = "authserver_session";
  duration max_age = 24h;
  bool secure = false;
  std::string same_site = "lax";  // lax | strict | none
  bool fail_closed = true;
};

struct rate_limit_config {
  bool enabled = true;
  double rps = 100;
  std::int64_t burst = 200;
  std::int64_t auth_fail_max = 10;
  duration auth_fail_window = 10min;
  duration auth_lockout = 15min;
  std::int64_t max_tracked_identities = 250000;
};

struct admin_config {
  bool enabled = true;
  std::string address = ":9001";
  std::string api_key;
  duration audit_default_lookback = 24h;
  duration audit_max_lookback = 720h;
  double requests_per_second = 0;  // YAML only; 0 = no admin limiter
  std::int64_t burst = 0;          // YAML only
};

struct oauth_config {
  bool require_scope = true;
  std::string default_client_scope;
  duration state_max_age = 10min;
};

struct oidc_config {
  bool enabled = false;
  std::string issuer;
  std::string client_id;
  std::string client_secret;
  std::string client_secret_env;  // YAML only
  std::string client_secret_ref;  // YAML only
  std::string display_name;
  std::vector<std::string> scopes;  // empty = "openid email profile" (+groups)
  std::string redirect_uri;
  bool show_local_login = true;
  bool include_groups_scope = true;
  std::string connector_id;
};

struct client_credentials_config {
  bool enabled = true;
  duration token_expiry = 1h;
};

struct dpop_config {
  bool enabled = true;
  duration nonce_ttl = 60s;
  duration proof_lifetime = 60s;
  bool require_nonce = false;
};

struct token_exchange_config {
  bool enabled = true;
  bool allow_self_exchange = false;
  std::int64_t max_chain_depth = 5;
  duration token_expiry = 1h;
};

struct xaa_config {
  bool enabled = true;
  duration token_expiry = 1h;
  duration max_assertion_age = 5min;
  bool require_resource = false;
  std::string subject_mode = "auto_map";  // auto_map | strict
  duration jwks_cache_ttl = 1h;
};

struct agents_config {
  bool enable_jwks_listing = false;
};

struct data_encryption_vault_config {
  std::string address;
  std::string auth_method;  // token | approle
  std::string token_env;
  std::string mount_path;
  std::string key_name;
  std::string role_id_env;
  std::string secret_id_env;
};

struct data_encryption_config {  // accepted for compatibility; not used by this build
  std::string driver;   // "" | aes_master | vault_transit_encrypt
  std::string key_env;  // name of the env var holding 64 hex chars
  std::string old_key_env;  // YAML only (data_encryption.aes_master.old_key_env)
  data_encryption_vault_config vault;
};

struct connect_config {  // accepted for compatibility; not used by this build
  std::string state_secret;
  std::string redirect_base_url;
  std::vector<std::string> allowed_return_urls;
};

struct broker_provider_config {  // accepted for compatibility; not used by this build
  std::string slug;
  std::string display_name;
  std::string protocol = "oauth";
  std::string client_id;
  std::string client_secret_env;
  std::string client_secret_ref;
  std::string authorize_url;
  std::string token_url;
  std::string response_format;
};

struct log_config {
  std::string level = "info";   // debug | info | warn | error
  std::string format = "json";  // json | text
  bool add_source = false;
  bool stdout_enabled = true;   // log.stdout / AUTHPLANE_LOG_STDOUT
  bool otel = false;
  std::string otel_endpoint;
  bool otel_insecure = false;
};

struct metrics_config {
  std::string provider = "prometheus";  // prometheus | otel | both | none
  std::string path = "/metrics";
  std::string otel_endpoint;
  bool insecure = false;
  std::string basic_auth_username;  // YAML only (metrics.basic_auth.username)
  std::string basic_auth_password;  // YAML only (metrics.basic_auth.password)
};

struct tracing_config {
  bool enabled = false;
  std::string endpoint;
  bool insecure = false;
  double sample_rate = 1.0;
};

// AUTHPLANE_RESOURCE_URI + AUTHPLANE_RESOURCE_SCOPES: one Mint resource seeded at start.
struct resource_seed_config {
  std::string uri;
  std::vector<std::string> scopes;
};

struct resource_scope {
  std::string name;
  std::string description;
};

// One entry of the YAML `resources:` seed list.
struct resource_entry {
  std::string slug;
  std::string uri;
  std::string display_name;
  std::string backend_kind = "mint";  // mint | broker
  std::string broker_provider_slug;   // also accepted as broker_provider
  std::vector<resource_scope> scopes;
};

struct config {
  server_config server;
  storage_config storage;
  signing_config signing;
  dcr_config dcr;
  cimd_config cimd;
  session_config session;
  rate_limit_config rate_limit;
  admin_config admin;
  oauth_config oauth;
  oidc_config oidc;
  client_credentials_config client_credentials;
  dpop_config dpop;
  token_exchange_config token_exchange;
  xaa_config xaa;
  agents_config agents;
  std::string client_secret_pepper;
  data_encryption_config data_encryption;
  connect_config connect;
  broker_provider_config broker_provider;            // env-only single seed (AUTHPLANE_BROKER_PROVIDER_*)
  std::vector<broker_provider_config> broker_providers;  // YAML `broker_providers:`
  log_config log;
  metrics_config metrics;
  tracing_config tracing;
  resource_seed_config resource;         // env-only (AUTHPLANE_RESOURCE_URI / _SCOPES)
  std::vector<resource_entry> resources;  // YAML `resources:`
};

// ---- the settings table -------------------------------------------------------------------------

using field_ref = std::variant<std::string*, bool*, std::int64_t*, double*, duration*, std::vector<std::string>*>;

struct setting {
  std::string_view key;  // YAML path, dotted ("server.issuer"); empty = env only
  std::string_view env;  // "AUTHPLANE_..."; empty = YAML only
  field_ref (*field)(config&);
  bool implemented;   // false = accepted for compatibility, not acted on by this build
  bool secret;        // never printed or exported
  std::string_view help;
};

// Every scalar/list setting, in documentation order.
const std::vector<setting>& settings();
const setting* find_by_key(std::string_view key);
const setting* find_by_env(std::string_view env);
// "admin.api_key (AUTHPLANE_ADMIN_API_KEY)"; YAML-only keys get "(YAML only)".
std::string describe(std::string_view key);
// Every AUTHPLANE_* name the loader reads.
std::vector<std::string> known_env_vars();
// The current value of a setting as text ("15m0s", "true", "a,b"); secrets are not masked.
std::string value_text(const config& c, const setting& s);

// ---- loading ------------------------------------------------------------------------------------

struct loaded {
  config cfg;
  std::vector<std::string> warnings;  // one line each; print them at start
};

struct load_error {
  std::string message;  // "path:line: ..." for YAML problems
  std::vector<std::string> warnings;
};

[[noreturn]] inline void throw_exception_from_error(const load_error& e, const boost::source_location&) {
  throw std::runtime_error(e.message);
}

using load_result = boost::system::result<loaded, load_error>;
using environment = std::map<std::string, std::string, std::less<>>;

// defaults < YAML file (missing file tolerated with a warning) < env (only AUTHPLANE_* names in the
// table are read). Unparseable env ints/floats/durations keep the previous value and add a warning.
load_result load(const std::optional<std::string>& yaml_path, const environment& env);
// Same, from YAML text (file_name is used in messages). For tests and embedded configs.
load_result load_from_string(std::string_view yaml_text, std::string_view file_name, const environment& env);
// The AUTHPLANE_* variables of this process.
environment process_environment();

// ---- validation ---------------------------------------------------------------------------------

// One line per problem; empty = OK to boot.
std::vector<std::string> validate(const config& c);

// Issuer host is localhost, 127.0.0.1 or ::1 (case-insensitive). False when the issuer is not a URL.
bool is_localhost_issuer(const config& c);
// True when `value` is on the weak-secret blocklist (case-insensitive).
bool is_weak_secret(std::string_view value);

// ---- helpers ------------------------------------------------------------------------------------

// Go time.ParseDuration syntax: "300ms", "1.5h", "2h45m", "-1m"; "0" is the only bare number.
std::optional<duration> parse_duration(std::string_view s);
// Go time.Duration.String() style: "15m0s", "168h0m0s", "500ms", "0s", "1.5s".
std::string format_duration(duration d);

// GET /admin/system/config body. Contains no secrets.
std::string sanitized_json(const config& c);
}  // namespace authplane::config
