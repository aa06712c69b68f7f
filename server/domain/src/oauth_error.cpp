#include "authplane/domain/oauth_error.hpp"

namespace authplane::domain {

std::string_view to_string(oauth_errc c) noexcept {
  switch (c) {
    case oauth_errc::invalid_request: return "invalid_request";
    case oauth_errc::invalid_client: return "invalid_client";
    case oauth_errc::invalid_grant: return "invalid_grant";
    case oauth_errc::unauthorized_client: return "unauthorized_client";
    case oauth_errc::unsupported_grant_type: return "unsupported_grant_type";
    case oauth_errc::invalid_scope: return "invalid_scope";
    case oauth_errc::access_denied: return "access_denied";
    case oauth_errc::server_error: return "server_error";
    case oauth_errc::temporarily_unavailable: return "temporarily_unavailable";
    case oauth_errc::invalid_token: return "invalid_token";
    case oauth_errc::insufficient_scope: return "insufficient_scope";
    case oauth_errc::invalid_client_metadata: return "invalid_client_metadata";
    case oauth_errc::invalid_redirect_uri: return "invalid_redirect_uri";
    case oauth_errc::invalid_dpop_proof: return "invalid_dpop_proof";
    case oauth_errc::use_dpop_nonce: return "use_dpop_nonce";
    case oauth_errc::invalid_target: return "invalid_target";
  }
  return "server_error";
}

int http_status(oauth_errc c) noexcept {
  switch (c) {
    case oauth_errc::invalid_client:
    case oauth_errc::invalid_token: return 401;
    case oauth_errc::access_denied:
    case oauth_errc::insufficient_scope: return 403;
    case oauth_errc::server_error: return 500;
    case oauth_errc::temporarily_unavailable: return 503;
    default: return 400;
  }
}
}  // namespace authplane::domain
