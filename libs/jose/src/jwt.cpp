#include "authplane/jose/jwt.hpp"

#include "authplane/jose/error.hpp"
#include "authplane/jose/jws.hpp"
#include "internal.hpp"

#include <cmath>
#include <limits>

namespace authplane::jose {
namespace json = boost::json;

result<std::optional<std::int64_t>> numeric_date(const json::object& claims, std::string_view name) {
  const json::value* v = claims.if_contains(name);
  if (v == nullptr) return std::optional<std::int64_t>{};
  if (v->is_int64()) return std::optional<std::int64_t>{v->get_int64()};
  if (v->is_uint64()) {
    if (v->get_uint64() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return errc::claim_bad_type;
    }
    return std::optional<std::int64_t>{static_cast<std::int64_t>(v->get_uint64())};
  }
  if (v->is_double()) {
    // RFC 7519 §2: NumericDate may be non-integer; seconds are enough for us.
    double d = v->get_double();
    if (!std::isfinite(d) || d >= 9.0e18 || d <= -9.0e18) return errc::claim_bad_type;
    return std::optional<std::int64_t>{static_cast<std::int64_t>(std::floor(d))};
  }
  return errc::claim_bad_type;
}

namespace {
// RFC 9068 §4: typ is "at+jwt"; "application/at+jwt" is the same media type (RFC 7515 §4.1.9).
bool typ_matches(std::string_view got, std::string_view want) {
  if (detail::iequals(got, want)) return true;
  constexpr std::string_view prefix = "application/";
  return got.size() == prefix.size() + want.size() && detail::iequals(got.substr(0, prefix.size()), prefix) &&
         detail::iequals(got.substr(prefix.size()), want);
}

result<void> check_audience(const json::object& claims, std::string_view want) {
  const json::value* aud = claims.if_contains("aud");
  if (aud == nullptr) return errc::claim_missing_aud;
  if (const json::string* s = aud->if_string()) {
    if (*s == want) return {};
    return errc::audience_mismatch;
  }
  const json::array* arr = aud->if_array();
  if (arr == nullptr) return errc::claim_bad_type;
  for (const json::value& e : *arr) {
    const json::string* s = e.if_string();
    if (s == nullptr) return errc::claim_bad_type;
    if (*s == want) return {};
  }
  return errc::audience_mismatch;
}

result<void> verify_with_keys(const jws& t, const jwks& keys) {
  std::string_view name = to_string(t.alg);
  result<void> first_error = errc::no_matching_key;
  bool tried = false;
  for (const jwk& k : keys.keys) {
    if (!t.kid.empty()) {
      if (k.kid != t.kid) continue;
    } else if (!crypto::alg_fits(name, k.key.type()) || (!k.alg.empty() && k.alg != name) ||
               (!k.use.empty() && k.use != "sig")) {
      // Without a kid, only keys that could have produced this alg are candidates.
      continue;
    }
    auto r = verify_jws(t, k);
    if (r) return r;
    if (!tried) first_error = r;
    tried = true;
  }
  return first_error;
}
}  // namespace

result<json::object> verify_jwt(std::string_view compact, const jwks& keys, const alg_set& allowed,
                                const jwt_check& check) {
  auto t = parse_jws(compact, allowed);
  if (!t) return t.error();
  if (!check.typ.empty() && !typ_matches(t->typ, check.typ)) return errc::typ_mismatch;
  if (auto r = verify_with_keys(*t, keys); !r) return r.error();
  if (auto r = check_claims(t->payload, check); !r) return r.error();
  return std::move(t->payload);
}

result<void> check_claims(const json::object& c, const jwt_check& check) {
  const std::int64_t late = check.now - check.leeway;   // no arithmetic on token-supplied values:
  const std::int64_t early = check.now + check.leeway;  // they may be near INT64_MAX
  // RFC 9068 §4: exp is required; RFC 7519 §4.1.4: reject on or after exp.
  auto exp = numeric_date(c, "exp");
  if (!exp) return exp.error();
  if (!*exp) return errc::claim_missing_exp;
  if (**exp <= late) return errc::token_expired;
  auto nbf = numeric_date(c, "nbf");
  if (!nbf) return nbf.error();
  if (*nbf && **nbf > early) return errc::token_not_yet_valid;
  auto iat = numeric_date(c, "iat");
  if (!iat) return iat.error();
  if (*iat && **iat > early) return errc::token_issued_in_future;

  const json::value* iss = c.if_contains("iss");
  if (iss == nullptr) return errc::claim_missing_iss;
  if (!iss->is_string()) return errc::claim_bad_type;
  if (iss->get_string() != check.issuer) return errc::issuer_mismatch;

  if (check.audience) {
    if (auto r = check_audience(c, *check.audience); !r) return r.error();
  }
  return {};
}

}  // namespace authplane::jose
