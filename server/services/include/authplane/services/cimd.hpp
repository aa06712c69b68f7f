// Client ID metadata documents (draft-ietf-oauth-client-id-metadata-document; MCP 2025-11-25):
// a client_id that is an https URL names a JSON document describing the client. We fetch it,
// validate it with the DCR rules, keep it as a client whose id is the URL
// (registration_source "cimd"), and cache the outcome.
//
//   cimd_service cimd{opts, {clients, audit, catalog, clock, fetch}};  // starts its fetch threads
//   if (auto r = cimd.cached(url)) ...          // shape errors and fresh cache hits, no I/O
//   else cimd.resolve(url, done);               // done runs on a fetch thread
//
// Threads: the fetch (synchronous, bounded by cimd.fetch_timeout) runs on `fetch_threads`
// threads owned by the service (started on the first fetch), never on the caller's thread.
// Bounds: one fetch per URL at a time (concurrent callers wait for it), at most
// `max_in_flight` URLs queued or being fetched (more → 503), at most `max_entries` cached
// outcomes, failures cached for 30 s. All methods are thread-safe.
// The fetcher (network access, SSRF policy) is injected: services never include libs/http.
#pragma once
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <variant>
#include <vector>

#include "authplane/core/clock.hpp"
#include "authplane/domain/entities.hpp"
#include "authplane/ports/cimd.hpp"
#include "authplane/ports/stores.hpp"
#include "authplane/services/catalog.hpp"
#include "authplane/services/registration.hpp"

namespace authplane::services {

inline constexpr std::size_t cimd_max_url_length = 2048;
// The reference allows 1 MB. A client document is a few hundred bytes; 64 KiB leaves room for
// long client names and ten redirect URIs while bounding what one authorize request can make
// us download.
inline constexpr std::size_t cimd_max_document_bytes = 64 * 1024;
// Lower bound of a cached document's lifetime whatever its headers say (no-store, max-age=0,
// an Expires in the past): one fetch per URL per minute at most. cimd.cache_ttl wins when it
// is shorter.
inline constexpr std::int64_t cimd_min_cache_seconds = 60;
inline constexpr std::int64_t cimd_failure_cache_seconds = 30;  // negative cache
inline constexpr int cimd_busy_retry_after = 5;                 // Retry-After of the 503 page

// URL shape rules for a client_id that names a document. Empty when acceptable, else the
// page message. Refused: over 2048 characters, whitespace or control characters, not an
// absolute URI, a scheme other than https (http too when !require_https), userinfo, a
// fragment, no host, no path or the path "/" (origin only), "." or ".." path segments
// (also percent-encoded).
std::string check_cimd_url(std::string_view url, bool require_https);

// One HTTP exchange as the fetcher saw it (only what the validation needs).
struct cimd_http_response {
  int status = 0;
  std::string content_type;   // Content-Type header, verbatim
  std::string cache_control;  // Cache-Control header(s), comma-joined
  std::string expires;        // Expires header
  std::string body;           // at most cimd_max_document_bytes
};
enum class cimd_fetch_error {
  blocked,      // the SSRF policy refused the host or a resolved address; nothing was connected
  timed_out,    // cimd.fetch_timeout elapsed
  too_large,    // body over cimd_max_document_bytes
  unreachable,  // DNS, connection, TLS or HTTP parse failure
};
using cimd_fetch_outcome = std::variant<cimd_http_response, cimd_fetch_error>;
// GET url with Accept: application/json, no redirects. Called on a fetch thread; must be
// thread-safe and bounded in time.
using cimd_fetcher = std::function<cimd_fetch_outcome(const std::string& url)>;

// Checks the response (status 200, media type application/json or application/client-id+json)
// and the document: a JSON object whose client_id equals `url` byte for byte, no client_secret,
// token_endpoint_auth_method absent or "none" (a document cannot hold a secret we issue),
// grant_types within authorization_code and refresh_token, then parse_registration's rules
// (client_name, redirect_uris required and valid, grants enabled, scope ceiling). Returns the
// client metadata (id and bookkeeping unset) or the page message.
std::variant<domain::client, std::string> validate_cimd_response(std::string_view url, const cimd_http_response& r,
                                                                 const registration_rules& rules);

// Seconds to cache a document fetched at `now` (RFC 9111): no-store or no-cache → floor;
// max-age=N → N (wins over Expires); else Expires − now (an unparsable Expires counts as
// already expired); else the ceiling. Always clamped to [min(60, ceiling), ceiling].
std::int64_t cimd_cache_seconds(std::string_view cache_control, std::string_view expires, std::int64_t now,
                                std::int64_t ceiling);

// IMF-fixdate (RFC 9110 §5.6.7) "Sun, 06 Nov 1994 08:49:37 GMT" → seconds since the epoch.
std::optional<std::int64_t> parse_http_date(std::string_view text);

struct cimd_options {
  bool require_https = true;                // cimd.require_https
  std::int64_t cache_ttl = 3600;            // cimd.cache_ttl, seconds: the ceiling
  std::string dcr_mode = dcr_mode::open;    // approved_redirects applies to documents too
  std::vector<std::string> approved_redirects;
  std::vector<std::string> enabled_grants;  // as for registration
  std::string default_client_scope;         // oauth.default_client_scope
  std::size_t fetch_threads = 4;
  std::size_t max_in_flight = 16;           // URLs being fetched or queued, per process
  std::size_t max_entries = 10'000;         // cached outcomes
};

struct cimd_deps {
  ports::client_store& clients;  // the client cache, so the token endpoint sees updates at once
  ports::audit_store& audit;
  const resource_catalog& catalog;
  const clock& clk;
  cimd_fetcher fetch;
};

class cimd_service final : public ports::client_metadata_documents {
 public:
  cimd_service(cimd_options opts, cimd_deps deps);
  ~cimd_service() override;  // stops and joins the fetch threads; queued callers get a 503
  cimd_service(const cimd_service&) = delete;
  cimd_service& operator=(const cimd_service&) = delete;

  std::optional<ports::cimd_result> cached(std::string_view url) override;
  void resolve(std::string url, std::function<void(ports::cimd_result)> done) override;

 private:
  struct entry {
    bool ok = false;
    ports::cimd_failure failure;  // when !ok
    std::int64_t expires = 0;
  };
  using waiter = std::function<void(ports::cimd_result)>;

  void run();
  ports::cimd_result fetch_and_store(const std::string& url, std::int64_t& lifetime);
  ports::cimd_result store(const std::string& url, domain::client doc);
  void remember(const std::string& url, entry e);

  cimd_options opts_;
  cimd_deps deps_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::unordered_map<std::string, entry> cache_;
  std::unordered_map<std::string, std::vector<waiter>> flights_;  // URL → callers waiting for it
  std::deque<std::string> queue_;
  std::vector<std::thread> threads_;
};

}  // namespace authplane::services
