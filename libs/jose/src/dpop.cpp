#include "authplane/jose/dpop.hpp"

#include "authplane/jose/error.hpp"
#include "authplane/jose/jwk.hpp"
#include "authplane/jose/jws.hpp"
#include "authplane/jose/jwt.hpp"
#include "internal.hpp"

#include <authplane/core/base64url.hpp>
#include <authplane/crypto/hash.hpp>

#include <boost/url/parse.hpp>

namespace authplane::jose {
namespace json = boost::json;

namespace {

struct uri_parts {
  std::string scheme, host, port, path;
};

// RFC 9449 §4.3 (9) with RFC 3986 §6.2.2/§6.2.3 normalization: scheme and host compared
// case-insensitively, default ports made explicit, an empty path is "/", percent-encoding hex
// digits upper-cased; query and fragment
// are not part of the comparison.
std::optional<uri_parts> split_uri(std::string_view text) {
  auto u = boost::urls::parse_uri(text);
  if (!u || !u->has_authority() || u->encoded_host().empty()) return std::nullopt;
  uri_parts p;
  p.scheme = std::string(u->scheme());
  for (char& c : p.scheme) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  p.host = std::string(u->encoded_host());
  for (char& c : p.host) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  std::string_view port = u->has_port() ? std::string_view(u->port()) : std::string_view{};
  while (port.size() > 1 && port.front() == '0') port.remove_prefix(1);
  if (port.empty()) {
    if (p.scheme == "https") port = "443";
    else if (p.scheme == "http") port = "80";
  }
  p.port = std::string(port);
  p.path = std::string(u->encoded_path());
  if (p.path.empty()) p.path = "/";
  // RFC 3986 §6.2.2.1: the hex digits of a percent-encoding are case-insensitive (%2f == %2F);
  // the encoded octet itself is kept, so %2F still differs from a literal '/'.
  for (std::size_t i = 0; i + 2 < p.path.size(); ++i) {
    if (p.path[i] != '%') continue;
    for (std::size_t j = i + 1; j <= i + 2; ++j)
      if (p.path[j] >= 'a' && p.path[j] <= 'f') p.path[j] = static_cast<char>(p.path[j] - 32);
  }
  return p;
}

}  // namespace

std::string dpop_ath(std::string_view access_token) {
  return base64url_encode(crypto::sha256(access_token));
}

result<dpop_proof> validate_dpop_proof(std::string_view proof, const dpop_options& opts) {
  // RFC 9449 §4.3 (1)-(5): one well-formed JWS, typ dpop+jwt, an allowed asymmetric alg.
  auto t = detail::parse_jws(proof, opts.allowed, detail::typ_rule::dpop);
  if (!t) return t.error();

  // §4.3 (6): the jwk header holds a public key; private material is refused outright.
  const json::value* jv = t->header.if_contains("jwk");
  if (jv == nullptr || !jv->is_object()) return errc::dpop_jwk_missing;
  auto key = parse_jwk(jv->get_object());
  if (!key) {
    if (key.error() == errc::jwk_private_material) return errc::dpop_jwk_private;
    return key.error();
  }
  // §4.3 (7): the signature verifies with that key (and the key fits the alg).
  if (auto r = verify_jws(*t, *key); !r) return r.error();

  const json::object& c = t->payload;
  dpop_proof out;
  // §4.2: jti is a unique identifier; bounded so a replay cache cannot be flooded.
  const json::string* jti = detail::get_string(c, "jti");
  if (jti == nullptr || jti->empty()) return errc::dpop_jti_missing;
  if (jti->size() > 256) return errc::dpop_jti_too_long;
  out.jti.assign(jti->data(), jti->size());

  // §4.3 (8): htm matches the request method.
  const json::string* htm = detail::get_string(c, "htm");
  if (htm == nullptr) return errc::dpop_htm_missing;
  if (!detail::iequals(std::string_view(htm->data(), htm->size()), opts.htm)) {
    return errc::dpop_htm_mismatch;
  }
  out.htm.assign(htm->data(), htm->size());

  // §4.3 (9): htu matches the request URI, ignoring query and fragment.
  const json::string* htu = detail::get_string(c, "htu");
  if (htu == nullptr) return errc::dpop_htu_missing;
  auto got = split_uri(std::string_view(htu->data(), htu->size()));
  auto want = split_uri(opts.htu);
  if (!got || !want) return errc::dpop_htu_invalid;
  if (got->scheme != want->scheme || got->host != want->host || got->port != want->port ||
      got->path != want->path) {
    return errc::dpop_htu_mismatch;
  }
  out.htu.assign(htu->data(), htu->size());

  // §4.3 (11): iat within the acceptance window (no arithmetic on the token's value).
  auto iat = numeric_date(c, "iat");
  if (!iat || !*iat) return errc::dpop_iat_missing;
  if (**iat < opts.now - opts.max_age || **iat > opts.now + opts.max_age) {
    return errc::dpop_iat_out_of_window;
  }
  out.iat = **iat;

  // §4.3 (12): when presented with an access token, ath is its hash.
  if (opts.expected_ath) {
    const json::string* ath = detail::get_string(c, "ath");
    if (ath == nullptr) return errc::dpop_ath_missing;
    if (std::string_view(ath->data(), ath->size()) != *opts.expected_ath) {
      return errc::dpop_ath_mismatch;
    }
  }

  if (const json::value* n = c.if_contains("nonce")) {
    if (!n->is_string()) return errc::dpop_nonce_invalid;
    out.nonce.emplace(n->get_string().data(), n->get_string().size());
  }
  out.jkt = thumbprint(*key);
  return out;
}

}  // namespace authplane::jose
