#include "helpers.hpp"

using namespace test;
using jose::alg;
using jose::errc;

namespace {
constexpr std::int64_t now = 1'700'000'000;

struct JwtVerify : ::testing::Test {
  jose::jwks keys;
  jose::jwt_check check{.issuer = "https://as.example", .audience = "https://rs.example", .now = now};
  JwtVerify() {
    keys.keys.push_back(jose::jwk_from_key(key_for("ES256").public_part(), "ec1", "ES256"));
    keys.keys.push_back(jose::jwk_from_key(key_for("RS256").public_part(), "rsa1", ""));
  }
  std::string claims(std::string_view extra = "") const {
    return R"({"iss":"https://as.example","aud":"https://rs.example","sub":"u","exp":)" +
           std::to_string(now + 300) + R"(,"iat":)" + std::to_string(now) + std::string(extra) + "}";
  }
  std::string token(std::string_view payload, std::string_view header = R"({"alg":"ES256","typ":"at+jwt","kid":"ec1"})",
                    std::string_view key = "ES256", std::string_view a = "ES256") const {
    return sign_raw(header, payload, key_for(std::string(key)), a);
  }
  auto verify(const std::string& t) const { return jose::verify_jwt(t, keys, {alg::ES256, alg::RS256}, check); }
};
}  // namespace

TEST_F(JwtVerify, GoodToken) {
  auto c = verify(token(claims()));
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->at("sub").as_string(), "u");
}
TEST_F(JwtVerify, GoodTokenMadeBySignCompact) {
  auto t = jose::sign_compact(obj(R"({"typ":"at+jwt","kid":"ec1"})"), obj(claims()), key_for("ES256"), alg::ES256);
  EXPECT_TRUE(verify(*t));
}
TEST_F(JwtVerify, ApplicationTypAcceptedCaseInsensitive) {
  EXPECT_TRUE(verify(token(claims(), R"({"alg":"ES256","typ":"application/AT+JWT","kid":"ec1"})")));
}
TEST_F(JwtVerify, WrongTyp) {
  EXPECT_ERRC(verify(token(claims(), R"({"alg":"ES256","typ":"JWT","kid":"ec1"})")), errc::typ_mismatch);
  EXPECT_ERRC(verify(token(claims(), R"({"alg":"ES256","kid":"ec1"})")), errc::typ_mismatch);
  EXPECT_ERRC(verify(token(claims(), R"({"alg":"ES256","typ":"application/jwt+at","kid":"ec1"})")),
              errc::typ_mismatch);
}
TEST_F(JwtVerify, TypCheckDisabled) {
  check.typ = "";
  EXPECT_TRUE(verify(token(claims(), R"({"alg":"ES256","kid":"ec1"})")));
}
TEST_F(JwtVerify, Expired) {
  EXPECT_ERRC(verify(token(R"({"iss":"https://as.example","aud":"https://rs.example","exp":)" +
                           std::to_string(now - 31) + "}")),
              errc::token_expired);
  // Within leeway.
  EXPECT_TRUE(verify(token(R"({"iss":"https://as.example","aud":"https://rs.example","exp":)" +
                           std::to_string(now - 29) + "}")));
}
TEST_F(JwtVerify, MissingExp) {
  EXPECT_ERRC(verify(token(R"({"iss":"https://as.example","aud":"https://rs.example"})")), errc::claim_missing_exp);
}
TEST_F(JwtVerify, ExpWrongType) {
  EXPECT_ERRC(verify(token(R"({"iss":"https://as.example","exp":"soon"})")), errc::claim_bad_type);
}
TEST_F(JwtVerify, HugeExpDoesNotOverflow) {
  EXPECT_TRUE(verify(token(R"({"iss":"https://as.example","aud":"https://rs.example","exp":9223372036854775807})")));
  EXPECT_ERRC(verify(token(R"({"iss":"https://as.example","aud":"https://rs.example","exp":18446744073709551615})")),
              errc::claim_bad_type);
  EXPECT_ERRC(verify(token(R"({"iss":"https://as.example","aud":"https://rs.example","exp":-9223372036854775808})")),
              errc::token_expired);
}
TEST_F(JwtVerify, NbfInFuture) {
  EXPECT_ERRC(verify(token(claims(R"(,"nbf":)" + std::to_string(now + 100)))), errc::token_not_yet_valid);
  EXPECT_TRUE(verify(token(claims(R"(,"nbf":)" + std::to_string(now + 20)))));
}
TEST_F(JwtVerify, IatInFuture) {
  EXPECT_ERRC(verify(token(R"({"iss":"https://as.example","aud":"https://rs.example","exp":)" +
                           std::to_string(now + 300) + R"(,"iat":)" + std::to_string(now + 31) + "}")),
              errc::token_issued_in_future);
}
TEST_F(JwtVerify, WrongIssuer) {
  EXPECT_ERRC(verify(token(R"({"iss":"https://evil.example","aud":"https://rs.example","exp":)" +
                           std::to_string(now + 300) + "}")),
              errc::issuer_mismatch);
  EXPECT_ERRC(verify(token(R"({"aud":"https://rs.example","exp":)" + std::to_string(now + 300) + "}")),
              errc::claim_missing_iss);
  EXPECT_ERRC(verify(token(R"({"iss":1,"exp":)" + std::to_string(now + 300) + "}")), errc::claim_bad_type);
}
TEST_F(JwtVerify, WrongAudienceString) {
  EXPECT_ERRC(verify(token(R"({"iss":"https://as.example","aud":"https://other.example","exp":)" +
                           std::to_string(now + 300) + "}")),
              errc::audience_mismatch);
}
TEST_F(JwtVerify, AudienceArray) {
  std::string exp = std::to_string(now + 300);
  EXPECT_TRUE(verify(token(R"({"iss":"https://as.example","aud":["a","https://rs.example"],"exp":)" + exp + "}")));
  EXPECT_ERRC(verify(token(R"({"iss":"https://as.example","aud":["a","b"],"exp":)" + exp + "}")),
              errc::audience_mismatch);
  EXPECT_ERRC(verify(token(R"({"iss":"https://as.example","aud":[],"exp":)" + exp + "}")), errc::audience_mismatch);
  EXPECT_ERRC(verify(token(R"({"iss":"https://as.example","aud":[1],"exp":)" + exp + "}")), errc::claim_bad_type);
  EXPECT_ERRC(verify(token(R"({"iss":"https://as.example","exp":)" + exp + "}")), errc::claim_missing_aud);
}
TEST_F(JwtVerify, AudienceNotRequired) {
  check.audience.reset();
  EXPECT_TRUE(verify(token(R"({"iss":"https://as.example","exp":)" + std::to_string(now + 300) + "}")));
}
TEST_F(JwtVerify, UnknownKid) {
  EXPECT_ERRC(verify(token(claims(), R"({"alg":"ES256","typ":"at+jwt","kid":"nope"})")), errc::no_matching_key);
}
TEST_F(JwtVerify, NoKidTriesFittingKeys) {
  EXPECT_TRUE(verify(token(claims(), R"({"alg":"RS256","typ":"at+jwt"})", "RS256", "RS256")));
  EXPECT_TRUE(verify(token(claims(), R"({"alg":"ES256","typ":"at+jwt"})")));
  // Signed by a key not in the set: the fitting key is tried and fails.
  EXPECT_ERRC(verify(token(claims(), R"({"alg":"ES256","typ":"at+jwt"})", "ES256b", "ES256")), errc::signature_invalid);
}
TEST_F(JwtVerify, NoKidNoFittingKey) {
  keys.keys.erase(keys.keys.begin());
  EXPECT_ERRC(verify(token(claims(), R"({"alg":"ES256","typ":"at+jwt"})")), errc::no_matching_key);
}
TEST_F(JwtVerify, KidPointsAtKeyOfWrongType) {
  EXPECT_ERRC(verify(token(claims(), R"({"alg":"ES256","typ":"at+jwt","kid":"rsa1"})")), errc::alg_key_mismatch);
}
TEST_F(JwtVerify, AlgOutsideAllowList) {
  EXPECT_ERRC(jose::verify_jwt(token(claims()), keys, {alg::RS256}, check), errc::alg_not_allowed);
}
TEST_F(JwtVerify, BadSignature) {
  std::string t = token(claims());
  t[t.size() - 5] = t[t.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_ERRC(verify(t), errc::signature_invalid);
}
TEST(NumericDate, Forms) {
  auto c = obj(R"({"a":1.9,"b":-1.5,"c":null,"d":true})");
  EXPECT_EQ(**jose::numeric_date(c, "a"), 1);
  EXPECT_EQ(**jose::numeric_date(c, "b"), -2);
  EXPECT_FALSE(*jose::numeric_date(c, "zz"));
  EXPECT_ERRC(jose::numeric_date(c, "c"), errc::claim_bad_type);
  EXPECT_ERRC(jose::numeric_date(c, "d"), errc::claim_bad_type);
}
