// Outbound DPoP (RFC 9449 §4): the proof signer and the URL forms it needs.
#include "client_internal.hpp"

#include <authplane/core/ascii.hpp>
#include <authplane/core/base64url.hpp>
#include <authplane/core/random.hpp>
#include <authplane/jose/dpop.hpp>
#include <authplane/jose/jwk.hpp>
#include <authplane/jose/jws.hpp>
#include <authplane/sdk/client.hpp>

#include <boost/json/parse.hpp>
#include <boost/url/parse.hpp>

namespace authplane::sdk {

namespace json = boost::json;

namespace detail {

std::optional<url_parts> split_url(std::string_view url) {
  auto u = boost::urls::parse_uri(url);
  if (!u || !u->has_authority() || u->encoded_host().empty()) return std::nullopt;
  url_parts p;
  p.scheme = ascii_lower(u->scheme());
  if (p.scheme != "http" && p.scheme != "https") return std::nullopt;
  p.host = ascii_lower(u->encoded_host());
  if (u->has_port() && !u->port().empty()) p.port = std::string(u->port());
  else p.port = p.scheme == "https" ? "443" : "80";
  p.path = std::string(u->encoded_path());
  if (p.path.empty()) p.path = "/";
  return p;
}

std::string url_parts::default_port() const { return scheme == "https" ? "443" : "80"; }

// RFC 9449 §4.2: htu is the target URI without query and fragment; scheme and host are
// lower-cased and a default port is dropped, so the AS compares like with like.
std::string url_parts::htu() const {
  std::string out = scheme + "://" + host;
  if (port != default_port()) out += ":" + port;
  return out + path;
}

std::string url_parts::origin() const { return scheme + "://" + host + ":" + port; }

}  // namespace detail

namespace {

// SEC1 ECPrivateKey (RFC 5915) DER for P-256, so the key loads through crypto::from_pem and no
// OpenSSL call is needed here: SEQUENCE { 1, OCTET STRING d, [0] prime256v1, [1] BIT STRING Q }.
std::string p256_sec1_pem(const std::string& d, const std::string& x, const std::string& y) {
  std::string der = std::string("\x30\x77\x02\x01\x01\x04\x20", 7) + d;
  der += std::string("\xa0\x0a\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07\xa1\x44\x03\x42\x00\x04", 18);
  der += x + y;
  const std::string b64 = base64_encode(der);
  std::string pem = "-----BEGIN EC PRIVATE KEY-----\n";
  for (std::size_t i = 0; i < b64.size(); i += 64) pem += b64.substr(i, 64) + "\n";
  return pem + "-----END EC PRIVATE KEY-----\n";
}

// The parser takes the supplied public point on trust; a signature by d that verifies under
// (x, y) proves the two belong together, so a proof never names a key it was not signed with.
bool key_pair_matches(const crypto::private_key& k, const std::string& x, const std::string& y) {
  auto pub = crypto::public_key::from_ec(crypto::key_type::ec_p256, x, y);
  auto sig = k.sign("ES256", "authplane dpop key check");
  return pub && sig && pub->verify("ES256", "authplane dpop key check", *sig);
}

std::optional<std::string> member_bytes(const json::object& o, std::string_view name, std::size_t size) {
  const auto* v = o.if_contains(name);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  auto raw = base64url_decode(std::string_view(v->as_string().data(), v->as_string().size()));
  if (!raw || raw->size() != size) return std::nullopt;
  return raw;
}

bool member_is(const json::object& o, std::string_view name, std::string_view want) {
  const auto* v = o.if_contains(name);
  return v != nullptr && v->is_string() && v->as_string() == want;
}

}  // namespace

dpop_signer::dpop_signer(crypto::private_key k) : key_(std::move(k)) {
  const auto& pub = key_.public_part();
  // Only the required public members (RFC 7638 §3.2): never "d", never "use".
  jwk_ = json::object{{"kty", "EC"},
                      {"crv", "P-256"},
                      {"x", base64url_encode(pub.ec_x())},
                      {"y", base64url_encode(pub.ec_y())}};
  jkt_ = jose::thumbprint(jose::jwk_from_key(pub, "", ""));
}

result<std::shared_ptr<const dpop_signer>> dpop_signer::generate() {
  auto k = crypto::private_key::generate("ES256");
  if (!k) return k.error();
  return std::make_shared<const dpop_signer>(std::move(*k));
}

result<std::shared_ptr<const dpop_signer>> dpop_signer::from_jwk(std::string_view private_jwk_json) {
  const error_code bad = client_errc::invalid_config;
  boost::system::error_code ec;
  auto v = json::parse(private_jwk_json, ec);
  if (ec || !v.is_object()) return bad;
  const auto& o = v.as_object();
  if (!member_is(o, "kty", "EC") || !member_is(o, "crv", "P-256")) return bad;
  auto d = member_bytes(o, "d", 32), x = member_bytes(o, "x", 32), y = member_bytes(o, "y", 32);
  if (!d || !x || !y) return bad;
  auto k = crypto::private_key::from_pem(p256_sec1_pem(*d, *x, *y));
  if (!k || !key_pair_matches(*k, *x, *y)) return bad;
  return std::make_shared<const dpop_signer>(std::move(*k));
}

result<std::string> dpop_signer::proof(std::string_view method, std::string_view url, std::int64_t now,
                                       std::string_view access_token, std::string_view nonce) const {
  auto parts = detail::split_url(url);
  if (!parts) return error_code(client_errc::invalid_argument);
  std::string htm(method);
  for (char& c : htm) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  json::object claims{{"jti", random_token(16)}, {"htm", htm}, {"htu", parts->htu()},
                      {"iat", now},              {"exp", now + 300}};
  if (!nonce.empty()) claims["nonce"] = nonce;
  if (!access_token.empty()) claims["ath"] = jose::dpop_ath(access_token);
  json::object header{{"typ", "dpop+jwt"}, {"jwk", jwk_}};
  return jose::sign_compact(header, claims, key_, jose::alg::ES256);
}

}  // namespace authplane::sdk
