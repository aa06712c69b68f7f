#include "authplane/services/secrets.hpp"

#include "authplane/core/base64url.hpp"
#include "authplane/core/constant_time.hpp"
#include "authplane/core/random.hpp"
#include "authplane/crypto/crypto.hpp"

namespace authplane::services {

std::string hmac_client_secrets::hash(std::string_view secret) const {
  return "hs256$" + base64url_encode(crypto::hmac_sha256(pepper_, secret));
}

ports::client_secrets::generated hmac_client_secrets::generate() {
  generated g;
  g.secret = random_token(32);
  g.hash = hash(g.secret);
  return g;
}

bool hmac_client_secrets::verify(std::string_view secret, std::string_view stored_hash) const {
  if (stored_hash.empty()) return false;
  // Always compute the MAC, so the time does not tell whether the client has a secret.
  return constant_time_equal(hash(secret), stored_hash);
}
}  // namespace authplane::services
