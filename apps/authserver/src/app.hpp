// Composition root: builds the concrete stores, services and routers from a validated config.
#pragma once
#include <memory>
#include <string>

#include "authplane/api/admin.hpp"
#include "authplane/api/browser.hpp"
#include "authplane/api/public.hpp"
#include "authplane/config/config.hpp"
#include "authplane/core/clock.hpp"
#include "authplane/http/server.hpp"
#include "authplane/services/browser_sessions.hpp"
#include "authplane/services/catalog.hpp"
#include "authplane/services/cimd.hpp"
#include "authplane/services/client_cache.hpp"
#include "authplane/services/codes.hpp"
#include "authplane/services/discovery.hpp"
#include "authplane/services/keys.hpp"
#include "authplane/services/oauth.hpp"
#include "authplane/services/registration.hpp"
#include "authplane/services/passwords.hpp"
#include "authplane/services/secrets.hpp"
#include "authplane/storage/keyfile/keyfile_store.hpp"
#include "authplane/storage/memory/pending_authorizations.hpp"
#include "authplane/storage/memory/replay_cache.hpp"
#include "authplane/storage/sqlite/sqlite_store.hpp"

namespace authplane::app {

struct application {
  config::config cfg;
  system_clock clk;
  std::int64_t started_at = 0;
  std::unique_ptr<storage::sqlite::sqlite_store> store;
  std::unique_ptr<storage::keyfile::keyfile_store> key_store;
  std::unique_ptr<storage::memory::replay_cache> replay;
  std::unique_ptr<services::client_cache> clients;  // the store behind a short-lived cache
  std::unique_ptr<services::hmac_client_secrets> secrets;
  std::unique_ptr<services::argon2id_passwords> passwords;
  std::unique_ptr<services::signing_keys> keys;
  std::unique_ptr<services::resource_catalog> catalog;
  std::unique_ptr<services::oauth_service> oauth;
  std::unique_ptr<services::code_issuer> codes;  // ports::authorization_codes for the browser pages
  std::unique_ptr<services::discovery> disc;
  std::unique_ptr<services::registration> dcr;  // POST /oauth/register (RFC 7591)
  std::unique_ptr<api::admin_deps> admin;
  std::unique_ptr<api::public_deps> pub;
  // Browser pages: /login, /logout, /oauth/authorize, /consent.
  std::unique_ptr<services::hmac_browser_sessions> sessions;
  std::unique_ptr<services::login_lockout> lockout;
  std::unique_ptr<storage::memory::pending_authorizations> pending;
  std::unique_ptr<api::browser_deps> browser;
  http::router public_router;
  http::router admin_router;
  // Client ID metadata documents; null when not served. Declared last so its fetch threads are
  // joined before anything they use is destroyed.
  std::unique_ptr<services::cimd_service> cimd;
};

// Opens storage (running migrations), loads or creates the signing key, seeds resources and
// wires the routers. On failure returns one line for the operator.
std::unique_ptr<application> build(const config::config& cfg, std::string& error);

// Runs both listeners until SIGINT/SIGTERM. Returns the process exit code.
int serve(application& app);

// Loads and validates configuration; prints problems to stderr. nullopt = refuse to start.
std::optional<config::config> load_config(const std::optional<std::string>& path);

}  // namespace authplane::app
