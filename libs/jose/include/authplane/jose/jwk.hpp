// JSON Web Keys (RFC 7517) holding public keys only, JWK Sets, and RFC 7638 thumbprints.
//   auto set = jose::parse_jwks(body);                    // result<jwks>
//   if (const jose::jwk* k = set->find("kid-1")) verify_jws(token, *k);
//   std::string jkt = jose::thumbprint(*k);               // base64url SHA-256
// Parsed values are immutable plain data; share a jwks as std::shared_ptr<const jwks>.
#pragma once
#include <authplane/core/result.hpp>
#include <authplane/crypto/keys.hpp>

#include <boost/json/object.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace authplane::jose {

struct jwk {
  crypto::public_key key;       // the verified-to-be-valid public key
  std::string kty;              // "EC", "RSA" or "OKP"
  std::string kid;              // empty when absent
  std::string alg;              // empty when absent; when set, tokens must use exactly this alg
  std::string use;              // empty when absent; when set, must be "sig" to verify
  boost::json::object members;  // every member as received (public members only)
};

inline constexpr std::size_t max_jwk_text = 64 * 1024;
inline constexpr std::size_t max_jwks_keys = 100;

// Public keys only: private members (d, p, q, dp, dq, qi, oth, k) give jwk_private_material.
result<jwk> parse_jwk(const boost::json::object& obj);
result<jwk> parse_jwk(std::string_view json);
// Public members only, "kty" first, then the key members, then kid/alg/use when set.
boost::json::object to_json(const jwk& k);
// A JWK for a key we hold ("use":"sig"); kid and alg may be empty.
jwk jwk_from_key(const crypto::public_key& key, std::string kid, std::string alg);
// RFC 7638 §3: base64url(SHA-256(required members, lexicographic order, no whitespace)).
std::string thumbprint(const jwk& k);

struct jwks {
  std::vector<jwk> keys;
  // The first key with this kid, or nullptr.
  const jwk* find(std::string_view kid) const noexcept;
};

// Caps: 64 KiB of text, 100 keys. Keys of a type or curve we do not support (and "use":"enc"
// keys) are skipped, as RFC 7517 §5 allows; any other malformed key fails the whole set.
result<jwks> parse_jwks(std::string_view json);
std::string serialize_jwks(const jwks& set);  // {"keys":[...]}

}  // namespace authplane::jose
