// Test helpers: keys, token minting, DPoP proofs and a guard wired to an in-memory key source.
#pragma once
#include <authplane/core/base64url.hpp>
#include <authplane/core/clock.hpp>
#include <authplane/crypto/keys.hpp>
#include <authplane/jose/jose.hpp>
#include <authplane/sdk/sdk.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <string>

namespace sdktest {
namespace json = boost::json;
using namespace authplane;

constexpr std::int64_t t0 = 1'700'000'000;
inline const std::string issuer = "https://as.example";
inline const std::string resource = "https://mcp.example/mcp";
inline const std::string prm = "https://mcp.example/.well-known/oauth-protected-resource/mcp";
inline const std::string rm = "resource_metadata=\"" + prm + "\"";

// One generated key per name ("ES256", "ES256b", "RS256", ...), shared by all tests.
inline const crypto::private_key& key_for(const std::string& name) {
  static std::map<std::string, crypto::private_key> cache;
  auto it = cache.find(name);
  if (it == cache.end()) it = cache.emplace(name, *crypto::private_key::generate(name.substr(0, 5))).first;
  return it->second;
}

inline jose::jwk public_jwk(const std::string& key_name, std::string kid) {
  return jose::jwk_from_key(key_for(key_name).public_part(), std::move(kid), "");
}

// A key source over fixed "published" keys; refresh_for_unknown_kid publishes `next` if set.
struct counting_source final : sdk::jwks_source {
  sdk::key_set keys;
  sdk::key_set next;
  std::atomic<int> current_calls{0};
  std::atomic<int> refresh_calls{0};
  sdk::key_set current() override {
    ++current_calls;
    return keys;
  }
  sdk::key_set refresh_for_unknown_kid(std::string_view) override {
    ++refresh_calls;
    if (next) keys = next;
    return keys;
  }
};

inline sdk::key_set set_of(std::initializer_list<jose::jwk> ks) {
  auto s = std::make_shared<jose::jwks>();
  for (const auto& k : ks) s->keys.push_back(k);
  return s;
}

inline json::object good_claims(std::int64_t now = t0) {
  return json::object{{"iss", issuer},       {"aud", resource},    {"sub", "user-1"},
                      {"client_id", "cli-1"}, {"jti", "jti-1"},     {"iat", now},
                      {"exp", now + 300},     {"scope", "mcp:echo mcp:read"}};
}

inline std::string mint(const json::object& claims, std::string kid = "k1", std::string typ = "at+jwt",
                        const std::string& key_name = "ES256", jose::alg a = jose::alg::ES256) {
  json::object h;
  if (!typ.empty()) h["typ"] = typ;
  if (!kid.empty()) h["kid"] = kid;
  return *jose::sign_compact(h, claims, key_for(key_name), a);
}

// Unsigned/foreign-alg token assembled by hand.
inline std::string raw_token(std::string_view header_json, std::string_view payload_json, std::string_view sig) {
  return base64url_encode(header_json) + "." + base64url_encode(payload_json) + "." + base64url_encode(sig);
}

inline http::header_list auth(const std::string& value) {
  http::header_list h;
  h.add("Authorization", value);
  return h;
}

// DPoP proof signed with `key_name`, bound to `token` when non-empty.
inline std::string proof(const std::string& htm, const std::string& htu, const std::string& token,
                         std::string jti = "p-1", std::int64_t iat = t0, const std::string& key_name = "ES256d") {
  json::object h{{"typ", "dpop+jwt"}, {"jwk", jose::to_json(public_jwk(key_name, ""))}};
  json::object c{{"jti", jti}, {"htm", htm}, {"htu", htu}, {"iat", iat}};
  if (!token.empty()) c["ath"] = jose::dpop_ath(token);
  return *jose::sign_compact(h, c, key_for(key_name), jose::alg::ES256);
}

inline std::string jkt_of(const std::string& key_name) { return jose::thumbprint(public_jwk(key_name, "")); }

struct guard_env {
  std::shared_ptr<manual_clock> clk = std::make_shared<manual_clock>(t0);
  std::shared_ptr<counting_source> keys = std::make_shared<counting_source>();
  sdk::options opts;
  std::shared_ptr<sdk::resource_guard> guard;

  guard_env() {
    keys->keys = set_of({public_jwk("ES256", "k1"), public_jwk("RS256", "k2")});
    opts.issuer = issuer;
    opts.base_url = "https://mcp.example";
    opts.scopes = {"mcp:echo"};
  }
  sdk::resource_guard& g() {
    if (!guard) {
      auto r = sdk::resource_guard::create(opts, keys, nullptr, clk);
      EXPECT_TRUE(r) << r.error().message();
      guard = *r;
    }
    return *guard;
  }
  sdk::outcome check(const http::header_list& h, const std::vector<std::string>& extra = {}) {
    return g().check("POST", resource, h, extra);
  }
  sdk::outcome check_token(const std::string& token) { return check(auth("Bearer " + token)); }
};

struct Guard : ::testing::Test, guard_env {};

inline std::string www(const sdk::outcome& o) {
  auto v = o.denied.headers.get("WWW-Authenticate");
  return v ? std::string(*v) : std::string("(none)");
}

#define EXPECT_DENIED(o, st, want_code, header)                              \
  do {                                                                       \
    const auto& o_ = (o);                                                    \
    ASSERT_FALSE(o_) << "expected a denial";                                 \
    EXPECT_EQ(o_.denied.status, st);                                         \
    EXPECT_EQ(o_.denied.code, want_code) << o_.denied.description;           \
    EXPECT_EQ(::sdktest::www(o_), header);                                   \
  } while (0)

}  // namespace sdktest
