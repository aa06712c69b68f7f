#include <authplane/config/config.hpp>

#include <gtest/gtest.h>

namespace cfg = authplane::config;

TEST(SanitizedJson, DefaultShape) {
  cfg::config c;
  EXPECT_EQ(cfg::sanitized_json(c),
            R"({"issuer":"http://localhost:9000","storage":{"driver":"sqlite"},)"
            R"("signing":{"algorithm":"ES256","key_store":"keyfile"},"encryption":{"driver":"none"},)"
            R"("dcr":{"mode":"open"},"rate_limit":{"enabled":true},"client_credentials":{"enabled":true},)"
            R"("dpop":{"enabled":true,"nonce_ttl":"1m0s","require_nonce":false},)"
            R"("token_exchange":{"enabled":true,"max_chain_depth":5},)"
            R"("agents":{"enabled":true,"jwks_listing":false},"oidc":{"enabled":false}})");
}

TEST(SanitizedJson, NeverContainsSecrets) {
  cfg::config c;
  c.admin.api_key = "ADMINKEY-aaaa-1111-secret";
  c.session.secret = "SESSIONSECRET-bbbb-2222";
  c.client_secret_pepper = "PEPPER-cccc-3333-xyz";
  c.oidc.client_secret = "OIDCSECRET-dddd";
  c.storage.postgres.dsn = "postgres://u:DSNPASSWORD@db/x";
  c.signing.vault.token = "VAULTTOKEN-eeee";
  c.connect.state_secret = "CONNECTSTATE-ffff-0000-0000-0000-0000";
  c.metrics.basic_auth_password = "METRICSPW-gggg";
  auto json = cfg::sanitized_json(c);
  for (auto secret : {"ADMINKEY", "SESSIONSECRET", "PEPPER", "OIDCSECRET", "DSNPASSWORD", "VAULTTOKEN", "CONNECTSTATE",
                      "METRICSPW"})
    EXPECT_EQ(json.find(secret), std::string::npos) << secret;
  // Secret settings are flagged in the table (for anything else that prints settings).
  for (auto key : {"admin.api_key", "session.secret", "client_secret_pepper", "oidc.client_secret",
                   "storage.postgres.dsn", "signing.vault.token", "connect.state_secret",
                   "metrics.basic_auth.password"})
    EXPECT_TRUE(cfg::find_by_key(key)->secret) << key;
}

TEST(SanitizedJson, EscapesStrings) {
  cfg::config c;
  c.server.issuer = "https://x.example/\"q\\\n";
  c.dcr.mode = std::string("a\x01", 2);
  auto json = cfg::sanitized_json(c);
  EXPECT_NE(json.find(R"("issuer":"https://x.example/\"q\\\n")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("mode":"a\u0001")"), std::string::npos) << json;
}
