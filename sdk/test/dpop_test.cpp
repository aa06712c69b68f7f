// Inbound DPoP (RFC 9449 §7; checklist items 28-30, 55-61, 67, 68, 70, 73, 74, 76, 78, 82-83).
#include "helpers.hpp"

#include <thread>

using namespace sdktest;
using sdk::errc;

namespace {

const std::string algs = "DPoP algs=\"ES256 RS256\"";

std::string dpop_err(const std::string& desc, const std::string& code = "invalid_token") {
  return "Bearer scope=\"mcp:echo\", " + rm + ", DPoP error=\"" + code + "\", error_description=\"" + desc +
         "\", algs=\"ES256 RS256\"";
}

struct Dpop : Guard {
  Dpop() { opts.dpop = sdk::dpop_mode::optional; }
  static json::object bound_claims(const std::string& key_name = "ES256d") {
    auto c = good_claims();
    c["cnf"] = json::object{{"jkt", jkt_of(key_name)}};
    return c;
  }
  sdk::outcome send(const std::string& scheme, const std::string& token, std::vector<std::string> proofs,
                    const std::string& method = "POST", const std::string& url = resource) {
    http::header_list h = auth(scheme + " " + token);
    for (auto& p : proofs) h.add("DPoP", p);
    return g().check(method, url, h);
  }
};

}  // namespace

TEST_F(Dpop, BoundTokenWithGoodProofAllowed) {
  std::string t = mint(bound_claims());
  auto o = send("DPoP", t, {proof("POST", resource, t)});
  ASSERT_TRUE(o) << o.denied.description;
  ASSERT_TRUE(o.allowed->dpop);
  EXPECT_EQ(o.allowed->dpop->jkt, jkt_of("ES256d"));
  EXPECT_EQ(o.allowed->dpop->jti, "p-1");
  EXPECT_EQ(o.allowed->dpop->htm, "POST");
  EXPECT_EQ(o.allowed->dpop->htu, resource);
  EXPECT_EQ(o.allowed->dpop->iat, t0);
  EXPECT_TRUE(o.allowed->claims->dpop_bound());
}

TEST_F(Dpop, SchemeIsCaseInsensitive) {
  std::string t = mint(bound_claims());
  EXPECT_TRUE(send("dpop", t, {proof("POST", resource, t)}));
}

TEST_F(Dpop, MissingTokenChallengeOffersDpop) {
  EXPECT_DENIED(check({}), 401, errc::token_missing, "Bearer scope=\"mcp:echo\", " + rm + ", " + algs);
}

TEST_F(Dpop, BearerErrorsKeepDpopAlgs) {
  EXPECT_DENIED(send("DPoP", mint(good_claims(), "k1", "JWT"), {}), 401, errc::typ_mismatch,
                "Bearer error=\"invalid_token\", error_description=\"Invalid access token\", scope=\"mcp:echo\", " +
                    rm + ", " + algs);
}

TEST_F(Dpop, ReplayedProofRefused) {
  std::string t = mint(bound_claims());
  std::string p = proof("POST", resource, t);
  ASSERT_TRUE(send("DPoP", t, {p}));
  EXPECT_DENIED(send("DPoP", t, {p}), 401, errc::dpop_replay, dpop_err("DPoP proof replay detected"));
}

TEST_F(Dpop, CachedTokenStillChecksProofs) {
  std::string t = mint(bound_claims());
  ASSERT_TRUE(send("DPoP", t, {proof("POST", resource, t, "a")}));
  EXPECT_FALSE(send("DPoP", t, {proof("POST", resource, t, "a")}));
  EXPECT_FALSE(send("DPoP", t, {}));
  EXPECT_TRUE(send("DPoP", t, {proof("POST", resource, t, "b")}));
  EXPECT_EQ(g().counters().signature_checks, 1u);
  EXPECT_EQ(g().counters().cache_hits, 3u);
}

TEST_F(Dpop, WrongHtuRefused) {
  std::string t = mint(bound_claims());
  EXPECT_DENIED(send("DPoP", t, {proof("POST", "https://mcp.example/other", t)}), 401, errc::dpop_proof_invalid,
                dpop_err("Invalid DPoP proof"));
  EXPECT_DENIED(send("DPoP", t, {proof("POST", "https://mcp.example:8443/mcp", t, "p-2")}), 401,
                errc::dpop_proof_invalid, dpop_err("Invalid DPoP proof"));
}

TEST_F(Dpop, WrongHtuDevNamesReason) {
  opts.dev_mode = true;
  std::string t = mint(bound_claims());
  auto o = send("DPoP", t, {proof("POST", "https://mcp.example/other", t)});
  ASSERT_FALSE(o);
  EXPECT_EQ(o.denied.code, errc::dpop_proof_invalid);
  EXPECT_TRUE(o.denied.description.starts_with("Invalid DPoP proof: ")) << o.denied.description;
}

TEST_F(Dpop, HtuNormalizedQueryIgnored) {
  std::string t = mint(bound_claims());
  EXPECT_TRUE(send("DPoP", t, {proof("POST", "HTTPS://MCP.EXAMPLE:443/mcp", t)}, "POST",
                   "https://mcp.example/mcp?session=1"));
}

TEST_F(Dpop, WrongHtmRefused) {
  std::string t = mint(bound_claims());
  EXPECT_DENIED(send("DPoP", t, {proof("GET", resource, t)}), 401, errc::dpop_proof_invalid,
                dpop_err("Invalid DPoP proof"));
  EXPECT_DENIED(send("DPoP", t, {proof("post", resource, t, "p-2")}), 401, errc::dpop_proof_invalid,
                dpop_err("Invalid DPoP proof"));
}

TEST_F(Dpop, WrongOrMissingAthRefused) {
  std::string t = mint(bound_claims());
  std::string other = mint(good_claims());
  EXPECT_DENIED(send("DPoP", t, {proof("POST", resource, other)}), 401, errc::dpop_proof_invalid,
                dpop_err("Invalid DPoP proof"));
  EXPECT_DENIED(send("DPoP", t, {proof("POST", resource, "", "p-2")}), 401, errc::dpop_proof_invalid,
                dpop_err("Invalid DPoP proof"));
}

TEST_F(Dpop, ProofIatWindow) {
  std::string t = mint(bound_claims());
  EXPECT_FALSE(send("DPoP", t, {proof("POST", resource, t, "old", t0 - 301)}));
  EXPECT_FALSE(send("DPoP", t, {proof("POST", resource, t, "future", t0 + 301)}));
  EXPECT_TRUE(send("DPoP", t, {proof("POST", resource, t, "edge", t0 - 300)}));
}

TEST_F(Dpop, KeyMismatchRefusedWithoutConsumingJti) {
  std::string t = mint(bound_claims("ES256d"));
  EXPECT_DENIED(send("DPoP", t, {proof("POST", resource, t, "shared", t0, "ES256e")}), 401,
                errc::dpop_binding_mismatch, dpop_err("DPoP binding mismatch"));
  EXPECT_TRUE(send("DPoP", t, {proof("POST", resource, t, "shared", t0, "ES256d")}));
}

TEST_F(Dpop, BearerPresentationOfBoundTokenRefused) {
  opts.dev_mode = true;
  std::string t = mint(bound_claims());
  EXPECT_DENIED(send("Bearer", t, {proof("POST", resource, t)}), 401, errc::dpop_binding_mismatch,
                dpop_err("A DPoP-bound token must be sent with the DPoP authorization scheme"));
}

TEST_F(Dpop, BoundTokenWithoutProofRefused) {
  std::string t = mint(bound_claims());
  EXPECT_DENIED(send("DPoP", t, {}), 401, errc::dpop_proof_missing, dpop_err("DPoP proof is required"));
}

TEST_F(Dpop, MultipleProofsRefused) {
  std::string t = mint(bound_claims());
  const std::string want = dpop_err("Multiple DPoP proofs", "invalid_dpop_proof");
  EXPECT_DENIED(send("DPoP", t, {proof("POST", resource, t, "a"), proof("POST", resource, t, "b")}), 401,
                errc::dpop_multiple_proofs, want);
  EXPECT_DENIED(send("DPoP", t, {proof("POST", resource, t, "c") + ", " + proof("POST", resource, t, "d")}), 401,
                errc::dpop_multiple_proofs, want);
}

TEST_F(Dpop, BlankDpopHeaderCountsAsAbsent) {
  std::string t = mint(good_claims());
  EXPECT_TRUE(send("Bearer", t, {"  "}));
  std::string b = mint(bound_claims());
  EXPECT_TRUE(send("DPoP", b, {" ", proof("POST", resource, b)}));
}

TEST_F(Dpop, OptionalModeBearerTokenAllowed) {
  auto o = send("Bearer", mint(good_claims()), {});
  ASSERT_TRUE(o);
  EXPECT_FALSE(o.allowed->dpop);
}

TEST_F(Dpop, OptionalModeUnboundTokenWithProofRefused) {
  std::string t = mint(good_claims());
  EXPECT_DENIED(send("Bearer", t, {proof("POST", resource, t)}), 401, errc::dpop_binding_mismatch,
                dpop_err("DPoP binding mismatch"));
  EXPECT_DENIED(send("DPoP", t, {}), 401, errc::dpop_binding_mismatch, dpop_err("DPoP binding mismatch"));
}

TEST_F(Dpop, RequiredModeRefusesBearerTokens) {
  opts.dpop = sdk::dpop_mode::required;
  opts.dev_mode = true;
  EXPECT_DENIED(send("Bearer", mint(good_claims()), {}), 401, errc::dpop_binding_mismatch,
                dpop_err("Resource requires DPoP-bound access tokens but the presented token has no cnf.jkt"));
  std::string t = mint(bound_claims());
  EXPECT_TRUE(send("DPoP", t, {proof("POST", resource, t)}));
}

TEST_F(Dpop, CnfWithoutJktRefused) {
  opts.dev_mode = true;
  auto c = good_claims();
  c["cnf"] = json::object{};
  EXPECT_DENIED(send("DPoP", mint(c), {}), 401, errc::cnf_missing_jkt,
                "Bearer error=\"invalid_token\", error_description=\"Access token has a 'cnf' claim without "
                "'cnf.jkt'; cannot verify DPoP binding\", scope=\"mcp:echo\", " + rm + ", " + algs);
}

TEST_F(Dpop, DisabledModeRefusesBoundToken) {
  opts.dpop = sdk::dpop_mode::disabled;
  std::string t = mint(bound_claims());
  const std::string want = "Bearer error=\"invalid_token\", error_description=\"This resource does not accept "
                           "DPoP\", scope=\"mcp:echo\", " + rm;
  EXPECT_DENIED(send("DPoP", t, {proof("POST", resource, t)}), 401, errc::dpop_not_supported, want);
  EXPECT_DENIED(send("Bearer", t, {}), 401, errc::dpop_not_supported, want);
}

TEST_F(Dpop, DisabledModeRefusesStrayProof) {
  opts.dpop = sdk::dpop_mode::disabled;
  std::string t = mint(good_claims());
  EXPECT_DENIED(send("Bearer", t, {proof("POST", resource, t)}), 401, errc::dpop_not_supported,
                "Bearer error=\"invalid_token\", error_description=\"This resource does not accept DPoP\", "
                "scope=\"mcp:echo\", " + rm);
}

TEST_F(Dpop, ProofAlgAllowList) {
  std::string t = mint(bound_claims("ES384"));
  json::object h{{"typ", "dpop+jwt"}, {"jwk", jose::to_json(public_jwk("ES384", ""))}};
  json::object c{{"jti", "x"}, {"htm", "POST"}, {"htu", resource}, {"iat", t0}, {"ath", jose::dpop_ath(t)}};
  std::string p = *jose::sign_compact(h, c, key_for("ES384"), jose::alg::ES384);
  EXPECT_DENIED(send("DPoP", t, {p}), 401, errc::dpop_proof_invalid, dpop_err("Invalid DPoP proof"));
}

TEST_F(Dpop, ParallelReplayExactlyOneWins) {
  std::string t = mint(bound_claims());
  std::string p = proof("POST", resource, t, "race");
  g();
  std::atomic<int> allowed{0}, replays{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < 8; ++i)
    ts.emplace_back([&] {
      auto o = send("DPoP", t, {p});
      if (o) ++allowed;
      else if (o.denied.code == errc::dpop_replay) ++replays;
    });
  for (auto& th : ts) th.join();
  EXPECT_EQ(allowed, 1);
  EXPECT_EQ(replays, 7);
}
