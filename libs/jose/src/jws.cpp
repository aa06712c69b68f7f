#include "authplane/jose/jws.hpp"

#include "authplane/jose/error.hpp"
#include "internal.hpp"

#include <authplane/core/base64url.hpp>
#include <authplane/crypto/error.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace authplane::jose {
namespace json = boost::json;

namespace detail {
namespace {
std::optional<json::object> parse_object(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.get_object());
}
}  // namespace

result<jws> parse_jws(std::string_view compact, const alg_set& allowed, typ_rule rule) {
  if (compact.size() > max_compact_size) return errc::too_large;
  // RFC 7515 §7.1: exactly three base64url parts (a JWE has five; a JSON serialization none).
  std::size_t d1 = compact.find('.');
  if (d1 == std::string_view::npos) return errc::malformed;
  std::size_t d2 = compact.find('.', d1 + 1);
  if (d2 == std::string_view::npos || compact.find('.', d2 + 1) != std::string_view::npos) {
    return errc::malformed;
  }
  std::string_view h64 = compact.substr(0, d1);
  std::string_view p64 = compact.substr(d1 + 1, d2 - d1 - 1);
  std::string_view s64 = compact.substr(d2 + 1);
  auto htext = base64url_decode(h64);
  auto ptext = base64url_decode(p64);
  auto sig = base64url_decode(s64);
  if (!htext || !ptext || !sig || h64.empty()) return errc::malformed;

  jws out;
  // RFC 7515 §4: Boost.JSON keeps the lexically last of duplicate members, one of the two
  // behaviours the RFC allows; every check below sees that same value.
  auto header = parse_object(*htext);
  if (!header) return errc::header_not_json;
  out.header = std::move(*header);

  const json::value* typ = out.header.if_contains("typ");
  if (typ != nullptr && !typ->is_string()) {
    return rule == typ_rule::dpop ? errc::dpop_typ : errc::header_bad_member;
  }
  if (typ != nullptr) out.typ.assign(typ->get_string().data(), typ->get_string().size());
  // RFC 9449 §4.3 (4): the proof's typ is exactly dpop+jwt (media types are case-insensitive).
  if (rule == typ_rule::dpop && !iequals(out.typ, "dpop+jwt")) return errc::dpop_typ;

  // RFC 8725 §3.1/§2.1: the algorithm is checked against the allow-list before any key is
  // touched; "none" and HMAC algorithms are not even representable in alg_set.
  const json::string* a = get_string(out.header, "alg");
  if (a == nullptr) return errc::alg_missing;
  auto parsed = alg_from_string(std::string_view(a->data(), a->size()));
  if (!parsed || !allowed.contains(*parsed)) return errc::alg_not_allowed;
  out.alg = *parsed;

  // RFC 7515 §4.1.11: a recipient must reject a JWS whose crit lists an extension it does
  // not understand; we understand none, so any crit is refused.
  if (out.header.contains("crit")) return errc::crit_unsupported;

  if (const json::value* kid = out.header.if_contains("kid")) {
    if (!kid->is_string()) return errc::header_bad_member;
    out.kid.assign(kid->get_string().data(), kid->get_string().size());
  }

  auto payload = parse_object(*ptext);
  if (!payload) return errc::payload_not_json;
  out.payload = std::move(*payload);
  out.signing_input.assign(compact.data(), d2);
  out.signature = std::move(*sig);
  return out;
}
}  // namespace detail

result<jws> parse_jws(std::string_view compact, const alg_set& allowed) {
  return detail::parse_jws(compact, allowed, detail::typ_rule::none);
}

result<void> verify_jws(const jws& t, const jwk& key) {
  std::string_view name = to_string(t.alg);
  if (!t.kid.empty() && !key.kid.empty() && t.kid != key.kid) return errc::kid_mismatch;
  if (!key.use.empty() && key.use != "sig") return errc::key_use_mismatch;
  // RFC 7517 §4.4: a key that names its algorithm is used with that algorithm only.
  if (!key.alg.empty() && key.alg != name) return errc::alg_key_mismatch;
  // RFC 8725 §3.1: the key type must match the algorithm (no RSA key for ES256, no P-256
  // key for ES384, Ed25519 only for EdDSA).
  if (!crypto::alg_fits(name, key.key.type())) return errc::alg_key_mismatch;
  if (!key.key.verify(name, t.signing_input, t.signature)) return errc::signature_invalid;
  return {};
}

result<std::string> sign_compact(const json::object& header, const json::object& payload,
                                 const crypto::private_key& key, alg a) {
  std::string_view name = to_string(a);
  if (!crypto::alg_fits(name, key.type())) return errc::alg_key_mismatch;
  json::object h;
  h.reserve(header.size() + 1);
  h["alg"] = name;
  for (const auto& m : header) {
    if (m.key() != "alg") h[m.key()] = m.value();
  }
  std::string out = base64url_encode(json::serialize(h));
  out += '.';
  out += base64url_encode(json::serialize(payload));
  auto sig = key.sign(name, out);
  if (!sig) return errc::sign_failed;
  out += '.';
  out += base64url_encode(*sig);
  return out;
}

}  // namespace authplane::jose
