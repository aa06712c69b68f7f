// Authorization-server discovery (RFC 8414): where the metadata lives, and what a usable
// metadata document must say.
//   sdk::metadata_url("https://as.example/tenant1");
//       // "https://as.example/.well-known/oauth-authorization-server/tenant1"
//   auto md = sdk::parse_metadata(doc, "https://as.example/tenant1", settings);  // validated
#pragma once
#include <authplane/core/result.hpp>
#include <authplane/sdk/fetch.hpp>
#include <authplane/sdk/keys.hpp>

#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace authplane::sdk {

// A validated RFC 8414 document. Optional endpoints are "" when absent.
struct as_metadata {
  std::string issuer;                 // equal to the configured issuer, byte for byte
  std::string jwks_uri;               // always present
  std::string token_endpoint;
  std::string introspection_endpoint;
  std::string revocation_endpoint;
  std::string registration_endpoint;
  std::vector<std::string> scopes_supported;  // string members only, in order
  boost::json::object raw;            // the whole document
};

// RFC 8414 §3.1: the well-known segment goes between the authority and the issuer's path (path
// without leading/trailing '/'; scheme and port kept; query and fragment dropped).
// errc::invalid_options when the issuer is not an absolute http(s) URL.
result<std::string> metadata_url(std::string_view issuer);

// Validates a fetched metadata document (nothing is guessed or synthesised):
//   metadata_fetch_failed      status not 2xx, or the body is not a JSON object
//   metadata_issuer_missing    "issuer" absent, empty or not a string
//   metadata_issuer_mismatch   "issuer" != expected_issuer (byte-exact: "…/" != "…")
//   metadata_endpoint_missing  "jwks_uri" absent or not a string
//   metadata_endpoint_invalid  jwks_uri, token/introspection/revocation/registration endpoint not
//                              an absolute URL with a host, or not https (http only with allow_http)
result<as_metadata> parse_metadata(const fetched_document& doc, std::string_view expected_issuer,
                                   const fetch_settings& settings);

}  // namespace authplane::sdk
