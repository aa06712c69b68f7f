// Private: RAII owners for every OpenSSL object used by authplane_crypto, plus shared helpers.
#pragma once
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <memory>

namespace authplane::crypto::detail {

template <class T, void (*Free)(T*)>
struct ossl_deleter {
  void operator()(T* p) const noexcept { Free(p); }
};
template <class T, void (*Free)(T*)>
using ossl_ptr = std::unique_ptr<T, ossl_deleter<T, Free>>;

using pkey_ptr = ossl_ptr<EVP_PKEY, EVP_PKEY_free>;
using pkey_ctx_ptr = ossl_ptr<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using md_ctx_ptr = ossl_ptr<EVP_MD_CTX, EVP_MD_CTX_free>;
using bio_ptr = ossl_ptr<BIO, BIO_free_all>;
using bn_ptr = ossl_ptr<BIGNUM, BN_free>;
using ecdsa_sig_ptr = ossl_ptr<ECDSA_SIG, ECDSA_SIG_free>;
using param_bld_ptr = ossl_ptr<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>;
using params_ptr = ossl_ptr<OSSL_PARAM, OSSL_PARAM_free>;

// Digests fetched once per process: implicit fetching (EVP_sha256()) takes the provider store
// lock on every call, which the signing hot path must avoid. Never freed (process lifetime).
const EVP_MD* md_sha256() noexcept;
const EVP_MD* md_sha384() noexcept;
const EVP_MD* md_sha512() noexcept;

}  // namespace authplane::crypto::detail
