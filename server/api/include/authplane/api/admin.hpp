// Admin REST API (the :9001 port): clients, resources, users, keys, tokens, audit, stats, system.
// Every route under /admin/ requires `Authorization: Bearer <api_key>` (constant-time compare);
// errors other than 401 are application/problem+json. Each mutation writes an audit event
// (best-effort: a failed audit write never fails the request).
//
//   api::admin_deps deps{.clients = cs, .resources = rs, /* ... */ .api_key = cfg.admin_key};
//   http::router admin;
//   api::register_admin_routes(admin, deps);   // deps must outlive the router
//   srv.listen("127.0.0.1", 9001, admin);
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include "authplane/core/clock.hpp"
#include "authplane/http/server.hpp"
#include "authplane/ports/services.hpp"
#include "authplane/ports/stores.hpp"

namespace authplane::api {

struct admin_deps {
  ports::client_store& clients;
  ports::resource_store& resources;
  ports::issuance_store& issuances;
  ports::audit_store& audit;
  ports::health_store& health;
  ports::settings_store& settings;
  ports::client_secrets& secrets;
  ports::key_manager& keys;
  const clock& clk;
  std::string api_key;                // empty => every request 401 "admin API key not configured"
  std::string version;                // e.g. "0.1.0"
  std::string sanitized_config_json;  // GET /admin/system/config body, pre-rendered by the composition root
  std::string storage_driver = "sqlite";
  std::int64_t started_at = 0;        // unix seconds, for uptime
  std::int64_t audit_default_lookback = 24 * 3600;
  std::int64_t audit_max_lookback = 720 * 3600;
  std::function<void()> on_resources_changed;  // optional: lets the public side refresh caches
  std::function<void()> on_clients_changed;    // optional
  // /admin/users is served only when both are set (a build without interactive sign-in has none).
  ports::user_store* users = nullptr;
  ports::password_hasher* passwords = nullptr;
  // /admin/grants/consent (and /admin/users/{id}/grants when `users` is set too) are served only
  // when this is set.
  ports::consent_admin_store* consents = nullptr;
};

// Registers every /admin/* route on `r`, plus a middleware that answers 401 for any /admin/*
// request without a valid key (so unknown admin paths do not reveal 404 vs 405 to anonymous
// callers). Paths outside /admin/ are left alone. Handlers run synchronously on the calling
// thread; the stores must be thread-safe (they are, per ports/stores.hpp).
void register_admin_routes(http::router& r, admin_deps& deps);

}  // namespace authplane::api
