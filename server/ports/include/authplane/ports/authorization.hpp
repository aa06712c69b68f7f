// The seam between the browser side of the authorization code flow (authorize, login, consent:
// server/api public pages) and the token side (codes, refresh tokens: server/services).
//   ports::code_grant g{.client_id = c.id, .user_id = u.id, .redirect_uri = uri,
//                       .code_challenge = challenge, .scope = "mcp:read", .resource = res_uri};
//   auto code = codes.issue(g);   // 43 characters; only its SHA-256 is stored; valid 10 minutes
#pragma once
#include <authplane/core/result.hpp>

#include <string>

namespace authplane::ports {

// What one authorization code is bound to (shared/reference/authserver.md §2.2, §4.1).
struct code_grant {
  std::string client_id;
  std::string user_id;
  std::string redirect_uri;      // exactly as the client sent it to /oauth/authorize
  std::string code_challenge;    // PKCE S256 challenge (the only method accepted)
  std::string scope;             // space-separated, already checked against catalog and ceiling
  std::string resource;          // canonical resource URI (RFC 8707), empty when none
  std::string consent_grant_id;  // the consent the user gave (revoking it cascades), may be empty
};

// Implemented by server/services; called by the authorize/consent pages once the user is signed
// in and has consented.
class authorization_codes {
 public:
  virtual ~authorization_codes() = default;
  // A fresh single-use code: 32 random bytes base64url (43 characters). Only SHA-256(code) is
  // stored, with the grant and an expiry 10 minutes ahead.
  virtual result<std::string> issue(const code_grant& g) = 0;
};

}  // namespace authplane::ports
