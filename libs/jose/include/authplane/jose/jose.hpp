// Umbrella header for authplane_jose: JWS, JWK/JWKS, JWT access tokens, DPoP proofs.
//   #include <authplane/jose/jose.hpp>
//   auto claims = authplane::jose::verify_jwt(token, keys, {jose::alg::ES256}, check);
//   auto proof = authplane::jose::validate_dpop_proof(dpop_header, opts);
#pragma once
#include <authplane/jose/alg.hpp>
#include <authplane/jose/dpop.hpp>
#include <authplane/jose/error.hpp>
#include <authplane/jose/jwk.hpp>
#include <authplane/jose/jws.hpp>
#include <authplane/jose/jwt.hpp>
