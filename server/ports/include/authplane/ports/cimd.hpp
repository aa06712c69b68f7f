// Input port: client ID metadata documents (CIMD). GET /oauth/authorize hands a URL-shaped
// client_id here; the implementation (server/services/cimd.hpp) fetches the document the URL
// names, validates it and keeps it as a client whose id is the URL.
//
//   if (auto now = cimd.cached(url)) use(*now);              // no I/O thread hop
//   else cimd.resolve(url, [](ports::cimd_result r) { ... });  // answered from another thread
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "authplane/domain/entities.hpp"

namespace authplane::ports {

// Why a URL-shaped client_id was not accepted. Rendered as an HTML error page, never as a
// redirect (the redirect URI cannot be trusted before the client is known).
struct cimd_failure {
  int status = 400;                      // 400, or 503 when too many fetches are in flight
  std::string title = "Invalid Client";  // page title
  std::string message;                   // short, specific, safe to show
  int retry_after = 0;                   // seconds (Retry-After) with 503; 0 = none
};

using cimd_result = std::variant<domain::client, cimd_failure>;

class client_metadata_documents {
 public:
  virtual ~client_metadata_documents() = default;
  // The answer when it needs no network: a URL that fails the shape rules, a fresh cached
  // document (the stored client is returned) or a cached failure. nullopt: call resolve().
  virtual std::optional<cimd_result> cached(std::string_view url) = 0;
  // Fetches (or joins the fetch already running for the same URL) and calls `done` exactly
  // once, from a thread of the implementation or from the caller's when no fetch is possible.
  virtual void resolve(std::string url, std::function<void(cimd_result)> done) = 0;
};

// http:// or https:// prefix: the client_id names a metadata document.
inline bool is_url_client_id(std::string_view id) {
  return id.starts_with("https://") || id.starts_with("http://");
}

}  // namespace authplane::ports
