#include "helpers.hpp"

using namespace test;
using jose::alg;
using jose::errc;

namespace {
constexpr std::int64_t now = 1'700'000'000;

struct Dpop : ::testing::Test {
  jose::dpop_options opts{.htm = "POST", .htu = "https://as.example/token", .now = now};

  static std::string jwk_json(const std::string& key_name) {
    return json::serialize(jose::to_json(jose::jwk_from_key(key_for(key_name).public_part(), "", "")));
  }
  static std::string header(std::string_view a = "ES256", std::string_view typ = "dpop+jwt",
                            std::string jwk = jwk_json("ES256")) {
    return std::string(R"({"typ":")") + std::string(typ) + R"(","alg":")" + std::string(a) + R"(","jwk":)" + jwk + "}";
  }
  static std::string claims(std::string_view extra = "", std::string_view htu = "https://as.example/token",
                            std::int64_t iat = now) {
    return std::string(R"({"jti":"j-1","htm":"POST","htu":")") + std::string(htu) + R"(","iat":)" +
           std::to_string(iat) + std::string(extra) + "}";
  }
  static std::string proof(const std::string& h, const std::string& c, std::string_view key = "ES256",
                           std::string_view a = "ES256") {
    return sign_raw(h, c, key_for(std::string(key)), a);
  }
  auto validate(const std::string& p) const { return jose::validate_dpop_proof(p, opts); }
};
}  // namespace

TEST_F(Dpop, ValidProofAccepted) {
  auto p = validate(proof(header(), claims(R"(,"nonce":"n1")")));
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(p->jti, "j-1");
  EXPECT_EQ(p->iat, now);
  EXPECT_EQ(p->htm, "POST");
  EXPECT_EQ(p->htu, "https://as.example/token");
  ASSERT_TRUE(p->nonce);
  EXPECT_EQ(*p->nonce, "n1");
  EXPECT_EQ(p->jkt, jose::thumbprint(jose::jwk_from_key(key_for("ES256").public_part(), "", "")));
}
TEST_F(Dpop, RsaAndPssProofsAccepted) {
  EXPECT_TRUE(validate(proof(header("RS256", "dpop+jwt", jwk_json("RS256")), claims(), "RS256", "RS256")));
  EXPECT_TRUE(validate(proof(header("PS256", "dpop+jwt", jwk_json("RS256")), claims(), "RS256", "PS256")));
}
TEST_F(Dpop, EdDsaOnlyWhenAllowed) {
  std::string p = proof(header("EdDSA", "dpop+jwt", jwk_json("EdDSA")), claims(), "EdDSA", "EdDSA");
  EXPECT_ERRC(validate(p), errc::alg_not_allowed);
  opts.allowed.insert(alg::EdDSA);
  EXPECT_TRUE(validate(p));
}
TEST_F(Dpop, NonceAbsentIsReturnedEmpty) {
  auto p = validate(proof(header(), claims()));
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->nonce);
  EXPECT_ERRC(validate(proof(header(), claims(R"(,"nonce":5)"))), errc::dpop_nonce_invalid);
}
TEST_F(Dpop, OversizedProof) {
  EXPECT_ERRC(validate(proof(header(), claims(",\"pad\":\"" + std::string(17000, 'x') + "\""))), errc::too_large);
}
TEST_F(Dpop, NotACompactJws) {
  EXPECT_ERRC(validate("abc.def"), errc::malformed);
  EXPECT_ERRC(validate(proof(header(), claims()) + ".x.y"), errc::malformed);
}
TEST_F(Dpop, WrongTyp) {
  EXPECT_ERRC(validate(proof(header("ES256", "JWT"), claims())), errc::dpop_typ);
  EXPECT_ERRC(validate(proof(R"({"alg":"ES256","jwk":)" + jwk_json("ES256") + "}", claims())), errc::dpop_typ);
  EXPECT_TRUE(validate(proof(header("ES256", "DPoP+JWT"), claims())));
}
TEST_F(Dpop, Hs256ProofRefused) {
  EXPECT_ERRC(validate(raw_token(R"({"typ":"dpop+jwt","alg":"HS256","jwk":{"kty":"oct","k":"AAAA"}})", claims())),
              errc::alg_not_allowed);
  EXPECT_ERRC(validate(raw_token(R"({"typ":"dpop+jwt","alg":"none","jwk":{}})", claims(), "")),
              errc::alg_not_allowed);
}
TEST_F(Dpop, TypCheckedBeforeAlg) {
  EXPECT_ERRC(validate(raw_token(R"({"typ":"jwt","alg":"HS256"})", claims())), errc::dpop_typ);
}
TEST_F(Dpop, JwkMissing) {
  EXPECT_ERRC(validate(proof(R"({"typ":"dpop+jwt","alg":"ES256"})", claims())), errc::dpop_jwk_missing);
  EXPECT_ERRC(validate(proof(R"({"typ":"dpop+jwt","alg":"ES256","jwk":"x"})", claims())), errc::dpop_jwk_missing);
}
TEST_F(Dpop, PrivateJwkRefused) {
  std::string jwk = jwk_json("ES256");
  jwk.insert(jwk.size() - 1, R"(,"d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI")");
  EXPECT_ERRC(validate(proof(header("ES256", "dpop+jwt", jwk), claims())), errc::dpop_jwk_private);
}
TEST_F(Dpop, JwkOfUnsupportedTypeOrWrongCurve) {
  EXPECT_ERRC(validate(proof(header("ES256", "dpop+jwt", R"({"kty":"XYZ"})"), claims())), errc::jwk_unsupported_kty);
  // ES256 with a P-384 key in the header.
  EXPECT_ERRC(validate(proof(header("ES256", "dpop+jwt", jwk_json("ES384")), claims())), errc::alg_key_mismatch);
}
TEST_F(Dpop, SignatureByOtherKey) {
  EXPECT_ERRC(validate(proof(header(), claims(), "ES256b")), errc::signature_invalid);
}
TEST_F(Dpop, JtiChecks) {
  EXPECT_ERRC(validate(proof(header(), R"({"htm":"POST","htu":"https://as.example/token","iat":1700000000})")),
              errc::dpop_jti_missing);
  EXPECT_ERRC(validate(proof(header(), R"({"jti":"","htm":"POST","htu":"https://as.example/token","iat":1700000000})")),
              errc::dpop_jti_missing);
  EXPECT_ERRC(validate(proof(header(), R"({"jti":5,"htm":"POST","htu":"https://as.example/token","iat":1700000000})")),
              errc::dpop_jti_missing);
  EXPECT_ERRC(validate(proof(header(), R"({"jti":")" + std::string(257, 'a') +
                                           R"(","htm":"POST","htu":"https://as.example/token","iat":1700000000})")),
              errc::dpop_jti_too_long);
}
TEST_F(Dpop, HtmChecks) {
  opts.htm = "post";
  EXPECT_TRUE(validate(proof(header(), claims())));
  opts.htm = "GET";
  EXPECT_ERRC(validate(proof(header(), claims())), errc::dpop_htm_mismatch);
  EXPECT_ERRC(validate(proof(header(), R"({"jti":"j","htu":"https://as.example/token","iat":1700000000})")),
              errc::dpop_htm_missing);
}
TEST_F(Dpop, HtuDifferentQueryAndFragmentAccepted) {
  EXPECT_TRUE(validate(proof(header(), claims("", "https://as.example/token?x=1#frag"))));
  opts.htu = "https://as.example/token?y=2";
  EXPECT_TRUE(validate(proof(header(), claims())));
}
TEST_F(Dpop, HtuCaseInsensitiveSchemeAndHostAccepted) {
  EXPECT_TRUE(validate(proof(header(), claims("", "HTTPS://AS.Example/token"))));
}
TEST_F(Dpop, HtuDefaultPortNormalized) {
  EXPECT_TRUE(validate(proof(header(), claims("", "https://as.example:443/token"))));
  EXPECT_ERRC(validate(proof(header(), claims("", "https://as.example:8443/token"))), errc::dpop_htu_mismatch);
  opts.htu = "http://as.example/token";
  EXPECT_TRUE(validate(proof(header(), claims("", "http://as.example:80/token"))));
}
TEST_F(Dpop, HtuDifferentPathRefused) {
  EXPECT_ERRC(validate(proof(header(), claims("", "https://as.example/Token"))), errc::dpop_htu_mismatch);
  EXPECT_ERRC(validate(proof(header(), claims("", "https://as.example/token/"))), errc::dpop_htu_mismatch);
  EXPECT_ERRC(validate(proof(header(), claims("", "https://as.example/"))), errc::dpop_htu_mismatch);
}
TEST_F(Dpop, HtuDifferentSchemeOrHostRefused) {
  EXPECT_ERRC(validate(proof(header(), claims("", "http://as.example/token"))), errc::dpop_htu_mismatch);
  EXPECT_ERRC(validate(proof(header(), claims("", "https://evil.example/token"))), errc::dpop_htu_mismatch);
}
TEST_F(Dpop, HtuUnparsableOrMissing) {
  EXPECT_ERRC(validate(proof(header(), claims("", "/token"))), errc::dpop_htu_invalid);
  EXPECT_ERRC(validate(proof(header(), claims("", "https://as example/token"))), errc::dpop_htu_invalid);
  EXPECT_ERRC(validate(proof(header(), R"({"jti":"j","htm":"POST","iat":1700000000})")), errc::dpop_htu_missing);
  opts.htu = "not a uri";
  EXPECT_ERRC(validate(proof(header(), claims())), errc::dpop_htu_invalid);
}
TEST_F(Dpop, IatWindow) {
  EXPECT_TRUE(validate(proof(header(), claims("", "https://as.example/token", now - 60))));
  EXPECT_TRUE(validate(proof(header(), claims("", "https://as.example/token", now + 60))));
  EXPECT_ERRC(validate(proof(header(), claims("", "https://as.example/token", now - 61))), errc::dpop_iat_out_of_window);
  EXPECT_ERRC(validate(proof(header(), claims("", "https://as.example/token", now + 61))), errc::dpop_iat_out_of_window);
  EXPECT_ERRC(validate(proof(header(), R"({"jti":"j","htm":"POST","htu":"https://as.example/token"})")),
              errc::dpop_iat_missing);
  EXPECT_ERRC(validate(proof(header(), R"({"jti":"j","htm":"POST","htu":"https://as.example/token","iat":"x"})")),
              errc::dpop_iat_missing);
}
TEST_F(Dpop, AccessTokenHash) {
  std::string ath = jose::dpop_ath("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU");
  EXPECT_EQ(ath, "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo");  // RFC 9449 §4.2 example
  opts.expected_ath = ath;
  EXPECT_TRUE(validate(proof(header(), claims(",\"ath\":\"" + ath + "\""))));
  EXPECT_ERRC(validate(proof(header(), claims())), errc::dpop_ath_missing);
  EXPECT_ERRC(validate(proof(header(), claims(R"(,"ath":"fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEp")"))),
              errc::dpop_ath_mismatch);
}
