// RFC 9728 Protected Resource Metadata: the document and where it is served.
//   sdk::prm_path("https://mcp.example/mcp")  == "/.well-known/oauth-protected-resource/mcp"
//   sdk::prm_url("https://mcp.example/mcp/")  == "https://mcp.example/.well-known/oauth-protected-resource/mcp"
//   std::string body = sdk::prm_json(opts);     // serialized build_prm(opts)
#pragma once
#include <authplane/sdk/options.hpp>

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

namespace authplane::sdk {

// Members in this order: resource, authorization_servers [issuer], scopes_supported (always,
// scopes then extra_scopes_supported, duplicates removed), bearer_methods_supported ["header"],
// resource_name (when set), and with DPoP on: dpop_signing_alg_values_supported,
// dpop_bound_access_tokens_required (true/false).
boost::json::object build_prm(const options& o);
std::string prm_json(const options& o);

// "/.well-known/oauth-protected-resource" + the resource path with leading and trailing '/'
// removed (query and fragment dropped); the bare well-known path when the resource has no path.
std::string prm_path(std::string_view resource_url);
// scheme://authority + prm_path(resource_url): the value of resource_metadata="…".
std::string prm_url(std::string_view resource_url);
// scheme://authority of an absolute URL (empty when not absolute).
std::string url_origin(std::string_view url);

}  // namespace authplane::sdk
