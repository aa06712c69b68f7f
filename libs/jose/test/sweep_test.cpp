// Bit-flip and truncation sweeps (style rule 16): every single-bit change and every
// truncation of a valid signature must be refused with an exact, predictable error.
#include "helpers.hpp"

using namespace test;
using jose::alg;
using jose::errc;

namespace {

struct case_t {
  const char* alg;
  const char* key;
};

class Sweep : public ::testing::TestWithParam<case_t> {
 protected:
  void SetUp() override {
    auto a = *jose::alg_from_string(GetParam().alg);
    auto t = jose::sign_compact(obj(R"({"typ":"at+jwt","kid":"k"})"),
                                obj(R"({"iss":"https://as.example","sub":"alice","n":12345})"),
                                key_for(GetParam().key), a);
    ASSERT_TRUE(t);
    token = *t;
    std::size_t d1 = token.find('.');
    std::size_t d2 = token.rfind('.');
    h64 = token.substr(0, d1);
    p64 = token.substr(d1 + 1, d2 - d1 - 1);
    sig = unb64(token.substr(d2 + 1));
    key = jose::jwk_from_key(key_for(GetParam().key).public_part(), "k", GetParam().alg);
    allowed = {a};
  }

  result<void> check(const std::string& compact) const {
    auto t = jose::parse_jws(compact, allowed);
    if (!t) return t.error();
    return jose::verify_jws(*t, key);
  }

  std::string token, h64, p64, sig;
  jose::jwk key;
  jose::alg_set allowed;
};

}  // namespace

TEST_P(Sweep, OriginalVerifies) { EXPECT_TRUE(check(token)); }

TEST_P(Sweep, EverySignatureBitFlipIsInvalid) {
  for (std::size_t i = 0; i < sig.size() * 8; ++i) {
    std::string s = sig;
    s[i / 8] = static_cast<char>(s[i / 8] ^ (1 << (i % 8)));
    auto r = check(h64 + "." + p64 + "." + b64(s));
    ASSERT_FALSE(r) << "bit " << i;
    ASSERT_EQ(r.error(), boost::system::error_code(errc::signature_invalid)) << "bit " << i;
  }
}

TEST_P(Sweep, EverySignatureTruncationIsInvalid) {
  for (std::size_t n = 0; n < sig.size(); ++n) {
    auto r = check(h64 + "." + p64 + "." + b64(sig.substr(0, n)));
    ASSERT_FALSE(r) << "length " << n;
    ASSERT_EQ(r.error(), boost::system::error_code(errc::signature_invalid)) << "length " << n;
  }
  // Extra bytes are as bad as missing ones.
  EXPECT_ERRC(check(h64 + "." + p64 + "." + b64(sig + "x")), errc::signature_invalid);
}

TEST_P(Sweep, EveryEncodedSignatureTruncationFails) {
  // Cutting the base64url text: impossible encodings (length % 4 == 1, non-zero trailing bits)
  // are malformed; every decodable prefix is a signature of the wrong length.
  std::string s64 = b64(sig);
  for (std::size_t n = 0; n < s64.size(); ++n) {
    std::string cut = s64.substr(0, n);
    auto want = base64url_decode(cut) ? errc::signature_invalid : errc::malformed;
    auto r = check(h64 + "." + p64 + "." + cut);
    ASSERT_FALSE(r) << "length " << n;
    ASSERT_EQ(r.error(), boost::system::error_code(want)) << "length " << n;
  }
}

TEST_P(Sweep, EveryPayloadBitFlipFails) {
  std::string payload = unb64(p64);
  for (std::size_t i = 0; i < payload.size() * 8; ++i) {
    std::string p = payload;
    p[i / 8] = static_cast<char>(p[i / 8] ^ (1 << (i % 8)));
    // A flip that still leaves a JSON object must fail the signature; any other flip is
    // refused before verification as payload_not_json.
    boost::system::error_code ec;
    auto v = json::parse(p, ec);
    auto want = (!ec && v.is_object()) ? errc::signature_invalid : errc::payload_not_json;
    auto r = check(h64 + "." + b64(p) + "." + b64(sig));
    ASSERT_FALSE(r) << "bit " << i;
    ASSERT_EQ(r.error(), boost::system::error_code(want)) << "bit " << i;
  }
}

TEST_P(Sweep, HeaderKidChangeFails) {
  // Changing a header member keeps the alg but alters the signing input.
  std::string h = unb64(h64);
  auto pos = h.find("\"k\"");
  ASSERT_NE(pos, std::string::npos);
  h[pos + 1] = 'j';
  auto t = jose::parse_jws(b64(h) + "." + p64 + "." + b64(sig), allowed);
  ASSERT_TRUE(t);
  auto k = key;
  k.kid = "j";
  EXPECT_ERRC(jose::verify_jws(*t, k), errc::signature_invalid);
}

INSTANTIATE_TEST_SUITE_P(Algs, Sweep,
                         ::testing::Values(case_t{"ES256", "ES256"}, case_t{"RS256", "RS256"},
                                           case_t{"PS256", "RS256"}, case_t{"EdDSA", "EdDSA"}),
                         [](const auto& info) { return std::string(info.param.alg); });
