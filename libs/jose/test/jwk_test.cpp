#include "helpers.hpp"

using namespace test;
using jose::errc;

namespace {
constexpr std::string_view rfc7638_n =
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
constexpr std::string_view a3_x = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
constexpr std::string_view a3_y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";

std::string ec(std::string_view extra = "") {
  return std::string(R"({"kty":"EC","crv":"P-256","x":")") + std::string(a3_x) + R"(","y":")" +
         std::string(a3_y) + "\"" + std::string(extra) + "}";
}
std::string rsa(std::string_view n, std::string_view e = "AQAB") {
  return std::string(R"({"kty":"RSA","n":")") + std::string(n) + R"(","e":")" + std::string(e) + "\"}";
}
}  // namespace

TEST(JwkThumbprint, Rfc7638Section3_1) {
  auto k = jose::parse_jwk(std::string(R"({"kty":"RSA","n":")") + std::string(rfc7638_n) +
                           R"(","e":"AQAB","alg":"RS256","kid":"2011-04-29"})");
  ASSERT_TRUE(k) << k.error().message();
  EXPECT_EQ(jose::thumbprint(*k), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
  EXPECT_EQ(k->kid, "2011-04-29");
  EXPECT_EQ(k->alg, "RS256");
}

TEST(JwkThumbprint, Rfc8037A3Ed25519) {
  auto k = jose::parse_jwk(R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})");
  ASSERT_TRUE(k);
  EXPECT_EQ(jose::thumbprint(*k), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
}

TEST(JwkThumbprint, FromKeyMatchesParsed) {
  for (const char* alg : {"ES256", "ES384", "ES512", "RS256", "EdDSA"}) {
    SCOPED_TRACE(alg);
    auto j = jose::jwk_from_key(key_for(alg).public_part(), "k1", alg);
    auto round = jose::parse_jwk(json::serialize(jose::to_json(j)));
    ASSERT_TRUE(round) << round.error().message();
    EXPECT_EQ(jose::thumbprint(*round), jose::thumbprint(j));
    EXPECT_EQ(round->kid, "k1");
    EXPECT_EQ(round->use, "sig");
  }
}

TEST(JwkToJson, KtyFirstPublicOnly) {
  auto j = jose::jwk_from_key(key_for("ES256").public_part(), "a", "ES256");
  auto o = jose::to_json(j);
  EXPECT_EQ(o.begin()->key(), "kty");
  EXPECT_EQ(o.size(), 7u);  // kty crv x y kid alg use
  EXPECT_FALSE(o.contains("d"));
}

TEST(JwkParse, EcRfc7515A3) {
  auto k = jose::parse_jwk(ec());
  ASSERT_TRUE(k);
  EXPECT_EQ(k->kty, "EC");
  EXPECT_EQ(k->key.type(), crypto::key_type::ec_p256);
}

TEST(JwkParse, NotJson) {
  EXPECT_ERRC(jose::parse_jwk("{"), errc::jwk_not_json);
  EXPECT_ERRC(jose::parse_jwk("[]"), errc::jwk_not_json);
}
TEST(JwkParse, TooLarge) {
  EXPECT_ERRC(jose::parse_jwk(std::string(70000, ' ')), errc::too_large);
}
TEST(JwkParse, MissingKty) {
  EXPECT_ERRC(jose::parse_jwk(R"({"crv":"P-256"})"), errc::jwk_missing_kty);
  EXPECT_ERRC(jose::parse_jwk(R"({"kty":1})"), errc::jwk_missing_kty);
}
TEST(JwkParse, UnsupportedKty) {
  EXPECT_ERRC(jose::parse_jwk(R"({"kty":"XYZ"})"), errc::jwk_unsupported_kty);
}
TEST(JwkParse, EcMissingMembers) {
  EXPECT_ERRC(jose::parse_jwk(R"({"kty":"EC","x":"a","y":"b"})"), errc::jwk_missing_crv);
  EXPECT_ERRC(jose::parse_jwk(std::string(R"({"kty":"EC","crv":"P-256","y":")") + std::string(a3_y) + "\"}"),
              errc::jwk_missing_x);
  EXPECT_ERRC(jose::parse_jwk(std::string(R"({"kty":"EC","crv":"P-256","x":")") + std::string(a3_x) + "\"}"),
              errc::jwk_missing_y);
}
TEST(JwkParse, EcUnsupportedCurve) {
  EXPECT_ERRC(jose::parse_jwk(R"({"kty":"EC","crv":"secp256k1","x":"a","y":"b"})"), errc::jwk_unsupported_crv);
  EXPECT_ERRC(jose::parse_jwk(R"({"kty":"OKP","crv":"X25519","x":"a"})"), errc::jwk_unsupported_crv);
  EXPECT_ERRC(jose::parse_jwk(R"({"kty":"OKP","crv":"Ed448","x":"a"})"), errc::jwk_unsupported_crv);
}
TEST(JwkParse, EcBadCoordinates) {
  EXPECT_ERRC(jose::parse_jwk(std::string(R"({"kty":"EC","crv":"P-256","x":"!!","y":")") + std::string(a3_y) + "\"}"),
              errc::jwk_bad_x);
  EXPECT_ERRC(jose::parse_jwk(std::string(R"({"kty":"EC","crv":"P-256","x":5,"y":")") + std::string(a3_y) + "\"}"),
              errc::jwk_bad_x);
  EXPECT_ERRC(jose::parse_jwk(std::string(R"({"kty":"EC","crv":"P-256","x":")") + std::string(a3_x) + R"(","y":"AAAA"})"),
              errc::jwk_bad_y);
  // Valid sizes, but (x, x) is not on the curve.
  EXPECT_ERRC(jose::parse_jwk(std::string(R"({"kty":"EC","crv":"P-256","x":")") + std::string(a3_x) + R"(","y":")" +
                              std::string(a3_x) + "\"}"),
              errc::jwk_bad_point);
  // P-256 coordinates claimed as P-384.
  EXPECT_ERRC(jose::parse_jwk(std::string(R"({"kty":"EC","crv":"P-384","x":")") + std::string(a3_x) + R"(","y":")" +
                              std::string(a3_y) + "\"}"),
              errc::jwk_bad_x);
}
TEST(JwkParse, RsaMissingMembers) {
  EXPECT_ERRC(jose::parse_jwk(R"({"kty":"RSA","e":"AQAB"})"), errc::jwk_missing_n);
  EXPECT_ERRC(jose::parse_jwk(std::string(R"({"kty":"RSA","n":")") + std::string(rfc7638_n) + "\"}"),
              errc::jwk_missing_e);
}
TEST(JwkParse, RsaBadMembers) {
  EXPECT_ERRC(jose::parse_jwk(rsa("a+b")), errc::jwk_bad_n);
  EXPECT_ERRC(jose::parse_jwk(rsa(rfc7638_n, "AQA=")), errc::jwk_bad_e);
  EXPECT_ERRC(jose::parse_jwk(rsa(rfc7638_n, "AQ")), errc::jwk_bad_e);       // e = 1
  EXPECT_ERRC(jose::parse_jwk(rsa(rfc7638_n, "AQAA")), errc::jwk_bad_e);     // even
  EXPECT_ERRC(jose::parse_jwk(rsa(rfc7638_n, "AQAAAAAB")), errc::jwk_bad_e); // > 32 bits
}
TEST(JwkParse, Rsa1024TooSmall) {
  std::string n(128, '\xc5');
  EXPECT_ERRC(jose::parse_jwk(rsa(b64(n))), errc::rsa_key_too_small);
}
TEST(JwkParse, PrivateMembersRefused) {
  for (const char* m : {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}) {
    SCOPED_TRACE(m);
    EXPECT_ERRC(jose::parse_jwk(ec(std::string(",\"") + m + "\":\"AAAA\"")), errc::jwk_private_material);
  }
  EXPECT_ERRC(jose::parse_jwk(R"({"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ"})"),
              errc::jwk_private_material);
}
TEST(JwkParse, BadOptionalMembers) {
  EXPECT_ERRC(jose::parse_jwk(ec(R"(,"kid":1)")), errc::jwk_bad_member);
  EXPECT_ERRC(jose::parse_jwk(ec(R"(,"use":[])")), errc::jwk_bad_member);
  EXPECT_ERRC(jose::parse_jwk(ec(R"(,"alg":"RS256")")), errc::alg_key_mismatch);
  EXPECT_ERRC(jose::parse_jwk(ec(R"(,"alg":"ES384")")), errc::alg_key_mismatch);
}
TEST(JwkParse, OkpBadX) {
  EXPECT_ERRC(jose::parse_jwk(R"({"kty":"OKP","crv":"Ed25519"})"), errc::jwk_missing_x);
  EXPECT_ERRC(jose::parse_jwk(R"({"kty":"OKP","crv":"Ed25519","x":"AAAA"})"), errc::jwk_bad_x);
}

TEST(Jwks, ParseFindSerialize) {
  jose::jwks set;
  set.keys.push_back(jose::jwk_from_key(key_for("ES256").public_part(), "e1", "ES256"));
  set.keys.push_back(jose::jwk_from_key(key_for("RS256").public_part(), "r1", "RS256"));
  std::string text = jose::serialize_jwks(set);
  EXPECT_EQ(text.rfind(R"({"keys":[{"kty":"EC")", 0), 0u);
  auto back = jose::parse_jwks(text);
  ASSERT_TRUE(back);
  ASSERT_EQ(back->keys.size(), 2u);
  ASSERT_NE(back->find("r1"), nullptr);
  EXPECT_EQ(back->find("r1")->kty, "RSA");
  EXPECT_EQ(back->find("zz"), nullptr);
  EXPECT_EQ(jose::serialize_jwks(*back), text);
}
TEST(Jwks, SkipsUnsupportedAndEncKeys) {
  auto s = jose::parse_jwks(std::string(R"({"keys":[{"kty":"EC","crv":"secp256k1","x":"a","y":"b"},)") +
                            R"({"kty":"XYZ"},)" + ec(R"(,"use":"enc")") + "," + ec(R"(,"kid":"ok")") + "]}");
  ASSERT_TRUE(s) << s.error().message();
  ASSERT_EQ(s->keys.size(), 1u);
  EXPECT_EQ(s->keys[0].kid, "ok");
}
TEST(Jwks, Errors) {
  EXPECT_ERRC(jose::parse_jwks("nope"), errc::jwks_not_json);
  EXPECT_ERRC(jose::parse_jwks("[]"), errc::jwks_not_json);
  EXPECT_ERRC(jose::parse_jwks("{}"), errc::jwks_missing_keys);
  EXPECT_ERRC(jose::parse_jwks(R"({"keys":{}})"), errc::jwks_missing_keys);
  EXPECT_ERRC(jose::parse_jwks(R"({"keys":[1]})"), errc::jwk_not_json);
  EXPECT_ERRC(jose::parse_jwks(R"({"keys":[{"kty":"EC","crv":"P-256"}]})"), errc::jwk_missing_x);
  EXPECT_ERRC(jose::parse_jwks(std::string(70 * 1024, ' ')), errc::too_large);
  std::string many = R"({"keys":[)";
  for (int i = 0; i < 101; ++i) many += (i ? "," : "") + ec();
  many += "]}";
  EXPECT_ERRC(jose::parse_jwks(many), errc::too_large);
}
TEST(Jwks, EmptySetIsValid) {
  auto s = jose::parse_jwks(R"({"keys":[]})");
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->keys.empty());
}
TEST(JoseError, Category) {
  boost::system::error_code e = errc::signature_invalid;
  EXPECT_STREQ(e.category().name(), "authplane.jose");
  EXPECT_FALSE(e.message().empty());
  EXPECT_NE(e.message(), "unknown authplane.jose error");
}
