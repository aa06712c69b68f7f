// Test helpers: raw token assembly (bypassing sign_compact's checks) and cached keys.
#pragma once
#include <authplane/core/base64url.hpp>
#include <authplane/jose/jose.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace test {
namespace json = boost::json;
using namespace authplane;

inline std::string b64(std::string_view s) { return base64url_encode(s); }
inline std::string unb64(std::string_view s) { return *base64url_decode(s); }

// header.payload.signature from raw JSON texts and raw signature bytes.
inline std::string raw_token(std::string_view header_json, std::string_view payload_json,
                             std::string_view sig = "sig") {
  return b64(header_json) + "." + b64(payload_json) + "." + b64(sig);
}

// One generated key per algorithm name, shared by all tests (RSA generation is slow).
inline const crypto::private_key& key_for(const std::string& alg) {
  static std::map<std::string, crypto::private_key> cache;
  auto it = cache.find(alg);
  // "ES256b" etc. give a second, independent key for the same algorithm.
  if (it == cache.end()) it = cache.emplace(alg, *crypto::private_key::generate(alg.substr(0, 5))).first;
  return it->second;
}

inline json::object obj(std::string_view text) { return json::parse(text).as_object(); }

// Signs header/payload texts exactly as given (the header must already contain "alg").
inline std::string sign_raw(std::string_view header_json, std::string_view payload_json,
                            const crypto::private_key& key, std::string_view alg) {
  std::string input = b64(header_json) + "." + b64(payload_json);
  return input + "." + b64(*key.sign(alg, input));
}

#define EXPECT_ERRC(expr, code)                                         \
  do {                                                                  \
    auto r_ = (expr);                                                   \
    ASSERT_FALSE(r_.has_value()) << "expected " #code;                  \
    EXPECT_EQ(r_.error(), ::boost::system::error_code(code))            \
        << r_.error().message();                                        \
  } while (0)

}  // namespace test
