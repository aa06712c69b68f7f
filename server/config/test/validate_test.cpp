#include <authplane/config/config.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

namespace cfg = authplane::config;
using namespace std::chrono_literals;

namespace {
// A non-localhost configuration that passes every rule.
cfg::config production() {
  cfg::config c;
  c.server.issuer = "https://auth.example.com";
  c.session.secret = "Zq8v2JrT6mWbX4kP9sLd";
  c.session.secure = true;
  c.admin.api_key = "adm-7Hc2Lq9Vx4Nt8Rw3";
  return c;
}

// validate() must report exactly `line` (and nothing else) after `mutate`.
void expect_only(const std::function<void(cfg::config&)>& mutate, const std::string& line,
                 cfg::config base = cfg::config{}) {
  mutate(base);
  auto errs = cfg::validate(base);
  ASSERT_EQ(errs.size(), 1u) << "expected: " << line << "\ngot " << errs.size() << " lines, first: "
                             << (errs.empty() ? "" : errs[0]) << (errs.size() > 1 ? "\nsecond: " + errs[1] : "");
  EXPECT_EQ(errs[0], line);
}

bool contains(const std::vector<std::string>& v, const std::string& line) {
  return std::find(v.begin(), v.end(), line) != v.end();
}
}  // namespace

TEST(Validate, DefaultsAreValidOnLocalhost) {
  cfg::config c;
  EXPECT_TRUE(cfg::is_localhost_issuer(c));
  auto errs = cfg::validate(c);
  EXPECT_TRUE(errs.empty()) << errs[0];
  for (auto issuer : {"http://127.0.0.1:9000", "http://[::1]:9000", "http://LOCALHOST", "https://localhost/base"}) {
    c.server.issuer = issuer;
    EXPECT_TRUE(cfg::is_localhost_issuer(c)) << issuer;
    EXPECT_TRUE(cfg::validate(c).empty()) << issuer;
  }
  c.server.issuer = "https://localhost.example.com";
  EXPECT_FALSE(cfg::is_localhost_issuer(c));
  c.server.issuer = "not a url";
  EXPECT_FALSE(cfg::is_localhost_issuer(c));
}

TEST(Validate, ProductionIssuerNeedsSecrets) {
  cfg::config c;
  c.server.issuer = "https://auth.example.com";
  auto errs = cfg::validate(c);
  EXPECT_EQ(errs, (std::vector<std::string>{
                      "session.secret (AUTHPLANE_SESSION_SECRET) is required when the issuer is not localhost (issuer "
                      "https://auth.example.com)",
                      "session.secure (AUTHPLANE_SESSION_SECURE) must be true when the issuer is not localhost (issuer "
                      "https://auth.example.com)",
                      "admin.api_key (AUTHPLANE_ADMIN_API_KEY) is required when the issuer is not localhost (issuer "
                      "https://auth.example.com)",
                  }));
  EXPECT_TRUE(cfg::validate(production()).empty()) << cfg::validate(production())[0];

  // Admin disabled: no key needed.
  auto p = production();
  p.admin.api_key.clear();
  p.admin.enabled = false;
  EXPECT_TRUE(cfg::validate(p).empty());
}

TEST(Validate, ProductionMinimumLengthsAndWeakValues) {
  expect_only([](cfg::config& c) { c.admin.api_key = "short-key"; },
              "admin.api_key (AUTHPLANE_ADMIN_API_KEY) must be at least 16 characters (got 9)", production());
  expect_only([](cfg::config& c) { c.session.secret = "0123456789abcde"; },
              "session.secret (AUTHPLANE_SESSION_SECRET) must be at least 16 characters (got 15)", production());
  expect_only([](cfg::config& c) { c.session.secret = "DEV-SECRET-CHANGE-ME"; },
              "session.secret (AUTHPLANE_SESSION_SECRET) is a well-known weak value; generate a random secret",
              production());
  expect_only([](cfg::config& c) { c.admin.api_key = "1234567890123456"; },
              "admin.api_key (AUTHPLANE_ADMIN_API_KEY) is a well-known weak value; generate a random secret",
              production());
}

TEST(Validate, WeakSecretsRejectedEvenOnLocalhost) {
  expect_only([](cfg::config& c) { c.session.secret = "dev-secret-change-me"; },
              "session.secret (AUTHPLANE_SESSION_SECRET) is a well-known weak value; generate a random secret");
  expect_only([](cfg::config& c) { c.admin.api_key = "dev-admin-key"; },
              "admin.api_key (AUTHPLANE_ADMIN_API_KEY) is a well-known weak value; generate a random secret");
  // Short values are fine on localhost (only weak ones are refused).
  cfg::config c;
  c.session.secret = "short";
  c.admin.api_key = "local";
  EXPECT_TRUE(cfg::validate(c).empty());
}

TEST(Validate, WeakSecretBlocklist) {
  for (auto w : {"dev-secret-change-me", "dev-admin-key", "changeme", "ChangeMe", "secret", "SECRET", "password",
                 "admin", "12345678", "1234567890", "12345678901234567890", "aaaaaaaaaaaaaaaa"})
    EXPECT_TRUE(cfg::is_weak_secret(w)) << w;
  for (auto ok : {"Zq8v2JrT6mWbX4kP9sLd", "1234567", "secret-but-long-and-random-9f3k", "23456789"})
    EXPECT_FALSE(cfg::is_weak_secret(ok)) << ok;
}

TEST(Validate, Pepper) {
  expect_only([](cfg::config& c) { c.client_secret_pepper = "short"; },
              "client_secret_pepper (AUTHPLANE_CLIENT_SECRET_PEPPER) must be at least 16 characters (got 5)");
  cfg::config c;
  c.client_secret_pepper = "password";
  EXPECT_EQ(cfg::validate(c),
            (std::vector<std::string>{
                "client_secret_pepper (AUTHPLANE_CLIENT_SECRET_PEPPER) is a well-known weak value; generate a random "
                "secret",
                "client_secret_pepper (AUTHPLANE_CLIENT_SECRET_PEPPER) must be at least 16 characters (got 8)"}));
  c.client_secret_pepper = "pepper-0123456789abcdef";
  EXPECT_TRUE(cfg::validate(c).empty());
}

TEST(Validate, IssuerAndAddress) {
  expect_only([](cfg::config& c) { c.server.issuer = ""; }, "server.issuer (AUTHPLANE_SERVER_ISSUER) is required");
  expect_only([](cfg::config& c) { c.server.issuer = "ftp://localhost"; },
              "server.issuer (AUTHPLANE_SERVER_ISSUER) must be an absolute http(s) URL with a host, got "
              "\"ftp://localhost\"");
  expect_only([](cfg::config& c) { c.server.issuer = "/relative"; },
              "server.issuer (AUTHPLANE_SERVER_ISSUER) must be an absolute http(s) URL with a host, got \"/relative\"");
  expect_only([](cfg::config& c) { c.server.issuer = "http://localhost:9000?x=1"; },
              "server.issuer (AUTHPLANE_SERVER_ISSUER) must not contain a query, got \"http://localhost:9000?x=1\"");
  expect_only([](cfg::config& c) { c.server.issuer = "http://localhost:9000#f"; },
              "server.issuer (AUTHPLANE_SERVER_ISSUER) must not contain a fragment, got \"http://localhost:9000#f\"");
  expect_only([](cfg::config& c) { c.server.address = ""; }, "server.address (AUTHPLANE_SERVER_ADDRESS) is required");
  expect_only([](cfg::config& c) { c.admin.address = ":9000"; },
              "admin.address (AUTHPLANE_ADMIN_ADDRESS) must differ from server.address (AUTHPLANE_SERVER_ADDRESS) "
              "(both \":9000\")");
  cfg::config c;
  c.admin.enabled = false;
  c.admin.address = ":9000";
  EXPECT_TRUE(cfg::validate(c).empty());
  expect_only([](cfg::config& c) { c.server.allowed_origins = {"*", "https://app.example.com", "https://x.example/path"}; },
              "server.allowed_origins (AUTHPLANE_SERVER_ALLOWED_ORIGINS) entries must be \"*\" or an origin like "
              "https://app.example.com, got \"https://x.example/path\"");
}

TEST(Validate, Storage) {
  expect_only([](cfg::config& c) { c.storage.driver = "mysql"; },
              "storage.driver (AUTHPLANE_STORAGE_DRIVER) must be sqlite or postgres, got \"mysql\"");
  expect_only([](cfg::config& c) { c.storage.sqlite.path = ""; },
              "storage.sqlite.path (AUTHPLANE_STORAGE_SQLITE_PATH) is required when storage.driver is sqlite");
  expect_only([](cfg::config& c) { c.storage.driver = "postgres"; },
              "storage.postgres.dsn (AUTHPLANE_STORAGE_POSTGRES_DSN) is required when storage.driver is postgres");
  expect_only([](cfg::config& c) { c.storage.postgres.min_conns = 30; },
              "storage.postgres.min_conns (AUTHPLANE_STORAGE_POSTGRES_MIN_CONNS) must not exceed "
              "storage.postgres.max_conns (AUTHPLANE_STORAGE_POSTGRES_MAX_CONNS) (30 > 25)");
}

TEST(Validate, Signing) {
  expect_only([](cfg::config& c) { c.signing.algorithm = "HS256"; },
              "signing.algorithm (AUTHPLANE_SIGNING_ALGORITHM) must be ES256, RS256 or EdDSA, got \"HS256\"");
  for (auto alg : {"ES256", "RS256", "EdDSA"}) {
    cfg::config c;
    c.signing.algorithm = alg;
    EXPECT_TRUE(cfg::validate(c).empty()) << alg;
  }
  expect_only([](cfg::config& c) { c.signing.key_path = ""; },
              "signing.key_path (AUTHPLANE_SIGNING_KEY_PATH) is required when signing.key_store is keyfile");
  expect_only([](cfg::config& c) { c.signing.key_store = "vault_transit"; },
              "signing.key_store (AUTHPLANE_SIGNING_KEY_STORE) \"vault_transit\" is not supported by this build (use "
              "keyfile)");
  expect_only([](cfg::config& c) { c.signing.key_store = "postgres_key"; },
              "signing.key_store (AUTHPLANE_SIGNING_KEY_STORE) \"postgres_key\" is not supported by this build (use "
              "keyfile)");
  expect_only([](cfg::config& c) { c.signing.key_store = "hsm"; },
              "signing.key_store (AUTHPLANE_SIGNING_KEY_STORE) must be keyfile, vault_transit or postgres_key, got "
              "\"hsm\"");
}

TEST(Validate, Dcr) {
  expect_only([](cfg::config& c) { c.dcr.mode = "closed"; },
              "dcr.mode (AUTHPLANE_DCR_MODE) must be open, approved_redirects or admin_only, got \"closed\"");
  expect_only([](cfg::config& c) { c.dcr.mode = "approved_redirects"; },
              "dcr.approved_redirects (AUTHPLANE_DCR_APPROVED_REDIRECTS) must list at least one redirect URI when "
              "dcr.mode is approved_redirects");
  cfg::config c;
  c.dcr.mode = "approved_redirects";
  c.dcr.approved_redirects = {"https://app.example.com/cb", "http://127.0.0.1/cb"};
  EXPECT_TRUE(cfg::validate(c).empty());
  c.dcr.mode = "admin_only";
  EXPECT_TRUE(cfg::validate(c).empty());
  expect_only([](cfg::config& c) { c.dcr.default_token_expiry = 0s; },
              "dcr.default_token_expiry (AUTHPLANE_DCR_DEFAULT_TOKEN_EXPIRY) must be greater than 0");
}

TEST(Validate, Session) {
  expect_only([](cfg::config& c) { c.session.same_site = "Sometimes"; },
              "session.same_site (AUTHPLANE_SESSION_SAME_SITE) must be lax, strict or none, got \"Sometimes\"");
  expect_only([](cfg::config& c) { c.session.same_site = "none"; },
              "session.same_site (AUTHPLANE_SESSION_SAME_SITE) none requires session.secure=true");
  cfg::config c;
  c.session.same_site = "strict";
  EXPECT_TRUE(cfg::validate(c).empty());
}

TEST(Validate, Observability) {
  expect_only([](cfg::config& c) { c.log.level = "verbose"; },
              "log.level (AUTHPLANE_LOG_LEVEL) must be debug, info, warn or error, got \"verbose\"");
  expect_only([](cfg::config& c) { c.log.format = "xml"; },
              "log.format (AUTHPLANE_LOG_FORMAT) must be json or text, got \"xml\"");
  expect_only([](cfg::config& c) { c.tracing.sample_rate = 1.5; },
              "tracing.sample_rate (AUTHPLANE_TRACING_SAMPLE_RATE) must be between 0 and 1, got 1.5");
  expect_only([](cfg::config& c) { c.tracing.sample_rate = -0.1; },
              "tracing.sample_rate (AUTHPLANE_TRACING_SAMPLE_RATE) must be between 0 and 1, got -0.1");
  expect_only([](cfg::config& c) { c.tracing.enabled = true; },
              "tracing.endpoint (AUTHPLANE_TRACING_ENDPOINT) is required when tracing is enabled");
  expect_only([](cfg::config& c) { c.metrics.provider = "statsd"; },
              "metrics.provider (AUTHPLANE_METRICS_PROVIDER) must be prometheus, otel, both or none, got \"statsd\"");
  cfg::config c;
  c.log.level = "DEBUG";
  c.log.format = "text";
  c.tracing.sample_rate = 0;
  EXPECT_TRUE(cfg::validate(c).empty());
}

TEST(Validate, Grants) {
  expect_only([](cfg::config& c) { c.client_credentials.token_expiry = 0s; },
              "client_credentials.token_expiry (AUTHPLANE_CLIENT_CREDENTIALS_TOKEN_EXPIRY) must be greater than 0 "
              "when the grant is enabled");
  cfg::config off;
  off.client_credentials.enabled = false;
  off.client_credentials.token_expiry = 0s;
  EXPECT_TRUE(cfg::validate(off).empty());

  expect_only([](cfg::config& c) { c.dpop.proof_lifetime = 5s; },
              "dpop.proof_lifetime (AUTHPLANE_DPOP_PROOF_LIFETIME) must be between 10s and 300s, got 5s");
  expect_only([](cfg::config& c) { c.dpop.proof_lifetime = 301s; },
              "dpop.proof_lifetime (AUTHPLANE_DPOP_PROOF_LIFETIME) must be between 10s and 300s, got 5m1s");
  for (auto ok : {10s, 300s}) {
    cfg::config c;
    c.dpop.proof_lifetime = ok;
    EXPECT_TRUE(cfg::validate(c).empty());
  }
  expect_only([](cfg::config& c) { c.dpop.nonce_ttl = 0s; },
              "dpop.nonce_ttl (AUTHPLANE_DPOP_NONCE_TTL) must be greater than 0 when DPoP is enabled");

  expect_only([](cfg::config& c) { c.token_exchange.max_chain_depth = 0; },
              "token_exchange.max_chain_depth (AUTHPLANE_TOKEN_EXCHANGE_MAX_CHAIN_DEPTH) must be between 1 and 10, "
              "got 0");
  expect_only([](cfg::config& c) { c.token_exchange.max_chain_depth = 11; },
              "token_exchange.max_chain_depth (AUTHPLANE_TOKEN_EXCHANGE_MAX_CHAIN_DEPTH) must be between 1 and 10, "
              "got 11");
  expect_only([](cfg::config& c) { c.token_exchange.token_expiry = 0s; },
              "token_exchange.token_expiry (AUTHPLANE_TOKEN_EXCHANGE_TOKEN_EXPIRY) must be greater than 0 when token "
              "exchange is enabled");
  expect_only([](cfg::config& c) { c.xaa.token_expiry = 0s; },
              "xaa.token_expiry (AUTHPLANE_XAA_TOKEN_EXPIRY) must be greater than 0 when XAA is enabled");
  expect_only([](cfg::config& c) { c.xaa.subject_mode = "magic"; },
              "xaa.subject_mode (AUTHPLANE_XAA_SUBJECT_MODE) must be auto_map or strict, got \"magic\"");
  expect_only([](cfg::config& c) { c.server.read_timeout = -1s; },
              "server.read_timeout (AUTHPLANE_SERVER_READ_TIMEOUT) must not be negative, got -1s");
}

TEST(Validate, RateLimit) {
  expect_only([](cfg::config& c) { c.rate_limit.rps = 0; },
              "rate_limit.rps (AUTHPLANE_RATE_LIMIT_RPS) must be greater than 0 when rate limiting is enabled");
  expect_only([](cfg::config& c) { c.rate_limit.burst = 0; },
              "rate_limit.burst (AUTHPLANE_RATE_LIMIT_BURST) must be greater than 0 when rate limiting is enabled");
  cfg::config off;
  off.rate_limit.enabled = false;
  off.rate_limit.rps = 0;
  off.rate_limit.burst = 0;
  EXPECT_TRUE(cfg::validate(off).empty());
  expect_only([](cfg::config& c) { c.rate_limit.auth_lockout = 0s; },
              "rate_limit.auth_lockout (AUTHPLANE_RATE_LIMIT_AUTH_LOCKOUT) must be greater than 0");
  expect_only([](cfg::config& c) { c.rate_limit.auth_fail_window = 0s; },
              "rate_limit.auth_fail_window (AUTHPLANE_RATE_LIMIT_AUTH_FAIL_WINDOW) must be greater than 0");
  expect_only([](cfg::config& c) { c.rate_limit.max_tracked_identities = 500; },
              "rate_limit.max_tracked_identities (AUTHPLANE_RATE_LIMIT_MAX_TRACKED_IDENTITIES) must be at least "
              "10000, got 500");
}

TEST(Validate, CimdRelaxationsOnlyOnLocalhost) {
  cfg::config local;
  local.cimd.require_https = false;
  local.cimd.allow_private_addresses = true;
  EXPECT_TRUE(cfg::validate(local).empty());
  expect_only([](cfg::config& c) { c.cimd.require_https = false; },
              "cimd.require_https (AUTHPLANE_CIMD_REQUIRE_HTTPS) may be false only with a localhost issuer (issuer "
              "https://auth.example.com)",
              production());
  expect_only([](cfg::config& c) { c.cimd.allow_private_addresses = true; },
              "cimd.allow_private_addresses (AUTHPLANE_CIMD_ALLOW_PRIVATE_ADDRESSES) may be true only with a "
              "localhost issuer (issuer https://auth.example.com)",
              production());
}

TEST(Validate, ResourceSeed) {
  expect_only([](cfg::config& c) { c.resource.uri = "mcp.example.com"; },
              "AUTHPLANE_RESOURCE_URI must be an absolute http(s) URL with a host, got \"mcp.example.com\"");
  expect_only([](cfg::config& c) { c.resource.scopes = {"a"}; },
              "AUTHPLANE_RESOURCE_SCOPES is set but AUTHPLANE_RESOURCE_URI is not");
  expect_only(
      [](cfg::config& c) {
        c.resource.uri = "https://mcp.example.com/mcp";
        c.resource.scopes = {"ok", "bad\"scope"};
      },
      "AUTHPLANE_RESOURCE_SCOPES contains an invalid scope \"bad\"scope\"");
  cfg::config c;
  c.resource.uri = "http://localhost:8000/mcp";
  c.resource.scopes = {"mcp:echo"};
  EXPECT_TRUE(cfg::validate(c).empty());

  expect_only(
      [](cfg::config& c) {
        c.resources.push_back({"a", "https://a.example/mcp"});
        c.resources.push_back({"a", "https://b.example/mcp"});
      },
      "resources[1].slug \"a\" is listed twice");
  expect_only([](cfg::config& c) { c.resources.push_back({"a", "urn:x"}); },
              "resources[0].uri must be an absolute http(s) URL with a host, got \"urn:x\"");
}

TEST(Validate, Oidc) {
  expect_only(
      [](cfg::config& c) {
        c.oidc.enabled = true;
        c.oidc.issuer = "http://idp.example.com";
        c.oidc.client_id = "authplane";
        c.oidc.redirect_uri = "https://auth.example.com/oidc/callback";
      },
      "oidc.issuer (AUTHPLANE_OIDC_ISSUER) must use https when the issuer is not localhost, got "
      "\"http://idp.example.com\"",
      production());
  expect_only([](cfg::config& c) { c.oidc.enabled = true; c.oidc.issuer = "http://dex:5556"; c.oidc.client_id = "x"; },
              "oidc.redirect_uri (AUTHPLANE_OIDC_REDIRECT_URI) is required when OIDC login is enabled");
  expect_only([](cfg::config& c) { c.oidc.connector_id = "git hub"; },
              "oidc.connector_id (AUTHPLANE_OIDC_CONNECTOR_ID) may contain only letters, digits and '-', got \"git "
              "hub\"");
}

TEST(Validate, ConnectAndEncryption) {
  expect_only([](cfg::config& c) { c.connect.state_secret = "too-short-for-connect"; },
              "connect.state_secret (AUTHPLANE_CONNECT_STATE_SECRET) must be at least 32 characters (got 21)");
  expect_only([](cfg::config& c) { c.data_encryption.driver = "rot13"; },
              "data_encryption.driver (AUTHPLANE_DATA_ENCRYPTION_DRIVER) must be aes_master or vault_transit_encrypt, "
              "got \"rot13\"");
  expect_only([](cfg::config& c) { c.connect.redirect_base_url = "http://auth.example.com"; },
              "connect.redirect_base_url (AUTHPLANE_CONNECT_REDIRECT_BASE_URL) must be an https URL (http only for "
              "localhost), got \"http://auth.example.com\"");
}

TEST(Validate, ReportsEveryProblemAtOnce) {
  cfg::config c;
  c.server.issuer = "https://auth.example.com";
  c.signing.algorithm = "none";
  c.log.level = "loud";
  auto errs = cfg::validate(c);
  EXPECT_EQ(errs.size(), 5u);
  EXPECT_TRUE(contains(errs, "signing.algorithm (AUTHPLANE_SIGNING_ALGORITHM) must be ES256, RS256 or EdDSA, got \"none\""));
  EXPECT_TRUE(contains(errs, "log.level (AUTHPLANE_LOG_LEVEL) must be debug, info, warn or error, got \"loud\""));
}

TEST(Validate, EnvConfiguredProductionBoots) {
  auto r = cfg::load(std::nullopt, {
                                       {"AUTHPLANE_SERVER_ISSUER", "https://auth.example.com"},
                                       {"AUTHPLANE_SESSION_SECRET", "Zq8v2JrT6mWbX4kP9sLd"},
                                       {"AUTHPLANE_SESSION_SECURE", "true"},
                                       {"AUTHPLANE_ADMIN_API_KEY", "adm-7Hc2Lq9Vx4Nt8Rw3"},
                                   });
  ASSERT_TRUE(r);
  EXPECT_TRUE(cfg::validate(r->cfg).empty());
}
