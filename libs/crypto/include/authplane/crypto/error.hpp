// Error codes of authplane_crypto, registered as the "authplane.crypto" error category.
//   result<private_key> k = private_key::from_pem(text);
//   if (!k && k.error() == crypto::errc::bad_pem) { ... }
// The enum is closed: callers may switch over it exhaustively.
#pragma once
#include <boost/system/error_code.hpp>

#include <type_traits>

namespace authplane::crypto {

enum class errc {
  bad_pem = 1,              // PEM text could not be decoded (or was encrypted / too large)
  unsupported_key,          // key type or curve outside EC P-256/384/521, RSA, Ed25519
  key_too_small,            // RSA modulus shorter than 2048 bits
  key_too_large,            // RSA modulus longer than 16384 bits (DoS guard)
  bad_key_encoding,         // raw key components invalid (wrong length, point not on curve)
  unsupported_alg,          // algorithm name is not one of the JWS algorithms we implement
  alg_key_mismatch,         // the algorithm does not fit the key (e.g. ES384 with a P-256 key)
  key_generation_failed,    // OpenSSL could not generate a key
  sign_failed,              // OpenSSL failed to produce a signature
  bad_signature_length,     // signature has the wrong length for the key and algorithm
  signature_invalid,        // signature does not verify
  empty_key,                // a default-constructed (empty) key was used
};

const boost::system::error_category& crypto_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), crypto_category()};
}

}  // namespace authplane::crypto

namespace boost::system {
template <>
struct is_error_code_enum<authplane::crypto::errc> : std::true_type {};
}  // namespace boost::system
