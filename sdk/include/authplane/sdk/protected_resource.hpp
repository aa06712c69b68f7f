// One protected resource wired to its issuer over the network: discovery (RFC 8414), the JWKS,
// the resource_guard, and the background refresh that keeps both documents current.
//
//   sdk::options o{.issuer = "https://as.example", .base_url = "https://mcp.example",
//                  .scopes = {"mcp:echo"}};
//   auto pr = sdk::protected_resource::create(o);   // fetches metadata, then the JWKS, once each
//   if (!pr) return fail(pr.error());               // invalid_options, metadata_*, jwks_fetch_failed
//   std::shared_ptr<sdk::resource_guard> g = (*pr)->guard();
//   router.add("POST", "/mcp", sdk::protect(g, handler));
//   router.add("GET", sdk::prm_path(g->resource()), sdk::prm_handler(g));
//   (*pr)->close();                                 // stops refresh work; the destructor does too
//
// Fetch policy: fetch_settings (fetch.hpp); without one, production settings, or dev settings
// when options.dev_mode or AUTHPLANE_DEV_MODE. Metadata is cached for metadata_refresh_seconds
// and keys for jwks_refresh_seconds (each shortened by Cache-Control/Expires); a refreshed
// metadata document is validated before it is used, and a new jwks_uri moves key fetches there.
// Thread-safe. The guard stays usable after close() (refreshes then happen only on reads).
#pragma once
#include <authplane/core/clock.hpp>
#include <authplane/core/result.hpp>
#include <authplane/sdk/discovery.hpp>
#include <authplane/sdk/fetch.hpp>
#include <authplane/sdk/guard.hpp>
#include <authplane/sdk/keys.hpp>
#include <authplane/sdk/options.hpp>
#include <authplane/sdk/replay.hpp>

#include <memory>
#include <optional>

namespace authplane::sdk {

// Seams for tests and embedders; every member is optional.
struct resource_dependencies {
  std::shared_ptr<document_fetcher> metadata_fetcher;  // default: https_document_fetcher, 128 KiB
  std::shared_ptr<document_fetcher> jwks_fetcher;      // default: https_document_fetcher, 64 KiB
  std::shared_ptr<const clock> clk;                    // default: system clock
  std::shared_ptr<replay_store> replay;                // default: see resource_guard::create
  background_runner runner;  // default: the object's own worker thread (also polls metadata)
};

class protected_resource {
 public:
  // Errors: invalid_options (see validate(); also an issuer that is not an http(s) URL),
  // metadata_issuer_missing / metadata_issuer_mismatch / metadata_endpoint_missing /
  // metadata_endpoint_invalid (the document was fetched but is unusable), metadata_fetch_failed
  // (transport, SSRF, size, status or JSON), jwks_fetch_failed (the one JWKS fetch failed).
  static result<std::unique_ptr<protected_resource>> create(options o,
                                                            std::optional<fetch_settings> fetch = std::nullopt,
                                                            resource_dependencies deps = {});
  ~protected_resource();
  protected_resource(const protected_resource&) = delete;
  protected_resource& operator=(const protected_resource&) = delete;

  std::shared_ptr<resource_guard> guard() const;
  // The current validated metadata (refetched when due; the last good one on failure).
  std::shared_ptr<const as_metadata> metadata() const;
  // Where the keys come from now (the metadata's latest jwks_uri).
  std::shared_ptr<fetching_jwks_source> keys() const;
  const fetch_settings& settings() const;

  // Stops background refresh work and joins the worker. Idempotent; never throws.
  void close() noexcept;

  struct state;  // implementation (protected_resource.cpp)

 private:
  explicit protected_resource(std::unique_ptr<state> s);
  std::unique_ptr<state> state_;
};

}  // namespace authplane::sdk
