#include "authplane/crypto/hash.hpp"

#include "ossl.hpp"

#include <openssl/hmac.h>

#include <cstdlib>

namespace authplane::crypto {
namespace detail {
namespace {
const EVP_MD* fetch_or_abort(const char* name) noexcept {
  const EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  if (md == nullptr) std::abort();  // the default provider is broken: nothing can be signed
  return md;
}
}  // namespace
const EVP_MD* md_sha256() noexcept {
  static const EVP_MD* md = fetch_or_abort("SHA2-256");
  return md;
}
const EVP_MD* md_sha384() noexcept {
  static const EVP_MD* md = fetch_or_abort("SHA2-384");
  return md;
}
const EVP_MD* md_sha512() noexcept {
  static const EVP_MD* md = fetch_or_abort("SHA2-512");
  return md;
}
}  // namespace detail

namespace {
std::string digest(const EVP_MD* md, std::string_view data) {
  std::string out(static_cast<std::size_t>(EVP_MD_get_size(md)), '\0');
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &len, md,
                 nullptr) != 1) {
    std::abort();  // cannot fail for in-memory input with a fetched digest
  }
  return out;
}
}  // namespace

std::string sha256(std::string_view data) { return digest(detail::md_sha256(), data); }
std::string sha384(std::string_view data) { return digest(detail::md_sha384(), data); }
std::string sha512(std::string_view data) { return digest(detail::md_sha512(), data); }

std::string hmac_sha256(std::string_view key, std::string_view data) {
  std::string out(32, '\0');
  unsigned int len = 0;
  static const unsigned char empty = 0;
  const void* kp = key.empty() ? static_cast<const void*>(&empty) : key.data();
  if (HMAC(detail::md_sha256(), kp, static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(),
           reinterpret_cast<unsigned char*>(out.data()), &len) == nullptr ||
      len != 32) {
    std::abort();
  }
  return out;
}
}  // namespace authplane::crypto
