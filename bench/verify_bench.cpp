// Access-token verification throughput on one thread (run through bench/verify_bench.sh).
//
//   verify_bench [--tokens N] [--seconds S] [--out DIR] [--only uncached|cached|openssl]
//
// Mints N distinct ES256 at+jwt access tokens (distinct jti) with one P-256 key, then measures,
// each for S seconds on the calling thread:
//   uncached   resource_guard::verify_token with the verified-token cache off
//              (options.token_cache_entries = 0): header parse, alg allow-list, kid lookup,
//              signature, claims — every call a full verification, the tokens taken round-robin;
//   cached     resource_guard::check() of one repeated "Authorization: Bearer" header with the
//              cache on (header checks, cache lookup, scope check; no signature);
//   cached_verify  resource_guard::verify_token of one repeated token with the cache on;
//   openssl    raw OpenSSL on the same tokens: SHA-256 of the signing input + EVP_PKEY_verify of
//              the (pre-converted DER) signature with one reused context — the floor any JWT
//              library on OpenSSL pays.
// With --out, writes DIR/tokens.txt (one token a line), DIR/jwks.json and DIR/meta.json (issuer,
// audience, typ) so another verifier can be measured on the very same tokens.
// --only runs one measurement (for `perf record`); the others report 0.
// Prints a human summary on stderr and one JSON object on stdout. Builds nothing, needs nothing.
#include <authplane/core/base64url.hpp>
#include <authplane/crypto/keys.hpp>
#include <authplane/jose/jose.hpp>
#include <authplane/sdk/guard.hpp>
#include <authplane/sdk/keys.hpp>

#include <boost/json/serialize.hpp>
#include <openssl/bio.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace authplane;
namespace json = boost::json;

const std::string issuer = "http://127.0.0.1:9000";
const std::string base_url = "http://127.0.0.1:8080";
const std::string kid = "bench-es256";
const std::string scope = "mcp:tools";

[[noreturn]] void die(const std::string& why) {
  std::cerr << "verify_bench: " << why << "\n";
  std::exit(1);
}

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

struct rate {
  std::uint64_t ops = 0;
  double wall_s = 0, cpu_s = 0;
  double per_s() const { return static_cast<double>(ops) / wall_s; }
  double per_cpu_s() const { return static_cast<double>(ops) / cpu_s; }
};

// Runs `op(i)` (true = success) for `seconds`, checking the clock every 64 calls; a failure aborts.
rate run_for(double seconds, const char* name, const std::function<bool(std::uint64_t)>& op) {
  if (seconds <= 0) return rate{0, 1, 1};
  using clk = std::chrono::steady_clock;
  const auto t0 = clk::now();
  const double c0 = thread_cpu_seconds();
  const auto end = t0 + std::chrono::duration_cast<clk::duration>(std::chrono::duration<double>(seconds));
  std::uint64_t i = 0;
  for (;;) {
    for (int k = 0; k < 64; ++k, ++i)
      if (!op(i)) die(std::string(name) + ": operation failed at iteration " + std::to_string(i));
    if (clk::now() >= end) break;
  }
  rate r;
  r.ops = i;
  r.wall_s = std::chrono::duration<double>(clk::now() - t0).count();
  r.cpu_s = thread_cpu_seconds() - c0;
  std::fprintf(stderr, "  %-14s %12.0f /s  (%.0f per CPU-second, %llu ops in %.2f s)\n", name, r.per_s(),
               r.per_cpu_s(), static_cast<unsigned long long>(r.ops), r.wall_s);
  return r;
}

std::vector<std::string> split_token(const std::string& t) {
  auto d1 = t.find('.');
  auto d2 = t.find('.', d1 + 1);
  return {t.substr(0, d2), t.substr(d2 + 1)};
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t n_tokens = 10'000;
  double seconds = 3;
  std::string out_dir;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) die("missing value after " + std::string(a));
      return argv[++i];
    };
    if (a == "--tokens") n_tokens = std::stoul(next());
    else if (a == "--seconds") seconds = std::stod(next());
    else if (a == "--out") out_dir = next();
    else if (a == "--only") only = next();
    else die("usage: verify_bench [--tokens N] [--seconds S] [--out DIR] [--only uncached|cached|openssl]");
  }
  if (n_tokens == 0) die("--tokens must be > 0");

  // Key, JWKS and tokens.
  auto priv = crypto::private_key::generate("ES256");
  if (!priv) die("key generation failed");
  jose::jwks set;
  set.keys.push_back(jose::jwk_from_key(priv->public_part(), kid, "ES256"));
  const std::int64_t now = std::time(nullptr);
  std::vector<std::string> tokens;
  tokens.reserve(n_tokens);
  const json::object header{{"typ", "at+jwt"}, {"kid", kid}};
  const std::string resource = base_url + "/mcp";
  for (std::size_t i = 0; i < n_tokens; ++i) {
    json::object claims{{"iss", issuer},
                        {"sub", "bench-client"},
                        {"aud", resource},
                        {"client_id", "bench-client"},
                        {"scope", scope},
                        {"jti", "bench-" + std::to_string(now) + "-" + std::to_string(i)},
                        {"iat", now},
                        {"exp", now + 3600}};
    auto t = jose::sign_compact(header, claims, *priv, jose::alg::ES256);
    if (!t) die("signing failed");
    tokens.push_back(std::move(*t));
  }
  std::fprintf(stderr, "verify_bench: %zu ES256 tokens (%zu bytes each), %.1f s per measurement, one thread\n",
               tokens.size(), tokens.front().size(), seconds);

  if (!out_dir.empty()) {
    std::filesystem::create_directories(out_dir);
    std::ofstream tf(out_dir + "/tokens.txt");
    for (const auto& t : tokens) tf << t << "\n";
    std::ofstream(out_dir + "/jwks.json") << jose::serialize_jwks(set);
    std::ofstream(out_dir + "/meta.json") << json::serialize(
        json::object{{"issuer", issuer}, {"audience", resource}, {"typ", "at+jwt"}, {"alg", "ES256"}, {"scope", scope}});
    if (!tf) die("cannot write " + out_dir + "/tokens.txt");
  }

  auto keys = std::make_shared<sdk::static_jwks_source>(set);
  sdk::options o;
  o.issuer = issuer;
  o.base_url = base_url;
  o.scopes = {scope};
  o.allowed_algs = {jose::alg::ES256, jose::alg::RS256};

  // (a) uncached: every call is a full verification.
  sdk::options uo = o;
  uo.token_cache_entries = 0;
  auto uncached_guard = sdk::resource_guard::create(uo, keys);
  if (!uncached_guard) die("guard: " + uncached_guard.error().message());
  const auto& ug = **uncached_guard;
  for (const auto& t : tokens)  // also a correctness pass: every token must verify
    if (!ug.verify_token(t)) die("a minted token failed verification");
  auto secs = [&](const char* phase) { return only.empty() || only == phase ? seconds : 0.0; };
  const rate uncached = run_for(secs("uncached"), "uncached", [&](std::uint64_t i) {
    return static_cast<bool>(ug.verify_token(tokens[i % tokens.size()]));
  });
  if (ug.counters().signature_checks != uncached.ops + tokens.size()) die("uncached run hit a cache");

  // (b) cached: the same header again and again.
  auto cached_guard = sdk::resource_guard::create(o, keys);
  if (!cached_guard) die("guard: " + cached_guard.error().message());
  const auto& cg = **cached_guard;
  http::header_list h;
  h.add("Authorization", "Bearer " + tokens.front());
  h.add("Content-Type", "application/json");
  h.add("Accept", "application/json, text/event-stream");
  const std::string url = resource;
  if (!cg.check("POST", url, h)) die("check() refused the token");
  const rate cached = run_for(secs("cached"), "cached check", [&](std::uint64_t) {
    return static_cast<bool>(cg.check("POST", url, h));
  });
  const rate cached_verify = run_for(secs("cached"), "cached verify", [&](std::uint64_t) {
    return static_cast<bool>(cg.verify_token(tokens.front()));
  });
  if (cg.counters().signature_checks != 1) die("cached run verified more than once");

  // (c) raw OpenSSL on the same tokens.
  const std::string pem = priv->public_part().to_pem();
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr),
                                                           &EVP_PKEY_free);
  if (!pkey) die("PEM_read_bio_PUBKEY failed");
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr),
                                                                  &EVP_PKEY_CTX_free);
  if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1 || EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()) != 1)
    die("EVP_PKEY_verify_init failed");
  struct raw_case {
    std::string input;
    std::vector<unsigned char> der;
  };
  std::vector<raw_case> raw;
  raw.reserve(tokens.size());
  for (const auto& t : tokens) {
    auto parts = split_token(t);
    auto sig = base64url_decode(parts[1]);
    if (!sig || sig->size() != 64) die("bad signature encoding");
    ECDSA_SIG* es = ECDSA_SIG_new();
    const auto* s8 = reinterpret_cast<const unsigned char*>(sig->data());
    ECDSA_SIG_set0(es, BN_bin2bn(s8, 32, nullptr), BN_bin2bn(s8 + 32, 32, nullptr));
    unsigned char* der = nullptr;
    int len = i2d_ECDSA_SIG(es, &der);
    ECDSA_SIG_free(es);
    if (len <= 0) die("i2d_ECDSA_SIG failed");
    raw.push_back({parts[0], std::vector<unsigned char>(der, der + len)});
    OPENSSL_free(der);
  }
  const rate openssl = run_for(secs("openssl"), "openssl raw", [&](std::uint64_t i) {
    const raw_case& c = raw[i % raw.size()];
    unsigned char dgst[32];
    unsigned int dlen = 0;
    if (EVP_Digest(c.input.data(), c.input.size(), dgst, &dlen, EVP_sha256(), nullptr) != 1) return false;
    return EVP_PKEY_verify(ctx.get(), c.der.data(), c.der.size(), dgst, dlen) == 1;
  });

  auto j = [](const rate& r) {
    return json::object{{"ops", r.ops}, {"wall_s", r.wall_s}, {"cpu_s", r.cpu_s}, {"per_s", r.per_s()},
                        {"per_cpu_s", r.per_cpu_s()}};
  };
  std::cout << json::serialize(json::object{{"tokens", tokens.size()},
                                            {"token_bytes", tokens.front().size()},
                                            {"seconds", seconds},
                                            {"uncached", j(uncached)},
                                            {"cached_check", j(cached)},
                                            {"cached_verify", j(cached_verify)},
                                            {"openssl_raw", j(openssl)}})
            << std::endl;
  return 0;
}
