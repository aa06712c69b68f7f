#include "app.hpp"
#include "cimd_fetch.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/url/parse.hpp>
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "authplane/core/log.hpp"
#include "authplane/core/random.hpp"
#include "authplane/http/rate_limit.hpp"
#include "authplane/services/password_lane.hpp"

namespace authplane::app {
namespace fs = std::filesystem;

namespace {
std::int64_t secs(config::duration d) { return std::chrono::duration_cast<std::chrono::seconds>(d).count(); }

// The pepper keys the client-secret hashes. Configured, or generated once beside the signing
// keys (0600), so a copy of the database alone does not let anyone test guessed secrets.
std::optional<std::string> load_pepper(const config::config& cfg, std::string& error) {
  if (!cfg.client_secret_pepper.empty()) return cfg.client_secret_pepper;
  fs::path dir = cfg.signing.key_path;
  std::error_code ec;
  fs::create_directories(dir, ec);
  fs::path file = dir / "client_secret_pepper";
  if (std::ifstream in{file}; in) {
    std::stringstream ss;
    ss << in.rdbuf();
    std::string v = ss.str();
    while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.pop_back();
    if (v.size() >= 32) return v;
    error = "client secret pepper file " + file.string() + " is too short";
    return std::nullopt;
  }
  std::string pepper = random_token(32);
  fs::path tmp = file;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) {
    error = "cannot write " + tmp.string();
    return std::nullopt;
  }
  std::string line = pepper + "\n";
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), file.c_str()) != 0) {
    error = "cannot write " + file.string();
    return std::nullopt;
  }
  return pepper;
}

// session.secret: configured, or generated once beside the signing keys (0600) like the pepper,
// so sessions survive a restart. Only when that file cannot be written is the secret ephemeral.
std::string load_session_secret(const config::config& cfg) {
  if (!cfg.session.secret.empty()) return cfg.session.secret;
  fs::path file = fs::path(cfg.signing.key_path) / "session_secret";
  if (std::ifstream in{file}; in) {
    std::string v;
    std::getline(in, v);
    if (v.size() >= 32) return v;
  }
  std::string secret = random_token(32);
  fs::path tmp = file;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::string line = secret + "\n";
  bool ok = fd >= 0 && ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  if (fd >= 0) ::close(fd);
  if (!ok || ::rename(tmp.c_str(), file.c_str()) != 0) {
    log::warn("session.secret_ephemeral", {{"detail", "cannot write " + file.string() +
                                                          "; sessions end when the server restarts"}});
  }
  return secret;
}

std::string slug_from_host(const std::string& uri) {
  auto u = boost::urls::parse_uri(uri);
  std::string host = u ? std::string(u->host()) : uri;
  std::string out;
  bool dash = false;
  for (char ch : host) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c)) {
      out += static_cast<char>(std::tolower(c));
      dash = false;
    } else if (!dash && !out.empty()) {
      out += '-';
      dash = true;
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  if (out.size() > 64) out.resize(64);
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "resource" : out;
}

// Seeds resources from AUTHPLANE_RESOURCE_URI/_SCOPES and the YAML `resources:` list; an
// existing resource (same slug or URI) is left as the operator changed it.
bool seed_resources(application& a, std::string& error) {
  std::vector<domain::resource> seeds;
  if (!a.cfg.resource.uri.empty()) {
    domain::resource r;
    r.uri = a.cfg.resource.uri;
    r.slug = slug_from_host(r.uri);
    r.display_name = r.slug;
    for (const auto& s : a.cfg.resource.scopes) r.scopes.push_back({s, "", ""});
    seeds.push_back(std::move(r));
  }
  for (const auto& e : a.cfg.resources) {
    domain::resource r;
    r.slug = e.slug;
    r.uri = e.uri;
    r.display_name = e.display_name.empty() ? e.slug : e.display_name;
    for (const auto& s : e.scopes) r.scopes.push_back({s.name, s.description, ""});
    seeds.push_back(std::move(r));
  }
  for (auto& r : seeds) {
    auto by_slug = a.store->find_resource_by_slug(r.slug);
    if (!by_slug) {
      error = "seed resource " + r.slug + ": " + by_slug.error().message();
      return false;
    }
    if (*by_slug) continue;
    if (!r.uri.empty()) {
      auto by_uri = a.store->find_resources_by_uri(r.uri);
      if (by_uri && !by_uri->empty()) continue;
    }
    r.id = random_token(16);
    r.created_at = r.updated_at = a.clk.now();
    if (auto c = a.store->create_resource(r); !c) {
      error = "seed resource " + r.slug + ": " + c.error().message();
      return false;
    }
    log::info("resource.seeded", {{"slug", r.slug}, {"uri", r.uri}});
  }
  return true;
}
}  // namespace

std::optional<config::config> load_config(const std::optional<std::string>& path) {
  auto loaded = config::load(path, config::process_environment());
  if (!loaded) {
    for (const auto& w : loaded.error().warnings) std::cerr << "config warning: " << w << "\n";
    std::cerr << "config error: " << loaded.error().message << "\n";
    return std::nullopt;
  }
  for (const auto& w : loaded->warnings) std::cerr << "config warning: " << w << "\n";
  auto problems = config::validate(loaded->cfg);
  for (const auto& p : problems) std::cerr << "config error: " << p << "\n";
  if (!problems.empty()) return std::nullopt;
  return std::move(loaded->cfg);
}

std::unique_ptr<application> build(const config::config& cfg, std::string& error) {
  auto a = std::make_unique<application>();
  a->cfg = cfg;
  a->started_at = a->clk.now();
  log::level lvl = log::level::info;
  log::parse_level(cfg.log.level, lvl);
  log::configure(lvl, cfg.log.format != "text");

  if (cfg.storage.driver != "sqlite") {
    error = "storage.driver (AUTHPLANE_STORAGE_DRIVER) \"" + cfg.storage.driver + "\" is not supported by this build (use sqlite)";
    return nullptr;
  }
  storage::sqlite::options so;
  so.path = cfg.storage.sqlite.path;
  so.wal = cfg.storage.sqlite.wal;
  auto store = storage::sqlite::sqlite_store::open(so);
  if (!store) {
    error = "open database " + so.path + ": " + store.error().message();
    return nullptr;
  }
  a->store = std::move(*store);

  auto ks = storage::keyfile::keyfile_store::open({.directory = cfg.signing.key_path});
  if (!ks) {
    error = "open key directory " + cfg.signing.key_path + ": " + ks.error().message();
    return nullptr;
  }
  a->key_store = std::move(*ks);
  for (const auto& w : a->key_store->permission_warnings())
    log::warn("keys.permissions_tightened", {{"path", w}});
  a->replay = std::make_unique<storage::memory::replay_cache>(200'000);

  auto pepper = load_pepper(cfg, error);
  if (!pepper) return nullptr;
  a->secrets = std::make_unique<services::hmac_client_secrets>(*pepper);

  a->keys = std::make_unique<services::signing_keys>(*a->key_store, cfg.signing.algorithm, a->clk);
  if (auto r = a->keys->init(); !r) {
    error = "signing keys in " + cfg.signing.key_path + ": " + r.error().message();
    return nullptr;
  }
  if (!seed_resources(*a, error)) return nullptr;
  // Both caches watch the store's change counters, so edits made by the CLI in another process
  // reach this server within 10 ms.
  a->clients = std::make_unique<services::client_cache>(*a->store, a->clk, 60, 10'000, a->store.get());
  a->catalog = std::make_unique<services::resource_catalog>(*a->store, a->store.get());
  if (auto r = a->catalog->refresh(); !r) {
    error = "load resources: " + r.error().message();
    return nullptr;
  }

  services::oauth_options oo;
  oo.issuer = cfg.server.issuer;
  oo.client_credentials_enabled = cfg.client_credentials.enabled;
  oo.client_credentials_ttl = secs(cfg.client_credentials.token_expiry);
  oo.dpop_enabled = cfg.dpop.enabled;
  oo.dpop_require_nonce = cfg.dpop.require_nonce;
  oo.dpop_nonce_ttl = secs(cfg.dpop.nonce_ttl);
  oo.dpop_proof_lifetime = secs(cfg.dpop.proof_lifetime);
  oo.user_token_ttl = secs(cfg.dcr.default_token_expiry);
  oo.refresh_ttl = secs(cfg.dcr.default_refresh_expiry);
  services::oauth_deps od{*a->clients, *a->store, *a->store, *a->secrets, *a->replay, *a->catalog, *a->keys, a->clk};
  od.codes = a->store.get();
  od.refresh = a->store.get();
  od.users = a->store.get();
  a->oauth = std::make_unique<services::oauth_service>(oo, od);
  a->codes = std::make_unique<services::code_issuer>(*a->store, a->clk);

  services::discovery_options dopt;
  dopt.issuer = cfg.server.issuer;
  dopt.grant_types = a->oauth->grant_types();
  dopt.dpop = cfg.dpop.enabled;
  services::registration_options ropt;
  ropt.mode = cfg.dcr.mode;
  ropt.approved_redirects = cfg.dcr.approved_redirects;
  ropt.enabled_grants = a->oauth->grant_types();
  ropt.default_client_scope = cfg.oauth.default_client_scope;
  a->dcr = std::make_unique<services::registration>(
      ropt, services::registration_deps{*a->clients, *a->secrets, *a->store, *a->catalog, a->clk});
  dopt.registration = a->dcr->served();  // admin_only: the endpoint only answers 403
  // Client ID metadata documents: served unless cimd.enabled=false or dcr.mode=admin_only.
  if (cfg.cimd.enabled && a->dcr->served()) {
    services::cimd_options copt;
    copt.require_https = cfg.cimd.require_https;
    copt.cache_ttl = std::max<std::int64_t>(1, secs(cfg.cimd.cache_ttl));
    copt.dcr_mode = cfg.dcr.mode;
    copt.approved_redirects = cfg.dcr.approved_redirects;
    copt.enabled_grants = a->oauth->grant_types();
    copt.default_client_scope = cfg.oauth.default_client_scope;
    a->cimd = std::make_unique<services::cimd_service>(
        copt, services::cimd_deps{*a->clients, *a->store, *a->catalog, a->clk, make_cimd_fetcher(cfg.cimd)});
  }
  dopt.cimd = a->cimd != nullptr;
  a->disc = std::make_unique<services::discovery>(dopt, *a->catalog, *a->keys);

  a->pub = std::make_unique<api::public_deps>(api::public_deps{*a->oauth, *a->oauth, *a->disc, *a->store, a->clk});
  a->pub->hsts = cfg.session.secure;
  a->pub->registration = a->dcr.get();
  if (cfg.rate_limit.enabled)
    a->pub->registration_limiter = std::make_shared<http::rate_limiter>(
        static_cast<double>(cfg.dcr.rate_limit), static_cast<double>(cfg.dcr.rate_limit_burst),
        static_cast<std::size_t>(cfg.rate_limit.max_tracked_identities));
  a->public_router.use(api::security_headers_middleware(cfg.session.secure));
  if (!cfg.server.allowed_origins.empty()) a->public_router.use(api::cors_middleware(cfg.server.allowed_origins));
  if (cfg.rate_limit.enabled) {
    auto limiter = std::make_shared<http::rate_limiter>(cfg.rate_limit.rps, static_cast<double>(cfg.rate_limit.burst),
                                                        static_cast<std::size_t>(cfg.rate_limit.max_tracked_identities));
    a->public_router.use(http::rate_limit_middleware(limiter));
  }
  api::register_public_routes(a->public_router, *a->pub);

  a->admin = std::make_unique<api::admin_deps>(api::admin_deps{*a->clients, *a->store, *a->store, *a->store, *a->store,
                                                               *a->store, *a->secrets, *a->keys, a->clk});
  a->admin->api_key = cfg.admin.api_key;
  a->admin->version = AUTHPLANE_VERSION;
  a->admin->sanitized_config_json = config::sanitized_json(cfg);
  a->admin->storage_driver = cfg.storage.driver;
  a->admin->started_at = a->started_at;
  a->admin->audit_default_lookback = secs(cfg.admin.audit_default_lookback);
  a->admin->audit_max_lookback = secs(cfg.admin.audit_max_lookback);
  a->passwords = std::make_unique<services::argon2id_passwords>();
  a->admin->users = a->store.get();
  a->admin->consents = a->store.get();
  a->admin->passwords = a->passwords.get();
  auto* catalog = a->catalog.get();
  a->admin->on_resources_changed = [catalog] {
    if (auto r = catalog->refresh(); !r) log::error("catalog.refresh_failed", {{"error", r.error().message()}});
  };
  api::register_admin_routes(a->admin_router, *a->admin);

  // Browser pages (login, logout, authorize, consent) on the public port.
  a->sessions = std::make_unique<services::hmac_browser_sessions>(load_session_secret(cfg));
  a->lockout = std::make_unique<services::login_lockout>(services::lockout_options{
      cfg.rate_limit.auth_fail_max, secs(cfg.rate_limit.auth_fail_window), secs(cfg.rate_limit.auth_lockout),
      static_cast<std::size_t>(cfg.rate_limit.max_tracked_identities)});
  a->pending = std::make_unique<storage::memory::pending_authorizations>(secs(cfg.oauth.state_max_age));
  a->browser = std::make_unique<api::browser_deps>(api::browser_deps{
      *a->clients, *a->store, *a->store, *a->store, *a->passwords, *a->sessions, *a->lockout, *a->pending, *a->codes, a->clk});
  a->browser->issuer = cfg.server.issuer;
  a->browser->cookie_name = cfg.session.cookie_name;
  a->browser->session_max_age = secs(cfg.session.max_age);
  a->browser->secure_cookies = cfg.session.secure || cfg.server.issuer.starts_with("https://");
  a->browser->same_site = cfg.session.same_site;
  a->browser->fail_closed = cfg.session.fail_closed;
  a->browser->require_scope = cfg.oauth.require_scope;
  a->browser->cimd = a->cimd.get();
  // Sign-in password checks (Argon2id) run on a bounded lane of their own, never on the I/O
  // threads, so a login flood cannot starve the token endpoint. Owned by browser_deps.
  auto lane = std::make_shared<services::password_lane>(services::password_lane_options{
      .workers = services::password_lane::default_workers(), .max_queued = 64});
  a->browser->password_lane = [lane](std::function<void()> job) { return lane->try_post(std::move(job)); };
  api::register_browser_routes(a->public_router, *a->browser);
  return a;
}

int serve(application& a) {
  const auto& cfg = a.cfg;
  http::server_options so;
  so.read_timeout = cfg.server.read_timeout;
  so.write_timeout = cfg.server.write_timeout;
  so.idle_timeout = cfg.server.idle_timeout;
  so.shutdown_wait = cfg.server.shutdown_wait;
  http::server srv(so);
  try {
    auto [host, port] = http::split_host_port(cfg.server.address);
    auto bound = srv.listen(host, port, a.public_router);
    log::info("listening", {{"port", "public"}, {"address", host + ":" + std::to_string(bound)}});
    if (cfg.admin.enabled) {
      auto [ahost, aport] = http::split_host_port(cfg.admin.address);
      auto abound = srv.listen(ahost, aport, a.admin_router);
      log::info("listening", {{"port", "admin"}, {"address", ahost + ":" + std::to_string(abound)}});
      if (cfg.admin.api_key.empty())
        log::warn("admin.api_key_missing", {{"detail", "AUTHPLANE_ADMIN_API_KEY is not set: every admin request is refused"}});
    }
  } catch (const std::exception& e) {
    std::cerr << "authserver: " << e.what() << "\n";
    return 1;
  }
  log::info("authserver.started", {{"issuer", cfg.server.issuer}, {"version", AUTHPLANE_VERSION}});
  if (cfg.dcr.mode == services::dcr_mode::open)
    log::warn("dcr.open", {{"detail", "dynamic client registration is open to anyone (dcr.mode=open); MCP 2026-07-28 "
                                      "deprecates DCR in favour of client ID metadata documents"}});
  srv.run();
  log::info("authserver.stopped");
  return 0;
}
}  // namespace authplane::app
