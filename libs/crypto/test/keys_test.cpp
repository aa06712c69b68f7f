#include "authplane/crypto/crypto.hpp"

#include <authplane/core/base64url.hpp>

#include <gtest/gtest.h>
#include <openssl/err.h>

#include <thread>
#include <vector>

using namespace authplane;
using crypto::errc;
using crypto::key_type;

namespace {
std::string b64u(std::string_view s) { return *base64url_decode(s); }

// RFC 8037 Appendix A.1: the Ed25519 private key, as unencrypted PKCS#8 PEM (RFC 8410 §7).
std::string rfc8037_pem() {
  std::string der("\x30\x2e\x02\x01\x00\x30\x05\x06\x03\x2b\x65\x70\x04\x22\x04\x20", 16);
  der += b64u("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A");
  return "-----BEGIN PRIVATE KEY-----\n" + base64_encode(der) + "\n-----END PRIVATE KEY-----\n";
}

const char* const all_algs[] = {"ES256", "ES384", "ES512", "RS256", "RS384",
                                "RS512", "PS256", "PS384", "PS512", "EdDSA"};
}  // namespace

TEST(Keys, GenerateSignVerifyEveryAlg) {
  for (const char* alg : all_algs) {
    SCOPED_TRACE(alg);
    auto k = crypto::private_key::generate(alg);
    ASSERT_TRUE(k);
    EXPECT_TRUE(crypto::alg_fits(alg, k->type()));
    auto sig = k->sign(alg, "hello");
    ASSERT_TRUE(sig);
    EXPECT_TRUE(k->public_part().verify(alg, "hello", *sig));
    EXPECT_EQ(k->public_part().verify(alg, "hellO", *sig).error(), errc::signature_invalid);
  }
}

TEST(Keys, EcdsaSignatureIsRawFixedWidth) {
  for (auto [alg, len] : {std::pair{"ES256", 64u}, {"ES384", 96u}, {"ES512", 132u}}) {
    auto k = crypto::private_key::generate(alg);
    ASSERT_TRUE(k);
    for (int i = 0; i < 20; ++i) EXPECT_EQ(k->sign(alg, "x")->size(), len);
  }
}

TEST(Keys, KeyTypesAndBits) {
  EXPECT_EQ(crypto::private_key::generate("ES256")->type(), key_type::ec_p256);
  EXPECT_EQ(crypto::private_key::generate("ES384")->type(), key_type::ec_p384);
  EXPECT_EQ(crypto::private_key::generate("ES512")->bits(), 521);
  EXPECT_EQ(crypto::private_key::generate("EdDSA")->type(), key_type::ed25519);
  auto rsa = crypto::private_key::generate("PS256");
  EXPECT_EQ(rsa->type(), key_type::rsa);
  EXPECT_EQ(rsa->bits(), 2048);
  EXPECT_EQ(rsa->public_part().rsa_n().size(), 256u);
  EXPECT_EQ(rsa->public_part().rsa_e(), std::string("\x01\x00\x01", 3));
}

TEST(Keys, GenerateUnknownAlg) {
  EXPECT_EQ(crypto::private_key::generate("HS256").error(), errc::unsupported_alg);
  EXPECT_EQ(crypto::private_key::generate("none").error(), errc::unsupported_alg);
  EXPECT_EQ(crypto::private_key::generate("es256").error(), errc::unsupported_alg);
}

TEST(Keys, PemRoundTrip) {
  for (const char* alg : {"ES256", "RS256", "EdDSA", "ES512"}) {
    SCOPED_TRACE(alg);
    auto k = crypto::private_key::generate(alg);
    std::string pem = k->to_pem();
    EXPECT_NE(pem.find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
    auto k2 = crypto::private_key::from_pem(pem);
    ASSERT_TRUE(k2);
    EXPECT_EQ(k2->type(), k->type());
    auto sig = k2->sign(alg, "data");
    EXPECT_TRUE(k->public_part().verify(alg, "data", *sig));
    auto pub = crypto::public_key::from_pem(k->public_part().to_pem());
    ASSERT_TRUE(pub);
    EXPECT_TRUE(pub->verify(alg, "data", *sig));
  }
}

TEST(Keys, PublicPartCarriesNoPrivateMaterial) {
  auto k = crypto::private_key::generate("ES256");
  std::string pem = k->public_part().to_pem();
  EXPECT_NE(pem.find("BEGIN PUBLIC KEY"), std::string::npos);
  EXPECT_EQ(crypto::private_key::from_pem(pem).error(), errc::bad_pem);
}

TEST(Keys, BadPem) {
  EXPECT_EQ(crypto::private_key::from_pem("").error(), errc::bad_pem);
  EXPECT_EQ(crypto::private_key::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").error(),
            errc::bad_pem);
  EXPECT_EQ(crypto::public_key::from_pem("garbage").error(), errc::bad_pem);
  EXPECT_EQ(crypto::private_key::from_pem(std::string(70000, 'A')).error(), errc::bad_pem);
}

TEST(Keys, AlgKeyMismatch) {
  auto ec = crypto::private_key::generate("ES256");
  EXPECT_EQ(ec->sign("ES384", "x").error(), errc::alg_key_mismatch);
  EXPECT_EQ(ec->sign("RS256", "x").error(), errc::alg_key_mismatch);
  EXPECT_EQ(ec->sign("HS256", "x").error(), errc::unsupported_alg);
  auto sig = ec->sign("ES256", "x");
  EXPECT_EQ(ec->public_part().verify("ES384", "x", *sig).error(), errc::alg_key_mismatch);
  EXPECT_EQ(ec->public_part().verify("EdDSA", "x", *sig).error(), errc::alg_key_mismatch);
}

TEST(Keys, WrongSignatureLength) {
  auto ec = crypto::private_key::generate("ES256");
  auto sig = *ec->sign("ES256", "x");
  EXPECT_EQ(ec->public_part().verify("ES256", "x", sig.substr(1)).error(), errc::bad_signature_length);
  EXPECT_EQ(ec->public_part().verify("ES256", "x", sig + "A").error(), errc::bad_signature_length);
  EXPECT_EQ(ec->public_part().verify("ES256", "x", "").error(), errc::bad_signature_length);
  auto ed = crypto::private_key::generate("EdDSA");
  EXPECT_EQ(ed->public_part().verify("EdDSA", "x", std::string(63, 'a')).error(),
            errc::bad_signature_length);
}

TEST(Keys, EmptyPublicKey) {
  crypto::public_key k;
  EXPECT_FALSE(k);
  EXPECT_EQ(k.type(), key_type::none);
  EXPECT_EQ(k.verify("ES256", "x", "y").error(), errc::empty_key);
}

TEST(Keys, Ed25519Rfc8037A4Signature) {
  auto k = crypto::private_key::from_pem(rfc8037_pem());
  ASSERT_TRUE(k);
  EXPECT_EQ(k->public_part().okp_x(), b64u("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"));
  const std::string input = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
  auto sig = k->sign("EdDSA", input);
  ASSERT_TRUE(sig);
  EXPECT_EQ(base64url_encode(*sig),
            "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg");
  auto pub = crypto::public_key::from_ed25519(b64u("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"));
  ASSERT_TRUE(pub);
  EXPECT_TRUE(pub->verify("EdDSA", input, *sig));
}

TEST(Keys, FromEcRfc7515A3) {
  auto pub = crypto::public_key::from_ec(key_type::ec_p256,
                                         b64u("f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"),
                                         b64u("x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"));
  ASSERT_TRUE(pub);
  EXPECT_TRUE(pub->verify(
      "ES256",
      "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ",
      b64u("DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q")));
}

TEST(Keys, FromEcRejectsPointOffCurveAndBadLengths) {
  std::string x = b64u("f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU");
  std::string y = b64u("x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0");
  std::string y2 = y;
  y2[31] ^= 1;
  EXPECT_EQ(crypto::public_key::from_ec(key_type::ec_p256, x, y2).error(), errc::bad_key_encoding);
  EXPECT_EQ(crypto::public_key::from_ec(key_type::ec_p256, x.substr(1), y).error(),
            errc::bad_key_encoding);
  EXPECT_EQ(crypto::public_key::from_ec(key_type::ec_p384, x, y).error(), errc::bad_key_encoding);
  EXPECT_EQ(crypto::public_key::from_ec(key_type::rsa, x, y).error(), errc::unsupported_key);
}

TEST(Keys, FromRsaChecks) {
  auto k = crypto::private_key::generate("RS256");
  const auto& pub = k->public_part();
  auto again = crypto::public_key::from_rsa(pub.rsa_n(), pub.rsa_e());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->bits(), 2048);
  EXPECT_EQ(crypto::public_key::from_rsa(pub.rsa_n().substr(128), pub.rsa_e()).error(),
            errc::key_too_small);
  EXPECT_EQ(crypto::public_key::from_rsa(pub.rsa_n(), std::string("\x01\x00\x00", 3)).error(),
            errc::bad_key_encoding);  // even exponent
  EXPECT_EQ(crypto::public_key::from_rsa(pub.rsa_n(), std::string("\x01", 1)).error(),
            errc::bad_key_encoding);  // e = 1
  EXPECT_EQ(crypto::public_key::from_rsa(pub.rsa_n(), "").error(), errc::bad_key_encoding);
}

TEST(Keys, ConcurrentSigningOnOneKey) {
  auto k = crypto::private_key::generate("ES256");
  std::vector<std::thread> ts;
  std::atomic<int> bad{0};
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        auto s = k->sign("ES256", "msg");
        if (!s || !k->public_part().verify("ES256", "msg", *s)) ++bad;
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(bad.load(), 0);
}

TEST(Keys, ErrorCategory) {
  boost::system::error_code ec = errc::signature_invalid;
  EXPECT_STREQ(ec.category().name(), "authplane.crypto");
  EXPECT_EQ(ec.message(), "signature is invalid");
}

TEST(Keys, FailurePathsLeaveNoOpenSslErrors) {
  // Style rule 11: every failure path clears OpenSSL's thread-local error queue.
  EXPECT_EQ(crypto::private_key::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").error(),
            errc::bad_pem);
  EXPECT_EQ(ERR_peek_error(), 0ul);
  auto k = crypto::private_key::generate("ES256");
  EXPECT_EQ(k->public_part().verify("ES256", "x", std::string(64, '\x01')).error(), errc::signature_invalid);
  EXPECT_EQ(ERR_peek_error(), 0ul);
  std::string x(32, '\x07');
  EXPECT_EQ(crypto::public_key::from_ec(key_type::ec_p256, x, x).error(), errc::bad_key_encoding);
  EXPECT_EQ(ERR_peek_error(), 0ul);
}
