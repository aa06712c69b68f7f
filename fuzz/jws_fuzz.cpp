// libFuzzer target: compact JWS parsing, JWT verification and DPoP proof validation on
// arbitrary input. Any crash, leak or sanitizer report is a bug.
#include <authplane/jose/jose.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {
namespace jose = authplane::jose;

const jose::jwks& fixed_keys() {
  // Public keys only: a fixed EC key (RFC 7515 A.3) and RSA key (RFC 7515 A.2).
  static const jose::jwks keys = *jose::parse_jwks(
      R"({"keys":[{"kty":"EC","crv":"P-256","kid":"ec","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"},)"
      R"({"kty":"RSA","kid":"rsa","n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ","e":"AQAB"}]})");
  return keys;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const jose::alg_set all = jose::alg_set::all();

  if (auto t = jose::parse_jws(in, all)) {
    for (const jose::jwk& k : fixed_keys().keys) (void)jose::verify_jws(*t, k);
  }

  jose::jwt_check check{.issuer = "joe", .audience = std::string_view("rs"), .now = 1300819000};
  (void)jose::verify_jwt(in, fixed_keys(), all, check);

  jose::dpop_options opts{.htm = "POST", .htu = "https://as.example/token", .now = 1700000000,
                          .expected_ath = std::string_view("fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"),
                          .allowed = all};
  (void)jose::validate_dpop_proof(in, opts);
  return 0;
}
