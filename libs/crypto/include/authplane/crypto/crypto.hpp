// Umbrella header for authplane_crypto: hashing, HMAC, JWS key handling over OpenSSL 3.
//   #include <authplane/crypto/crypto.hpp>
//   auto key = authplane::crypto::private_key::generate("ES256");
//   std::string digest = authplane::crypto::sha256("data");
#pragma once
#include <authplane/crypto/error.hpp>
#include <authplane/crypto/hash.hpp>
#include <authplane/crypto/keys.hpp>
