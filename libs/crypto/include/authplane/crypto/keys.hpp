// Asymmetric keys for JWS: EC P-256/384/521, RSA (>= 2048 bits) and Ed25519.
//   auto k = crypto::private_key::generate("ES256");          // or from_pem(text)
//   auto sig = k->sign("ES256", signing_input);                // raw R||S for ECDSA
//   auto ok = k->public_part().verify("ES256", signing_input, *sig);
// Keys are immutable handles to shared state: copying is cheap (one shared_ptr), and one key
// may be used from many threads at once for signing and verification.
#pragma once
#include <authplane/core/result.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace authplane::crypto {

enum class key_type {
  none,     // empty (default-constructed) key
  ec_p256,  // NIST P-256 (JWS ES256)
  ec_p384,  // NIST P-384 (JWS ES384)
  ec_p521,  // NIST P-521 (JWS ES512)
  rsa,      // RSA, any supported size (JWS RS*/PS*)
  ed25519,  // Ed25519 (JWS EdDSA)
};

// True when `alg` (a JWS "alg" name) can be used with a key of type `t`.
bool alg_fits(std::string_view alg, key_type t) noexcept;

class public_key {
 public:
  public_key() = default;  // empty; every operation on it fails with errc::empty_key

  // SubjectPublicKeyInfo PEM ("BEGIN PUBLIC KEY").
  static result<public_key> from_pem(std::string_view pem);
  // Raw big-endian coordinates, each exactly the curve's field size (32/48/66 bytes).
  static result<public_key> from_ec(key_type curve, std::string_view x, std::string_view y);
  // Raw big-endian modulus and public exponent (exponent must be odd, >= 3, <= 2^32).
  static result<public_key> from_rsa(std::string_view n, std::string_view e);
  // The 32-byte Ed25519 public key.
  static result<public_key> from_ed25519(std::string_view x);

  explicit operator bool() const noexcept { return impl_ != nullptr; }
  key_type type() const noexcept;
  // RSA modulus bits, curve bits for EC (256/384/521), 253 for Ed25519, 0 when empty.
  int bits() const noexcept;

  // Raw public components (big-endian, EC coordinates padded to the field size); empty when
  // the component does not apply to this key type.
  const std::string& ec_x() const noexcept;
  const std::string& ec_y() const noexcept;
  const std::string& rsa_n() const noexcept;
  const std::string& rsa_e() const noexcept;
  const std::string& okp_x() const noexcept;

  std::string to_pem() const;

  // Verifies a JWS signature (RFC 7518 §3): for ECDSA the raw R||S of exactly twice the field
  // size, for RSA exactly the modulus length, for Ed25519 64 bytes.
  // Errors: unsupported_alg, alg_key_mismatch, bad_signature_length, signature_invalid.
  result<void> verify(std::string_view alg, std::string_view data,
                      std::string_view jws_signature) const;

  struct impl;

 private:
  friend class private_key;
  explicit public_key(std::shared_ptr<const impl> p) : impl_(std::move(p)) {}
  std::shared_ptr<const impl> impl_;
};

class private_key {
 public:
  // "ES256" (P-256), "ES384" (P-384), "ES512" (P-521), "RS*"/"PS*" (RSA-2048), "EdDSA" (Ed25519).
  static result<private_key> generate(std::string_view alg);
  // Unencrypted PKCS#8 ("BEGIN PRIVATE KEY"), or the traditional RSA/EC PEM forms.
  static result<private_key> from_pem(std::string_view pem);

  key_type type() const noexcept;
  int bits() const noexcept;
  // Unencrypted PKCS#8 PEM. Treat the result as a secret.
  std::string to_pem() const;
  // The JWS signature bytes over `data` (RFC 7518 §3); ECDSA gives raw R||S, not DER.
  result<std::string> sign(std::string_view alg, std::string_view data) const;
  const public_key& public_part() const noexcept;

  struct impl;

 private:
  explicit private_key(std::shared_ptr<const impl> p) : impl_(std::move(p)) {}
  static result<private_key> make(void* evp_pkey);  // takes ownership
  std::shared_ptr<const impl> impl_;
};

}  // namespace authplane::crypto
