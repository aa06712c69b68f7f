#include "authplane/crypto/error.hpp"

#include <string>

namespace authplane::crypto {
namespace {
class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "authplane.crypto"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::bad_pem: return "PEM data could not be decoded";
      case errc::unsupported_key: return "unsupported key type or curve";
      case errc::key_too_small: return "RSA key shorter than 2048 bits";
      case errc::key_too_large: return "RSA key longer than 16384 bits";
      case errc::bad_key_encoding: return "invalid key components";
      case errc::unsupported_alg: return "unsupported signature algorithm";
      case errc::alg_key_mismatch: return "algorithm does not fit the key";
      case errc::key_generation_failed: return "key generation failed";
      case errc::sign_failed: return "signing failed";
      case errc::bad_signature_length: return "signature has the wrong length";
      case errc::signature_invalid: return "signature is invalid";
      case errc::empty_key: return "empty key";
    }
    return "unknown authplane.crypto error";
  }
};
}  // namespace

const boost::system::error_category& crypto_category() noexcept {
  static const category c;
  return c;
}
}  // namespace authplane::crypto
