// The closed set of OAuth wire errors AuthPlane emits, and the value that carries one.
//   return oauth_error{oauth_errc::invalid_scope, "requested scope exceeds ..."};
// The HTTP status is a pure function of the code. `debug` is never serialized.
#pragma once
#include <string>
#include <string_view>

namespace authplane::domain {

enum class oauth_errc {
  invalid_request,          // RFC 6749 §5.2: malformed request
  invalid_client,           // RFC 6749 §5.2: client authentication failed (401)
  invalid_grant,            // RFC 6749 §5.2: grant invalid, expired, revoked
  unauthorized_client,      // RFC 6749 §5.2: client may not use this grant
  unsupported_grant_type,   // RFC 6749 §5.2
  invalid_scope,            // RFC 6749 §5.2
  access_denied,            // RFC 6749 §4.1.2.1 (403 at the token endpoint)
  server_error,             // RFC 6749 §4.1.2.1 (500)
  temporarily_unavailable,  // RFC 6749 §4.1.2.1 (503)
  invalid_token,            // RFC 6750 §3.1 (401)
  insufficient_scope,       // RFC 6750 §3.1 (403)
  invalid_client_metadata,  // RFC 7591 §3.2.2
  invalid_redirect_uri,     // RFC 7591 §3.2.2
  invalid_dpop_proof,       // RFC 9449 §5
  use_dpop_nonce,           // RFC 9449 §8
  invalid_target,           // RFC 8707 §2
};

std::string_view to_string(oauth_errc c) noexcept;
int http_status(oauth_errc c) noexcept;

struct oauth_error {
  oauth_errc code = oauth_errc::server_error;
  std::string description;
  std::string debug;  // internal detail for logs; never reaches the wire

  int status() const noexcept { return http_status(code); }
  // Anything unexpected: server_error with a generic description.
  static oauth_error internal(std::string debug_detail = {}) {
    return {oauth_errc::server_error, "internal error", std::move(debug_detail)};
  }
};

}  // namespace authplane::domain
