#include "authplane/jose/jwk.hpp"

#include "authplane/jose/error.hpp"
#include "internal.hpp"

#include <authplane/core/base64url.hpp>
#include <authplane/crypto/error.hpp>
#include <authplane/crypto/hash.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace authplane::jose {
namespace {

namespace json = boost::json;
using detail::get_string;

enum class member_state { absent, bad, ok };

// Decodes a base64url member strictly; `bad` covers non-strings and invalid encodings.
member_state decode_member(const json::object& o, std::string_view name, std::string& out) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr) return member_state::absent;
  const json::string* s = v->if_string();
  if (s == nullptr) return member_state::bad;
  auto d = base64url_decode(std::string_view(s->data(), s->size()));
  if (!d) return member_state::bad;
  out = std::move(*d);
  return member_state::ok;
}

result<void> optional_string(const json::object& o, std::string_view name, std::string& out) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr) return {};
  const json::string* s = v->if_string();
  if (s == nullptr) return errc::jwk_bad_member;
  out.assign(s->data(), s->size());
  return {};
}

result<crypto::public_key> parse_ec(const json::object& o) {
  const json::string* crv = get_string(o, "crv");
  if (crv == nullptr) return errc::jwk_missing_crv;
  crypto::key_type t;
  std::size_t size;
  if (*crv == "P-256") t = crypto::key_type::ec_p256, size = 32;
  else if (*crv == "P-384") t = crypto::key_type::ec_p384, size = 48;
  else if (*crv == "P-521") t = crypto::key_type::ec_p521, size = 66;
  else return errc::jwk_unsupported_crv;
  std::string x, y;
  switch (decode_member(o, "x", x)) {
    case member_state::absent: return errc::jwk_missing_x;
    case member_state::bad: return errc::jwk_bad_x;
    case member_state::ok: break;
  }
  switch (decode_member(o, "y", y)) {
    case member_state::absent: return errc::jwk_missing_y;
    case member_state::bad: return errc::jwk_bad_y;
    case member_state::ok: break;
  }
  // RFC 7518 §6.2.1.2/3: each coordinate is exactly the field size.
  if (x.size() != size) return errc::jwk_bad_x;
  if (y.size() != size) return errc::jwk_bad_y;
  auto k = crypto::public_key::from_ec(t, x, y);
  if (!k) return errc::jwk_bad_point;
  return *k;
}

result<crypto::public_key> parse_rsa(const json::object& o) {
  std::string n, e;
  auto ns = decode_member(o, "n", n);
  auto es = decode_member(o, "e", e);
  if (ns == member_state::absent) return errc::jwk_missing_n;
  if (es == member_state::absent) return errc::jwk_missing_e;
  if (ns == member_state::bad || n.empty()) return errc::jwk_bad_n;
  if (es == member_state::bad || e.empty()) return errc::jwk_bad_e;
  // Exponent: odd, greater than 1, at most 32 bits (leading zero octets tolerated).
  std::size_t first = e.find_first_not_of('\0');
  if (first == std::string::npos || e.size() - first > 4 ||
      (static_cast<unsigned char>(e.back()) & 1u) == 0 ||
      (e.size() - first == 1 && static_cast<unsigned char>(e.back()) == 1)) {
    return errc::jwk_bad_e;
  }
  auto k = crypto::public_key::from_rsa(n, e);
  if (!k) {
    if (k.error() == crypto::errc::key_too_small) return errc::rsa_key_too_small;
    if (k.error() == crypto::errc::key_too_large) return errc::rsa_key_too_large;
    return errc::jwk_bad_n;
  }
  return *k;
}

result<crypto::public_key> parse_okp(const json::object& o) {
  const json::string* crv = get_string(o, "crv");
  if (crv == nullptr) return errc::jwk_missing_crv;
  if (*crv != "Ed25519") return errc::jwk_unsupported_crv;
  std::string x;
  switch (decode_member(o, "x", x)) {
    case member_state::absent: return errc::jwk_missing_x;
    case member_state::bad: return errc::jwk_bad_x;
    case member_state::ok: break;
  }
  if (x.size() != 32) return errc::jwk_bad_x;
  auto k = crypto::public_key::from_ed25519(x);
  if (!k) return errc::jwk_bad_x;
  return *k;
}

std::string b64(std::string_view s) { return base64url_encode(s); }

}  // namespace

result<jwk> parse_jwk(const json::object& o) {
  // RFC 7517 §9.2 / RFC 7518 §6.3.2, §6.4: a public key must not carry private members. A
  // client that leaks its private key in a header is refused rather than silently trusted.
  for (std::string_view m : {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}) {
    if (o.contains(m)) return errc::jwk_private_material;
  }
  const json::string* kty = get_string(o, "kty");
  if (kty == nullptr) return errc::jwk_missing_kty;
  jwk out;
  if (auto r = optional_string(o, "kid", out.kid); !r) return r.error();
  if (auto r = optional_string(o, "alg", out.alg); !r) return r.error();
  if (auto r = optional_string(o, "use", out.use); !r) return r.error();
  result<crypto::public_key> key = errc::jwk_unsupported_kty;
  if (*kty == "EC") key = parse_ec(o);
  else if (*kty == "RSA") key = parse_rsa(o);
  else if (*kty == "OKP") key = parse_okp(o);
  if (!key) return key.error();
  // A JWK "alg" that names a JWS algorithm must fit the key (RFC 7517 §4.4).
  if (!out.alg.empty() && alg_from_string(out.alg) && !crypto::alg_fits(out.alg, key->type())) {
    return errc::alg_key_mismatch;
  }
  out.key = std::move(*key);
  out.kty.assign(kty->data(), kty->size());
  out.members = o;
  return out;
}

result<jwk> parse_jwk(std::string_view text) {
  if (text.size() > max_jwk_text) return errc::too_large;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return errc::jwk_not_json;
  return parse_jwk(v.get_object());
}

json::object to_json(const jwk& k) {
  json::object o;
  const crypto::public_key& p = k.key;
  switch (p.type()) {
    case crypto::key_type::ec_p256:
    case crypto::key_type::ec_p384:
    case crypto::key_type::ec_p521:
      o["kty"] = "EC";
      o["crv"] = p.type() == crypto::key_type::ec_p256   ? "P-256"
                 : p.type() == crypto::key_type::ec_p384 ? "P-384"
                                                         : "P-521";
      o["x"] = b64(p.ec_x());
      o["y"] = b64(p.ec_y());
      break;
    case crypto::key_type::rsa:
      o["kty"] = "RSA";
      o["n"] = b64(p.rsa_n());
      o["e"] = b64(p.rsa_e());
      break;
    case crypto::key_type::ed25519:
      o["kty"] = "OKP";
      o["crv"] = "Ed25519";
      o["x"] = b64(p.okp_x());
      break;
    case crypto::key_type::none:
      break;
  }
  if (!k.kid.empty()) o["kid"] = k.kid;
  if (!k.alg.empty()) o["alg"] = k.alg;
  if (!k.use.empty()) o["use"] = k.use;
  return o;
}

jwk jwk_from_key(const crypto::public_key& key, std::string kid, std::string alg) {
  jwk out;
  out.key = key;
  out.kid = std::move(kid);
  out.alg = std::move(alg);
  out.use = "sig";
  out.members = to_json(out);
  if (const json::string* kty = get_string(out.members, "kty")) out.kty.assign(kty->data(), kty->size());
  return out;
}

std::string thumbprint(const jwk& k) {
  // RFC 7638 §3.2: required members only, in lexicographic order, no whitespace. The member
  // values are taken as the key's owner wrote them (we only accepted them after a strict
  // base64url decode, so they contain no characters that need JSON escaping).
  json::object canon = to_json(jwk{k.key, {}, {}, {}, {}, {}});
  auto member = [&](std::string_view name) -> std::string {
    if (const json::string* s = get_string(k.members, name)) return std::string(s->data(), s->size());
    const json::string* s = get_string(canon, name);
    return s ? std::string(s->data(), s->size()) : std::string();
  };
  std::string text;
  switch (k.key.type()) {
    case crypto::key_type::rsa:
      text = R"({"e":")" + member("e") + R"(","kty":"RSA","n":")" + member("n") + R"("})";
      break;
    case crypto::key_type::ed25519:
      text = R"({"crv":"Ed25519","kty":"OKP","x":")" + member("x") + R"("})";
      break;
    case crypto::key_type::none:
      return {};
    default:
      text = R"({"crv":")" + member("crv") + R"(","kty":"EC","x":")" + member("x") + R"(","y":")" +
             member("y") + R"("})";
      break;
  }
  return base64url_encode(crypto::sha256(text));
}

const jwk* jwks::find(std::string_view kid) const noexcept {
  for (const jwk& k : keys) {
    if (k.kid == kid) return &k;
  }
  return nullptr;
}

result<jwks> parse_jwks(std::string_view text) {
  if (text.size() > max_jwk_text) return errc::too_large;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return errc::jwks_not_json;
  const json::value* keys = v.get_object().if_contains("keys");
  if (keys == nullptr || !keys->is_array()) return errc::jwks_missing_keys;
  const json::array& arr = keys->get_array();
  if (arr.size() > max_jwks_keys) return errc::too_large;
  jwks out;
  out.keys.reserve(arr.size());
  for (const json::value& e : arr) {
    const json::object* o = e.if_object();
    if (o == nullptr) return errc::jwk_not_json;
    // RFC 7517 §5: members the implementation does not understand are ignored; an
    // encryption key is not a signing key.
    if (const json::string* use = get_string(*o, "use"); use && *use == "enc") continue;
    auto k = parse_jwk(*o);
    if (!k) {
      if (k.error() == errc::jwk_unsupported_kty || k.error() == errc::jwk_unsupported_crv) continue;
      return k.error();
    }
    out.keys.push_back(std::move(*k));
  }
  return out;
}

std::string serialize_jwks(const jwks& set) {
  json::array arr;
  arr.reserve(set.keys.size());
  for (const jwk& k : set.keys) arr.emplace_back(to_json(k));
  json::object o;
  o["keys"] = std::move(arr);
  return json::serialize(o);
}

}  // namespace authplane::jose
