// Client secrets as keyed hashes: "hs256$" + base64url(HMAC-SHA256(pepper, secret)).
//   hmac_client_secrets s{pepper};
//   auto g = s.generate();   // g.secret to the operator once, g.hash to the store
//   s.verify(presented, stored_hash);   // constant time
// Secrets are 256 random bits, so a fast keyed hash is as strong as a slow one here, and it
// keeps client authentication in microseconds on every token request.
#pragma once
#include <string>

#include "authplane/ports/services.hpp"

namespace authplane::services {
class hmac_client_secrets final : public ports::client_secrets {
 public:
  explicit hmac_client_secrets(std::string pepper) : pepper_(std::move(pepper)) {}
  generated generate() override;
  bool verify(std::string_view secret, std::string_view stored_hash) const override;
  std::string hash(std::string_view secret) const;

 private:
  std::string pepper_;
};
}  // namespace authplane::services
