#include <authplane/config/config.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

namespace cfg = authplane::config;
using namespace std::chrono_literals;

namespace {
cfg::config must_load(std::string_view yaml, const cfg::environment& env = {},
                      std::vector<std::string>* warnings = nullptr) {
  auto r = cfg::load_from_string(yaml, "test.yaml", env);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  if (!r) return {};
  if (warnings) *warnings = r->warnings;
  return r->cfg;
}

std::string load_error(std::string_view yaml, const cfg::environment& env = {}) {
  auto r = cfg::load_from_string(yaml, "test.yaml", env);
  EXPECT_FALSE(r.has_value());
  return r ? std::string() : r.error().message;
}
}  // namespace

TEST(Defaults, MatchReferenceTable) {
  const std::map<std::string, std::string> expected = {
      {"server.issuer", "http://localhost:9000"},
      {"server.address", ":9000"},
      {"server.read_timeout", "30s"},
      {"server.write_timeout", "30s"},
      {"server.idle_timeout", "2m0s"},
      {"server.shutdown_wait", "10s"},
      {"server.allowed_origins", ""},
      {"storage.driver", "sqlite"},
      {"storage.sqlite.path", "data/authserver.db"},
      {"storage.sqlite.wal", "true"},
      {"storage.postgres.dsn", ""},
      {"storage.postgres.max_conns", "25"},
      {"storage.postgres.min_conns", "5"},
      {"storage.postgres.max_conn_lifetime", "1h0m0s"},
      {"storage.postgres.max_conn_idle_time", "30m0s"},
      {"signing.algorithm", "ES256"},
      {"signing.key_store", "keyfile"},
      {"signing.key_path", "data/keys"},
      {"signing.vault.transit_mount", "transit"},
      {"signing.vault.transit_key_name", "authserver-signing"},
      {"signing.vault.timeout", "10s"},
      {"dcr.mode", "open"},
      {"dcr.approved_redirects", ""},
      {"dcr.rate_limit", "10"},
      {"dcr.rate_limit_burst", "20"},
      {"dcr.default_token_expiry", "15m0s"},
      {"dcr.default_refresh_expiry", "168h0m0s"},
      {"cimd.enabled", "true"},
      {"cimd.require_https", "true"},
      {"cimd.allow_private_addresses", "false"},
      {"cimd.cache_ttl", "1h0m0s"},
      {"cimd.fetch_timeout", "10s"},
      {"session.secret", ""},
      {"session.cookie_name", "authserver_session"},
      {"session.max_age", "24h0m0s"},
      {"session.secure", "false"},
      {"session.same_site", "lax"},
      {"session.fail_closed", "true"},
      {"rate_limit.enabled", "true"},
      {"rate_limit.rps", "100.0"},
      {"rate_limit.burst", "200"},
      {"rate_limit.auth_fail_max", "10"},
      {"rate_limit.auth_fail_window", "10m0s"},
      {"rate_limit.auth_lockout", "15m0s"},
      {"rate_limit.max_tracked_identities", "250000"},
      {"admin.enabled", "true"},
      {"admin.address", ":9001"},
      {"admin.api_key", ""},
      {"admin.audit_default_lookback", "24h0m0s"},
      {"admin.audit_max_lookback", "720h0m0s"},
      {"admin.requests_per_second", "0.0"},
      {"admin.burst", "0"},
      {"oauth.require_scope", "true"},
      {"oauth.default_client_scope", ""},
      {"oauth.state_max_age", "10m0s"},
      {"oidc.enabled", "false"},
      {"oidc.show_local_login", "true"},
      {"oidc.include_groups_scope", "true"},
      {"client_credentials.enabled", "true"},
      {"client_credentials.token_expiry", "1h0m0s"},
      {"dpop.enabled", "true"},
      {"dpop.nonce_ttl", "1m0s"},
      {"dpop.proof_lifetime", "1m0s"},
      {"dpop.require_nonce", "false"},
      {"token_exchange.enabled", "true"},
      {"token_exchange.allow_self_exchange", "false"},
      {"token_exchange.max_chain_depth", "5"},
      {"token_exchange.token_expiry", "1h0m0s"},
      {"xaa.enabled", "true"},
      {"xaa.token_expiry", "1h0m0s"},
      {"xaa.max_assertion_age", "5m0s"},
      {"xaa.require_resource", "false"},
      {"xaa.subject_mode", "auto_map"},
      {"xaa.jwks_cache_ttl", "1h0m0s"},
      {"agents.enable_jwks_listing", "false"},
      {"client_secret_pepper", ""},
      {"log.level", "info"},
      {"log.format", "json"},
      {"log.add_source", "false"},
      {"log.stdout", "true"},
      {"metrics.provider", "prometheus"},
      {"metrics.path", "/metrics"},
      {"tracing.enabled", "false"},
      {"tracing.endpoint", ""},
      {"tracing.sample_rate", "1.0"},
  };
  cfg::config c;
  for (const auto& [key, value] : expected) {
    const cfg::setting* s = cfg::find_by_key(key);
    ASSERT_NE(s, nullptr) << key;
    EXPECT_EQ(cfg::value_text(c, *s), value) << key;
  }
  EXPECT_EQ(cfg::value_text(c, *cfg::find_by_env("AUTHPLANE_BROKER_PROVIDER_PROTOCOL")), "oauth");
  EXPECT_TRUE(c.resource.uri.empty());
  EXPECT_TRUE(c.resources.empty());

  // load() with no file and no env yields exactly the defaults.
  auto r = cfg::load(std::nullopt, {});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->warnings.empty());
  for (const auto& s : cfg::settings()) EXPECT_EQ(cfg::value_text(r->cfg, s), cfg::value_text(c, s)) << s.env;
}

TEST(Settings, TableIsConsistent) {
  std::set<std::string_view> keys, envs;
  for (const auto& s : cfg::settings()) {
    EXPECT_FALSE(s.key.empty() && s.env.empty());
    if (!s.key.empty()) {
      EXPECT_TRUE(keys.insert(s.key).second) << "duplicate key " << s.key;
    }
    if (!s.env.empty()) {
      EXPECT_TRUE(envs.insert(s.env).second) << "duplicate env " << s.env;
      EXPECT_EQ(s.env.substr(0, 10), "AUTHPLANE_") << s.env;
    }
  }
  auto names = cfg::known_env_vars();
  for (auto want : {"AUTHPLANE_SERVER_ISSUER", "AUTHPLANE_SERVER_ADDRESS", "AUTHPLANE_SERVER_READ_TIMEOUT",
                    "AUTHPLANE_STORAGE_SQLITE_PATH", "AUTHPLANE_SIGNING_ALGORITHM", "AUTHPLANE_SIGNING_KEY_PATH",
                    "AUTHPLANE_ADMIN_API_KEY", "AUTHPLANE_ADMIN_ADDRESS", "AUTHPLANE_CLIENT_CREDENTIALS_ENABLED",
                    "AUTHPLANE_DPOP_REQUIRE_NONCE", "AUTHPLANE_RATE_LIMIT_RPS", "AUTHPLANE_CLIENT_SECRET_PEPPER",
                    "AUTHPLANE_LOG_LEVEL", "AUTHPLANE_RESOURCE_URI", "AUTHPLANE_RESOURCE_SCOPES",
                    "AUTHPLANE_VAULT_ADDR", "AUTHPLANE_OIDC_CONNECTOR_ID", "AUTHPLANE_XAA_SUBJECT_MODE",
                    "AUTHPLANE_RATE_LIMIT_MAX_TRACKED_IDENTITIES", "AUTHPLANE_TRACING_SAMPLE_RATE"})
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
  EXPECT_EQ(cfg::describe("admin.api_key"), "admin.api_key (AUTHPLANE_ADMIN_API_KEY)");
  EXPECT_EQ(cfg::describe("admin.burst"), "admin.burst (YAML only)");
  EXPECT_EQ(cfg::describe("AUTHPLANE_RESOURCE_URI"), "AUTHPLANE_RESOURCE_URI");
}

TEST(Settings, EveryEnvVarIsDocumented) {
  const char* root = std::getenv("AUTHPLANE_SOURCE_DIR");
  if (!root) GTEST_SKIP() << "AUTHPLANE_SOURCE_DIR not set";
  std::ifstream in(std::filesystem::path(root) / "docs" / "configuration.md");
  ASSERT_TRUE(in) << "docs/configuration.md missing";
  std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const auto& s : cfg::settings()) {
    if (!s.env.empty()) {
      EXPECT_NE(doc.find("`" + std::string(s.env) + "`"), std::string::npos) << s.env;
    }
    if (!s.key.empty()) {
      EXPECT_NE(doc.find("`" + std::string(s.key) + "`"), std::string::npos) << s.key;
    }
  }
}

TEST(Yaml, OverridesDefaults) {
  auto c = must_load(R"(
server:
  issuer: https://auth.example.com
  address: "0.0.0.0:8000"
  read_timeout: 1h30m
  allowed_origins: [https://a.example, "https://b.example"]
storage:
  driver: sqlite
  sqlite:
    path: /data/authserver.db
    wal: false
signing:
  algorithm: RS256
  key_path: /data/keys
dcr:
  mode: approved_redirects
  approved_redirects:
    - https://app.example.com/cb
  rate_limit: 3
rate_limit:
  rps: 12.5
  burst: 40
admin:
  api_key: "k-0123456789abcdef"
  requests_per_second: 2
  burst: 4
dpop:
  require_nonce: yes
  proof_lifetime: 500ms
client_secret_pepper: pepper-0123456789abcdef
log:
  level: debug
  stdout: false
resources:
  - slug: weather
    uri: https://mcp.example.com/weather
    display_name: Weather
    scopes:
      - name: weather:read
        description: Read forecasts
      - weather:write
)");
  EXPECT_EQ(c.server.issuer, "https://auth.example.com");
  EXPECT_EQ(c.server.address, "0.0.0.0:8000");
  EXPECT_EQ(c.server.read_timeout, 90min);
  EXPECT_EQ(c.server.write_timeout, 30s);  // untouched default
  EXPECT_EQ(c.server.allowed_origins, (std::vector<std::string>{"https://a.example", "https://b.example"}));
  EXPECT_EQ(c.storage.sqlite.path, "/data/authserver.db");
  EXPECT_FALSE(c.storage.sqlite.wal);
  EXPECT_EQ(c.signing.algorithm, "RS256");
  EXPECT_EQ(c.signing.key_path, "/data/keys");
  EXPECT_EQ(c.dcr.mode, "approved_redirects");
  EXPECT_EQ(c.dcr.approved_redirects, std::vector<std::string>{"https://app.example.com/cb"});
  EXPECT_EQ(c.dcr.rate_limit, 3);
  EXPECT_DOUBLE_EQ(c.rate_limit.rps, 12.5);
  EXPECT_EQ(c.rate_limit.burst, 40);
  EXPECT_EQ(c.admin.api_key, "k-0123456789abcdef");
  EXPECT_DOUBLE_EQ(c.admin.requests_per_second, 2);
  EXPECT_EQ(c.admin.burst, 4);
  EXPECT_TRUE(c.dpop.require_nonce);
  EXPECT_EQ(c.dpop.proof_lifetime, 500ms);
  EXPECT_EQ(c.client_secret_pepper, "pepper-0123456789abcdef");
  EXPECT_EQ(c.log.level, "debug");
  EXPECT_FALSE(c.log.stdout_enabled);
  ASSERT_EQ(c.resources.size(), 1u);
  EXPECT_EQ(c.resources[0].slug, "weather");
  EXPECT_EQ(c.resources[0].uri, "https://mcp.example.com/weather");
  EXPECT_EQ(c.resources[0].display_name, "Weather");
  EXPECT_EQ(c.resources[0].backend_kind, "mint");
  ASSERT_EQ(c.resources[0].scopes.size(), 2u);
  EXPECT_EQ(c.resources[0].scopes[0].name, "weather:read");
  EXPECT_EQ(c.resources[0].scopes[0].description, "Read forecasts");
  EXPECT_EQ(c.resources[0].scopes[1].name, "weather:write");
  EXPECT_EQ(c.resources[0].scopes[1].description, "");
}

TEST(Yaml, EmptyDocumentAndNullValuesKeepDefaults) {
  auto c = must_load("");
  EXPECT_EQ(c.server.issuer, "http://localhost:9000");
  c = must_load("server:\n  issuer:\nsession:\n");
  EXPECT_EQ(c.server.issuer, "http://localhost:9000");
}

TEST(Yaml, UnknownKeysWarn) {
  std::vector<std::string> warnings;
  must_load("server:\n  isuer: x\nfoo: 1\n", {}, &warnings);
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_EQ(warnings[0], "test.yaml:2: unknown key server.isuer (ignored)");
  EXPECT_EQ(warnings[1], "test.yaml:3: unknown key foo (ignored)");
}

TEST(Yaml, TypeErrorsNameFileAndLine) {
  EXPECT_EQ(load_error("server:\n  read_timeout: 15\n"),
            "test.yaml:2: server.read_timeout: invalid duration \"15\" (use Go syntax such as \"30s\", \"15m\", \"1h30m\")");
  EXPECT_EQ(load_error("rate_limit:\n  burst: lots\n"), "test.yaml:2: rate_limit.burst: expected an integer, got \"lots\"");
  EXPECT_EQ(load_error("rate_limit:\n  rps: fast\n"), "test.yaml:2: rate_limit.rps: expected a number, got \"fast\"");
  EXPECT_EQ(load_error("dpop:\n  enabled: maybe\n"), "test.yaml:2: dpop.enabled: expected true or false, got \"maybe\"");
  EXPECT_EQ(load_error("server:\n  allowed_origins: https://a\n"), "test.yaml:2: server.allowed_origins: expected a list");
  EXPECT_EQ(load_error("server:\n  issuer: [a]\n"), "test.yaml:2: server.issuer: expected a single value");
  EXPECT_EQ(load_error("server: 3\n"), "test.yaml:1: server must be a mapping");
  EXPECT_EQ(load_error("- a\n- b\n"), "test.yaml:1: the top level must be a mapping of sections");
  // A bare 0 is a valid duration.
  EXPECT_EQ(must_load("server:\n  shutdown_wait: 0\n").server.shutdown_wait, 0s);
}

TEST(Yaml, SyntaxErrorNamesFileAndLine) {
  auto msg = load_error("server:\n  issuer: x\n bad: [unclosed\n");
  EXPECT_EQ(msg.rfind("test.yaml:3:", 0), 0u) << msg;
  EXPECT_NE(msg.find("invalid YAML"), std::string::npos) << msg;
}

TEST(Yaml, LegacyKeysRejected) {
  EXPECT_EQ(load_error("resource_servers:\n  - uri: https://x\n"),
            "test.yaml:1: resource_servers is no longer supported; declare protected resources in the resources: list "
            "(slug, uri, display_name, scopes)");
  EXPECT_EQ(load_error("server:\n  address: \":1\"\nvault_connectors: []\n"),
            "test.yaml:3: vault_connectors is no longer supported; use broker_providers: and resources: with "
            "backend_kind broker");
  EXPECT_EQ(load_error("vault_connect: {}\n"),
            "test.yaml:1: vault_connect is no longer supported; use broker_providers: and resources: with backend_kind "
            "broker");
  EXPECT_EQ(load_error("token_exchange:\n  enabled: true\n  cross_client_allowlist: [a]\n"),
            "test.yaml:3: token_exchange.cross_client_allowlist is no longer supported; allow cross-client exchange "
            "per resource with policy.exchange.allowed_client_ids (admin API)");
}

TEST(Yaml, ResourcesAndBrokerProviders) {
  auto c = must_load(R"(
resources:
  - slug: gh
    uri: https://mcp.example.com/github
    backend_kind: broker
    broker_provider: github
    scopes: [repo]
broker_providers:
  - slug: github
    display_name: GitHub
    protocol: oauth
    client_id: abc
    client_secret_env: CONNECTOR_GITHUB_SECRET
    config_data: {x: 1}
)");
  ASSERT_EQ(c.resources.size(), 1u);
  EXPECT_EQ(c.resources[0].backend_kind, "broker");
  EXPECT_EQ(c.resources[0].broker_provider_slug, "github");
  ASSERT_EQ(c.resources[0].scopes.size(), 1u);
  EXPECT_EQ(c.resources[0].scopes[0].name, "repo");
  ASSERT_EQ(c.broker_providers.size(), 1u);
  EXPECT_EQ(c.broker_providers[0].slug, "github");
  EXPECT_EQ(c.broker_providers[0].client_secret_env, "CONNECTOR_GITHUB_SECRET");
  EXPECT_EQ(load_error("resources: {a: 1}\n"), "test.yaml:1: resources: expected a list of resources");
}

TEST(Env, OverridesYaml) {
  cfg::environment env = {
      {"AUTHPLANE_SERVER_ISSUER", "https://env.example.com"},
      {"AUTHPLANE_SERVER_READ_TIMEOUT", "45s"},
      {"AUTHPLANE_STORAGE_SQLITE_PATH", "/env/db"},
      {"AUTHPLANE_SIGNING_ALGORITHM", "EdDSA"},
      {"AUTHPLANE_SIGNING_KEY_PATH", "/env/keys"},
      {"AUTHPLANE_ADMIN_API_KEY", "env-key-0123456789"},
      {"AUTHPLANE_ADMIN_ADDRESS", "127.0.0.1:9101"},
      {"AUTHPLANE_CLIENT_CREDENTIALS_ENABLED", "false"},
      {"AUTHPLANE_DPOP_REQUIRE_NONCE", "YES"},
      {"AUTHPLANE_RATE_LIMIT_RPS", "7.5"},
      {"AUTHPLANE_CLIENT_SECRET_PEPPER", "env-pepper-0123456789"},
      {"AUTHPLANE_LOG_LEVEL", "warn"},
      {"AUTHPLANE_RESOURCE_URI", "https://mcp.example.com/mcp"},
      {"AUTHPLANE_RESOURCE_SCOPES", " mcp:read , mcp:write ,"},
      {"AUTHPLANE_SERVER_ALLOWED_ORIGINS", "https://a.example,https://b.example"},
  };
  std::vector<std::string> warnings;
  auto c = must_load(R"(
server:
  issuer: https://yaml.example.com
  read_timeout: 10s
  write_timeout: 5s
signing:
  algorithm: RS256
admin:
  api_key: yaml-key-0123456789
client_credentials:
  enabled: true
rate_limit:
  rps: 1
)",
                     env, &warnings);
  EXPECT_TRUE(warnings.empty());
  EXPECT_EQ(c.server.issuer, "https://env.example.com");
  EXPECT_EQ(c.server.read_timeout, 45s);
  EXPECT_EQ(c.server.write_timeout, 5s);  // YAML value kept where env is silent
  EXPECT_EQ(c.storage.sqlite.path, "/env/db");
  EXPECT_EQ(c.signing.algorithm, "EdDSA");
  EXPECT_EQ(c.signing.key_path, "/env/keys");
  EXPECT_EQ(c.admin.api_key, "env-key-0123456789");
  EXPECT_EQ(c.admin.address, "127.0.0.1:9101");
  EXPECT_FALSE(c.client_credentials.enabled);
  EXPECT_TRUE(c.dpop.require_nonce);
  EXPECT_DOUBLE_EQ(c.rate_limit.rps, 7.5);
  EXPECT_EQ(c.client_secret_pepper, "env-pepper-0123456789");
  EXPECT_EQ(c.log.level, "warn");
  EXPECT_EQ(c.resource.uri, "https://mcp.example.com/mcp");
  EXPECT_EQ(c.resource.scopes, (std::vector<std::string>{"mcp:read", "mcp:write"}));
  EXPECT_EQ(c.server.allowed_origins, (std::vector<std::string>{"https://a.example", "https://b.example"}));
}

TEST(Env, BadNumbersKeepPreviousValueWithWarning) {
  cfg::environment env = {
      {"AUTHPLANE_RATE_LIMIT_BURST", "lots"},
      {"AUTHPLANE_RATE_LIMIT_RPS", "1e"},
      {"AUTHPLANE_DCR_DEFAULT_TOKEN_EXPIRY", "15"},
      {"AUTHPLANE_TOKEN_EXCHANGE_MAX_CHAIN_DEPTH", "3x"},
  };
  std::vector<std::string> warnings;
  auto c = must_load("rate_limit:\n  burst: 50\n", env, &warnings);
  EXPECT_EQ(c.rate_limit.burst, 50);  // YAML value survives
  EXPECT_DOUBLE_EQ(c.rate_limit.rps, 100);
  EXPECT_EQ(c.dcr.default_token_expiry, 15min);
  EXPECT_EQ(c.token_exchange.max_chain_depth, 5);
  ASSERT_EQ(warnings.size(), 4u);
  // Table order: dcr before rate_limit before token_exchange.
  EXPECT_EQ(warnings[0],
            "AUTHPLANE_DCR_DEFAULT_TOKEN_EXPIRY: not a duration (use Go syntax such as 30s, 15m, 1h30m) \"15\"; "
            "keeping 15m0s");
  EXPECT_EQ(warnings[1], "AUTHPLANE_RATE_LIMIT_RPS: not a number \"1e\"; keeping 100");
  EXPECT_EQ(warnings[2], "AUTHPLANE_RATE_LIMIT_BURST: not an integer \"lots\"; keeping 50");
  EXPECT_EQ(warnings[3], "AUTHPLANE_TOKEN_EXCHANGE_MAX_CHAIN_DEPTH: not an integer \"3x\"; keeping 5");
}

TEST(Env, BoolParsing) {
  auto flag = [](const std::string& v) {
    auto r = cfg::load(std::nullopt, {{"AUTHPLANE_DPOP_REQUIRE_NONCE", v}, {"AUTHPLANE_CIMD_ENABLED", v}});
    EXPECT_TRUE(r);
    EXPECT_EQ(r->cfg.dpop.require_nonce, r->cfg.cimd.enabled);
    return r->cfg.dpop.require_nonce;
  };
  for (auto t : {"true", "TRUE", "True", "1", "yes", "YES", " yes "}) EXPECT_TRUE(flag(t)) << t;
  for (auto f : {"false", "0", "no", "on", "y", "t", "2", "enabled"}) EXPECT_FALSE(flag(f)) << f;
  // Empty counts as unset: the default (cimd.enabled=true) stays.
  auto r = cfg::load(std::nullopt, {{"AUTHPLANE_CIMD_ENABLED", ""}});
  EXPECT_TRUE(r->cfg.cimd.enabled);
}

TEST(Env, ListParsing) {
  auto list = [](const std::string& v) {
    auto r = cfg::load_from_string("dcr:\n  approved_redirects: [https://yaml/cb]\n", "t.yaml",
                                   {{"AUTHPLANE_DCR_APPROVED_REDIRECTS", v}});
    EXPECT_TRUE(r);
    return r->cfg.dcr.approved_redirects;
  };
  EXPECT_EQ(list("a,b"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(list("  a ,  b  "), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(list("a,,b,"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(list("single"), (std::vector<std::string>{"single"}));
  EXPECT_TRUE(list("").empty());  // empty string -> empty list (overrides YAML)
  EXPECT_TRUE(list(" , ").empty());
}

TEST(Env, DurationParsing) {
  auto dur = [](const std::string& v) {
    auto r = cfg::load(std::nullopt, {{"AUTHPLANE_SESSION_MAX_AGE", v}});
    EXPECT_TRUE(r);
    return std::make_pair(r->cfg.session.max_age, r->warnings.size());
  };
  EXPECT_EQ(dur("1h30m"), std::make_pair(cfg::duration(90min), std::size_t{0}));
  EXPECT_EQ(dur("500ms"), std::make_pair(cfg::duration(500ms), std::size_t{0}));
  EXPECT_EQ(dur("0"), std::make_pair(cfg::duration(0), std::size_t{0}));
  EXPECT_EQ(dur("15"), std::make_pair(cfg::duration(24h), std::size_t{1}));
  EXPECT_EQ(dur("1d"), std::make_pair(cfg::duration(24h), std::size_t{1}));
}

TEST(Env, UnrelatedVariablesIgnored) {
  auto r = cfg::load(std::nullopt, {{"AUTHPLANE_ISSUER", "https://sdk-only.example"}, {"HOME", "/root"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->cfg.server.issuer, "http://localhost:9000");
}

TEST(File, MissingFileToleratedUnreadableNot) {
  auto r = cfg::load(std::string("/nonexistent/authserver.yaml"), {{"AUTHPLANE_LOG_LEVEL", "debug"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->cfg.log.level, "debug");
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_EQ(r->warnings[0],
            "/nonexistent/authserver.yaml: config file not found; using defaults and AUTHPLANE_* environment");

  auto dir = std::filesystem::temp_directory_path() / "authplane_config_test";
  std::filesystem::create_directories(dir);
  auto good = dir / "good.yaml";
  std::ofstream(good) << "server:\n  address: \":7000\"\n";
  r = cfg::load(good.string(), {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->cfg.server.address, ":7000");

  auto bad = dir / "bad.yaml";
  std::ofstream(bad) << "server:\n  address: \":7000\"\n  idle_timeout: 5\n";
  r = cfg::load(bad.string(), {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, bad.string() + ":3: server.idle_timeout: invalid duration \"5\" (use Go syntax such as "
                                              "\"30s\", \"15m\", \"1h30m\")");
  std::filesystem::remove_all(dir);
}

TEST(Env, ProcessEnvironmentReadsOnlyAuthplaneNames) {
  ::setenv("AUTHPLANE_CONFIG_TEST_PROBE", "x=y", 1);
  auto env = cfg::process_environment();
  ::unsetenv("AUTHPLANE_CONFIG_TEST_PROBE");
  EXPECT_EQ(env["AUTHPLANE_CONFIG_TEST_PROBE"], "x=y");
  for (const auto& [k, v] : env) EXPECT_EQ(k.rfind("AUTHPLANE_", 0), 0u) << k;
}

TEST(File, ValueThrowsWithMessageOnError) {
  auto r = cfg::load_from_string("vault_connect: {}\n", "x.yaml", {});
  ASSERT_FALSE(r);
  try {
    (void)r.value();
    FAIL() << "value() should throw";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("x.yaml:1: vault_connect is no longer supported", 0), 0u) << e.what();
  }
}
