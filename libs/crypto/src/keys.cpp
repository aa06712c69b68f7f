#include "authplane/crypto/keys.hpp"

#include "authplane/crypto/error.hpp"
#include "ossl.hpp"

#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <array>
#include <climits>
#include <optional>

namespace authplane::crypto {
namespace {

using namespace detail;

enum class family { ecdsa, rsa_pkcs1, rsa_pss, eddsa };

struct alg_info {
  family fam;
  const EVP_MD* (*md)() noexcept;  // null for EdDSA (no pre-hash)
  key_type curve;                  // for ECDSA: the only curve the alg allows
  std::size_t coord;               // for ECDSA: field size in bytes
};

std::optional<alg_info> lookup(std::string_view alg) noexcept {
  if (alg == "ES256") return alg_info{family::ecdsa, md_sha256, key_type::ec_p256, 32};
  if (alg == "ES384") return alg_info{family::ecdsa, md_sha384, key_type::ec_p384, 48};
  if (alg == "ES512") return alg_info{family::ecdsa, md_sha512, key_type::ec_p521, 66};
  if (alg == "RS256") return alg_info{family::rsa_pkcs1, md_sha256, key_type::rsa, 0};
  if (alg == "RS384") return alg_info{family::rsa_pkcs1, md_sha384, key_type::rsa, 0};
  if (alg == "RS512") return alg_info{family::rsa_pkcs1, md_sha512, key_type::rsa, 0};
  if (alg == "PS256") return alg_info{family::rsa_pss, md_sha256, key_type::rsa, 0};
  if (alg == "PS384") return alg_info{family::rsa_pss, md_sha384, key_type::rsa, 0};
  if (alg == "PS512") return alg_info{family::rsa_pss, md_sha512, key_type::rsa, 0};
  if (alg == "EdDSA") return alg_info{family::eddsa, nullptr, key_type::ed25519, 0};
  return std::nullopt;
}

std::size_t coord_size(key_type t) noexcept {
  switch (t) {
    case key_type::ec_p256: return 32;
    case key_type::ec_p384: return 48;
    case key_type::ec_p521: return 66;
    default: return 0;
  }
}

const char* group_name(key_type t) noexcept {
  switch (t) {
    case key_type::ec_p256: return "P-256";
    case key_type::ec_p384: return "P-384";
    case key_type::ec_p521: return "P-521";
    default: return nullptr;
  }
}

// Every failure path drops OpenSSL's thread-local error queue so it cannot leak into an
// unrelated later call on the same thread.
boost::system::error_code fail(errc e) noexcept {
  ERR_clear_error();
  return make_error_code(e);
}

const unsigned char* u8(std::string_view s) noexcept {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::string bn_bytes(const BIGNUM* bn, std::size_t pad) {
  std::size_t n = pad != 0 ? pad : static_cast<std::size_t>(BN_num_bytes(bn));
  std::string out(n, '\0');
  if (n != 0) BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n));
  return out;
}

std::optional<std::string> get_bn_param(const EVP_PKEY* p, const char* name, std::size_t pad) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(p, name, &raw) != 1) return std::nullopt;
  bn_ptr bn(raw);
  return bn_bytes(bn.get(), pad);
}

// Creates a context for `op` on `pkey` with the algorithm's padding and digest configured.
pkey_ctx_ptr make_ctx(EVP_PKEY* pkey, const alg_info& a, bool sign) {
  pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (!ctx) return nullptr;
  if ((sign ? EVP_PKEY_sign_init(ctx.get()) : EVP_PKEY_verify_init(ctx.get())) != 1) return nullptr;
  const EVP_MD* md = a.md();
  if (a.fam == family::rsa_pkcs1) {
    if (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1) return nullptr;
  } else if (a.fam == family::rsa_pss) {
    // RFC 7518 §3.5: MGF1 with the same hash, salt as long as the hash output.
    if (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), RSA_PSS_SALTLEN_DIGEST) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), md) != 1) {
      return nullptr;
    }
  }
  if (EVP_PKEY_CTX_set_signature_md(ctx.get(), md) != 1) return nullptr;
  return ctx;
}

bool digest_into(const EVP_MD* md, std::string_view data, unsigned char* out, unsigned int* len) {
  return EVP_Digest(data.data(), data.size(), out, len, md, nullptr) == 1;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// public_key

struct public_key::impl {
  pkey_ptr pkey;
  key_type type = key_type::none;
  int bits = 0;
  std::string x, y, n, e, okp;
  // For EC keys: a verification context prepared once (its curve has exactly one alg) and
  // duplicated per call, which skips the provider fetch on each verification.
  pkey_ctx_ptr verify_tmpl;
};

namespace {

// Classifies `pkey` and extracts its public components; the single place that decides which
// keys AuthPlane accepts.
result<std::shared_ptr<public_key::impl>> make_public_impl(pkey_ptr pkey) {
  auto im = std::make_shared<public_key::impl>();
  EVP_PKEY* p = pkey.get();
  switch (EVP_PKEY_get_base_id(p)) {
    case EVP_PKEY_EC: {
      std::array<char, 64> name{};
      std::size_t len = 0;
      if (EVP_PKEY_get_utf8_string_param(p, OSSL_PKEY_PARAM_GROUP_NAME, name.data(), name.size(),
                                         &len) != 1) {
        return fail(errc::unsupported_key);
      }
      std::string_view g(name.data(), len);
      if (g == "prime256v1" || g == "P-256") im->type = key_type::ec_p256;
      else if (g == "secp384r1" || g == "P-384") im->type = key_type::ec_p384;
      else if (g == "secp521r1" || g == "P-521") im->type = key_type::ec_p521;
      else return fail(errc::unsupported_key);
      std::size_t c = coord_size(im->type);
      auto x = get_bn_param(p, OSSL_PKEY_PARAM_EC_PUB_X, c);
      auto y = get_bn_param(p, OSSL_PKEY_PARAM_EC_PUB_Y, c);
      if (!x || !y) return fail(errc::bad_key_encoding);
      im->x = std::move(*x);
      im->y = std::move(*y);
      im->bits = im->type == key_type::ec_p521 ? 521 : static_cast<int>(c * 8);
      static const char* const algs[] = {"ES256", "ES384", "ES512"};
      auto a = lookup(algs[im->type == key_type::ec_p256 ? 0 : im->type == key_type::ec_p384 ? 1 : 2]);
      im->verify_tmpl = make_ctx(p, *a, false);
      if (!im->verify_tmpl) return fail(errc::unsupported_key);
      break;
    }
    case EVP_PKEY_RSA: {
      im->type = key_type::rsa;
      im->bits = EVP_PKEY_get_bits(p);
      if (im->bits < 2048) return fail(errc::key_too_small);
      if (im->bits > 16384) return fail(errc::key_too_large);
      auto n = get_bn_param(p, OSSL_PKEY_PARAM_RSA_N, 0);
      auto e = get_bn_param(p, OSSL_PKEY_PARAM_RSA_E, 0);
      if (!n || !e) return fail(errc::bad_key_encoding);
      im->n = std::move(*n);
      im->e = std::move(*e);
      break;
    }
    case EVP_PKEY_ED25519: {
      im->type = key_type::ed25519;
      im->bits = 253;
      std::size_t len = 32;
      im->okp.assign(32, '\0');
      if (EVP_PKEY_get_raw_public_key(p, reinterpret_cast<unsigned char*>(im->okp.data()), &len) !=
              1 ||
          len != 32) {
        return fail(errc::bad_key_encoding);
      }
      break;
    }
    default:
      return fail(errc::unsupported_key);
  }
  im->pkey = std::move(pkey);
  return im;
}

// Builds a public-only EVP_PKEY from an SPKI DER round trip, so a public_key derived from a
// private key never carries private material.
pkey_ptr public_only(EVP_PKEY* p) {
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(p, &der);
  if (len <= 0) return nullptr;
  const unsigned char* q = der;
  pkey_ptr out(d2i_PUBKEY(nullptr, &q, len));
  OPENSSL_free(der);
  return out;
}

pkey_ptr from_params(const char* type, OSSL_PARAM* params) {
  pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) return nullptr;
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params) != 1) return nullptr;
  return pkey_ptr(raw);
}

bool public_check(EVP_PKEY* p) {
  pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, p, nullptr));
  return ctx && EVP_PKEY_public_check(ctx.get()) == 1;
}

int no_password(char*, int, int, void*) { return -1; }

constexpr std::size_t max_pem = 64 * 1024;

}  // namespace

bool alg_fits(std::string_view alg, key_type t) noexcept {
  auto a = lookup(alg);
  return a && a->curve == t;
}

result<public_key> public_key::from_pem(std::string_view pem) {
  if (pem.size() > max_pem) return fail(errc::bad_pem);
  bio_ptr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return fail(errc::bad_pem);
  pkey_ptr p(PEM_read_bio_PUBKEY(bio.get(), nullptr, no_password, nullptr));
  if (!p) return fail(errc::bad_pem);
  auto im = make_public_impl(std::move(p));
  if (!im) return im.error();
  return public_key(std::move(*im));
}

result<public_key> public_key::from_ec(key_type curve, std::string_view x, std::string_view y) {
  std::size_t c = coord_size(curve);
  if (c == 0) return fail(errc::unsupported_key);
  // RFC 7518 §6.2.1.2/3: coordinates are full-length octet strings.
  if (x.size() != c || y.size() != c) return fail(errc::bad_key_encoding);
  std::string point;
  point.reserve(1 + 2 * c);
  point.push_back('\x04');
  point.append(x);
  point.append(y);
  param_bld_ptr bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group_name(curve), 0) !=
          1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return fail(errc::bad_key_encoding);
  }
  params_ptr params(OSSL_PARAM_BLD_to_param(bld.get()));
  if (!params) return fail(errc::bad_key_encoding);
  pkey_ptr p = from_params("EC", params.get());
  // Invalid-curve attacks: the point must lie on the named curve.
  if (!p || !public_check(p.get())) return fail(errc::bad_key_encoding);
  auto im = make_public_impl(std::move(p));
  if (!im) return im.error();
  return public_key(std::move(*im));
}

result<public_key> public_key::from_rsa(std::string_view n, std::string_view e) {
  if (n.empty() || e.empty() || n.size() > 16384 / 8 + 1 || e.size() > 8) {
    return fail(n.size() > 16384 / 8 + 1 ? errc::key_too_large : errc::bad_key_encoding);
  }
  bn_ptr bn_n(BN_bin2bn(u8(n), static_cast<int>(n.size()), nullptr));
  bn_ptr bn_e(BN_bin2bn(u8(e), static_cast<int>(e.size()), nullptr));
  if (!bn_n || !bn_e) return fail(errc::bad_key_encoding);
  // Exponent must be odd, >= 3 and fit 32 bits; tiny or even exponents are never legitimate.
  if (!BN_is_odd(bn_e.get()) || BN_num_bits(bn_e.get()) > 32 || BN_is_one(bn_e.get())) {
    return fail(errc::bad_key_encoding);
  }
  if (!BN_is_odd(bn_n.get())) return fail(errc::bad_key_encoding);
  int bits = BN_num_bits(bn_n.get());
  if (bits < 2048) return fail(errc::key_too_small);
  if (bits > 16384) return fail(errc::key_too_large);
  param_bld_ptr bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return fail(errc::bad_key_encoding);
  }
  params_ptr params(OSSL_PARAM_BLD_to_param(bld.get()));
  if (!params) return fail(errc::bad_key_encoding);
  pkey_ptr p = from_params("RSA", params.get());
  if (!p) return fail(errc::bad_key_encoding);
  auto im = make_public_impl(std::move(p));
  if (!im) return im.error();
  return public_key(std::move(*im));
}

result<public_key> public_key::from_ed25519(std::string_view x) {
  if (x.size() != 32) return fail(errc::bad_key_encoding);
  pkey_ptr p(EVP_PKEY_new_raw_public_key_ex(nullptr, "ED25519", nullptr, u8(x), x.size()));
  if (!p) return fail(errc::bad_key_encoding);
  auto im = make_public_impl(std::move(p));
  if (!im) return im.error();
  return public_key(std::move(*im));
}

key_type public_key::type() const noexcept { return impl_ ? impl_->type : key_type::none; }
int public_key::bits() const noexcept { return impl_ ? impl_->bits : 0; }

namespace {
const std::string& empty_string() noexcept {
  static const std::string s;
  return s;
}
}  // namespace

const std::string& public_key::ec_x() const noexcept { return impl_ ? impl_->x : empty_string(); }
const std::string& public_key::ec_y() const noexcept { return impl_ ? impl_->y : empty_string(); }
const std::string& public_key::rsa_n() const noexcept { return impl_ ? impl_->n : empty_string(); }
const std::string& public_key::rsa_e() const noexcept { return impl_ ? impl_->e : empty_string(); }
const std::string& public_key::okp_x() const noexcept { return impl_ ? impl_->okp : empty_string(); }

namespace {
std::string bio_to_string(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}
}  // namespace

std::string public_key::to_pem() const {
  if (!impl_) return {};
  bio_ptr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), impl_->pkey.get()) != 1) {
    ERR_clear_error();
    return {};
  }
  return bio_to_string(bio.get());
}

result<void> public_key::verify(std::string_view alg, std::string_view data,
                                std::string_view sig) const {
  if (!impl_) return fail(errc::empty_key);
  auto a = lookup(alg);
  if (!a) return fail(errc::unsupported_alg);
  if (a->curve != impl_->type) return fail(errc::alg_key_mismatch);
  EVP_PKEY* p = impl_->pkey.get();

  if (a->fam == family::eddsa) {
    if (sig.size() != 64) return fail(errc::bad_signature_length);
    md_ctx_ptr md(EVP_MD_CTX_new());
    if (!md || EVP_DigestVerifyInit_ex(md.get(), nullptr, nullptr, nullptr, nullptr, p, nullptr) != 1) {
      return fail(errc::signature_invalid);
    }
    if (EVP_DigestVerify(md.get(), u8(sig), sig.size(), u8(data), data.size()) != 1) {
      return fail(errc::signature_invalid);
    }
    return {};
  }

  unsigned char dgst[EVP_MAX_MD_SIZE];
  unsigned int dlen = 0;
  if (!digest_into(a->md(), data, dgst, &dlen)) return fail(errc::signature_invalid);

  if (a->fam == family::ecdsa) {
    // RFC 7518 §3.4: R and S as fixed-width big-endian integers, concatenated.
    if (sig.size() != 2 * a->coord) return fail(errc::bad_signature_length);
    ecdsa_sig_ptr es(ECDSA_SIG_new());
    bn_ptr r(BN_bin2bn(u8(sig), static_cast<int>(a->coord), nullptr));
    bn_ptr s(BN_bin2bn(u8(sig.substr(a->coord)), static_cast<int>(a->coord), nullptr));
    if (!es || !r || !s || ECDSA_SIG_set0(es.get(), r.get(), s.get()) != 1) {
      return fail(errc::signature_invalid);
    }
    r.release();
    s.release();
    unsigned char* der = nullptr;
    int der_len = i2d_ECDSA_SIG(es.get(), &der);
    if (der_len <= 0) return fail(errc::signature_invalid);
    pkey_ctx_ptr ctx(EVP_PKEY_CTX_dup(impl_->verify_tmpl.get()));
    int rc = ctx ? EVP_PKEY_verify(ctx.get(), der, static_cast<std::size_t>(der_len), dgst, dlen) : 0;
    OPENSSL_free(der);
    if (rc != 1) return fail(errc::signature_invalid);
    return {};
  }

  // RSA: the signature is exactly the modulus length (RFC 8017 §8.2.2 step 1).
  if (sig.size() != static_cast<std::size_t>(EVP_PKEY_get_size(p))) {
    return fail(errc::bad_signature_length);
  }
  pkey_ctx_ptr ctx = make_ctx(p, *a, false);
  if (!ctx) return fail(errc::signature_invalid);
  if (EVP_PKEY_verify(ctx.get(), u8(sig), sig.size(), dgst, dlen) != 1) {
    return fail(errc::signature_invalid);
  }
  return {};
}

// ---------------------------------------------------------------------------------------------
// private_key

struct private_key::impl {
  pkey_ptr pkey;
  public_key pub;
  // For EC keys: a signing context prepared once and duplicated per call (see verify_tmpl).
  pkey_ctx_ptr sign_tmpl;
  std::size_t max_sig = 0;
};

result<private_key> private_key::make(void* raw_pkey) {
  pkey_ptr pkey(static_cast<EVP_PKEY*>(raw_pkey));
  pkey_ptr pub = public_only(pkey.get());
  if (!pub) return fail(errc::unsupported_key);
  auto pim = make_public_impl(std::move(pub));
  if (!pim) return pim.error();
  auto im = std::make_shared<private_key::impl>();
  key_type t = (*pim)->type;
  if (t == key_type::ec_p256 || t == key_type::ec_p384 || t == key_type::ec_p521) {
    auto a = lookup(t == key_type::ec_p256 ? "ES256" : t == key_type::ec_p384 ? "ES384" : "ES512");
    im->sign_tmpl = make_ctx(pkey.get(), *a, true);
    if (!im->sign_tmpl) return fail(errc::unsupported_key);
  }
  im->max_sig = static_cast<std::size_t>(EVP_PKEY_get_size(pkey.get()));
  im->pkey = std::move(pkey);
  im->pub = public_key(std::move(*pim));
  return private_key(std::move(im));
}

result<private_key> private_key::generate(std::string_view alg) {
  auto a = lookup(alg);
  if (!a) return fail(errc::unsupported_alg);
  EVP_PKEY* raw = nullptr;
  switch (a->curve) {
    case key_type::ec_p256:
    case key_type::ec_p384:
    case key_type::ec_p521:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", group_name(a->curve));
      break;
    case key_type::rsa:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(2048));
      break;
    case key_type::ed25519:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
    case key_type::none:
      break;
  }
  if (raw == nullptr) return fail(errc::key_generation_failed);
  return make(raw);
}

result<private_key> private_key::from_pem(std::string_view pem) {
  if (pem.size() > max_pem) return fail(errc::bad_pem);
  bio_ptr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return fail(errc::bad_pem);
  // no_password: an encrypted key must fail, never prompt on a terminal.
  EVP_PKEY* raw = PEM_read_bio_PrivateKey(bio.get(), nullptr, no_password, nullptr);
  if (raw == nullptr) return fail(errc::bad_pem);
  return make(raw);
}

key_type private_key::type() const noexcept { return impl_->pub.type(); }
int private_key::bits() const noexcept { return impl_->pub.bits(); }
const public_key& private_key::public_part() const noexcept { return impl_->pub; }

std::string private_key::to_pem() const {
  bio_ptr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PKCS8PrivateKey(bio.get(), impl_->pkey.get(), nullptr, nullptr, 0,
                                            nullptr, nullptr) != 1) {
    ERR_clear_error();
    return {};
  }
  return bio_to_string(bio.get());
}

result<std::string> private_key::sign(std::string_view alg, std::string_view data) const {
  auto a = lookup(alg);
  if (!a) return fail(errc::unsupported_alg);
  if (a->curve != impl_->pub.type()) return fail(errc::alg_key_mismatch);
  EVP_PKEY* p = impl_->pkey.get();

  if (a->fam == family::eddsa) {
    md_ctx_ptr md(EVP_MD_CTX_new());
    std::string out(64, '\0');
    std::size_t len = out.size();
    if (!md ||
        EVP_DigestSignInit_ex(md.get(), nullptr, nullptr, nullptr, nullptr, p, nullptr) != 1 ||
        EVP_DigestSign(md.get(), reinterpret_cast<unsigned char*>(out.data()), &len, u8(data),
                       data.size()) != 1 ||
        len != 64) {
      return fail(errc::sign_failed);
    }
    return out;
  }

  unsigned char dgst[EVP_MAX_MD_SIZE];
  unsigned int dlen = 0;
  if (!digest_into(a->md(), data, dgst, &dlen)) return fail(errc::sign_failed);

  if (a->fam == family::ecdsa) {
    pkey_ctx_ptr ctx(EVP_PKEY_CTX_dup(impl_->sign_tmpl.get()));
    unsigned char der[160];
    std::size_t der_len = sizeof der;
    if (!ctx || impl_->max_sig > sizeof der ||
        EVP_PKEY_sign(ctx.get(), der, &der_len, dgst, dlen) != 1) {
      return fail(errc::sign_failed);
    }
    const unsigned char* q = der;
    ecdsa_sig_ptr es(d2i_ECDSA_SIG(nullptr, &q, static_cast<long>(der_len)));
    if (!es) return fail(errc::sign_failed);
    std::string out(2 * a->coord, '\0');
    auto* o = reinterpret_cast<unsigned char*>(out.data());
    if (BN_bn2binpad(ECDSA_SIG_get0_r(es.get()), o, static_cast<int>(a->coord)) < 0 ||
        BN_bn2binpad(ECDSA_SIG_get0_s(es.get()), o + a->coord, static_cast<int>(a->coord)) < 0) {
      return fail(errc::sign_failed);
    }
    return out;
  }

  pkey_ctx_ptr ctx = make_ctx(p, *a, true);
  std::string out(impl_->max_sig, '\0');
  std::size_t len = out.size();
  if (!ctx || EVP_PKEY_sign(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len, dgst,
                            dlen) != 1) {
    return fail(errc::sign_failed);
  }
  out.resize(len);
  return out;
}

}  // namespace authplane::crypto
