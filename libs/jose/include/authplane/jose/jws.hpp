// Compact JWS (RFC 7515 §7.1): parse with an algorithm allow-list, verify against a JWK, sign.
//   auto t = jose::parse_jws(text, {jose::alg::ES256});   // alg checked here, before any key use
//   if (t) if (auto ok = jose::verify_jws(*t, key); ok) use(t->payload);
//   auto s = jose::sign_compact({{"typ", "at+jwt"}}, claims, priv, jose::alg::ES256);
// All functions are pure and thread-safe.
#pragma once
#include <authplane/core/result.hpp>
#include <authplane/crypto/keys.hpp>
#include <authplane/jose/alg.hpp>
#include <authplane/jose/jwk.hpp>

#include <boost/json/object.hpp>

#include <string>
#include <string_view>

namespace authplane::jose {

inline constexpr std::size_t max_compact_size = 16 * 1024;

struct jws {
  boost::json::object header;   // decoded protected header
  boost::json::object payload;  // decoded payload (always a JSON object)
  std::string signing_input;    // ASCII(BASE64URL(header) || '.' || BASE64URL(payload))
  std::string signature;        // decoded signature bytes
  jose::alg alg = jose::alg::ES256;
  std::string kid;              // empty when absent
  std::string typ;              // empty when absent
};

// Errors, in check order: too_large, malformed, header_not_json, alg_missing, alg_not_allowed,
// crit_unsupported, header_bad_member, payload_not_json.
result<jws> parse_jws(std::string_view compact, const alg_set& allowed);

// Errors: alg_key_mismatch (key type/curve or the JWK's "alg"), key_use_mismatch, kid_mismatch,
// signature_invalid.
result<void> verify_jws(const jws& token, const jwk& key);

// Sets "alg" in a copy of `header`; the payload is serialized once as given.
result<std::string> sign_compact(const boost::json::object& header,
                                 const boost::json::object& payload,
                                 const crypto::private_key& key, alg a);

}  // namespace authplane::jose
