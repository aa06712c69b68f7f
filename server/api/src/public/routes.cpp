#include <boost/json.hpp>

#include <cctype>
#include <ctime>

#include "authplane/api/public.hpp"
#include "authplane/core/base64url.hpp"

namespace authplane::api {
namespace json = boost::json;
using domain::oauth_errc;
using domain::oauth_error;

namespace {
constexpr std::string_view kPrmPrefix = "/.well-known/oauth-protected-resource";

std::string rfc3339(std::int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  ::gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

http::response cached_json(std::string body) {
  auto r = http::response::json(200, std::move(body));
  r.set_header("Cache-Control", "public, max-age=3600");
  return r;
}

// RFC 6749 §2.3.1: client_id and client_secret are form-encoded before Basic encoding.
ports::presented_client read_client_auth(const http::request& req) {
  ports::presented_client out;
  auto h = req.headers.get("Authorization");
  if (!h) return out;
  std::string_view v = *h;
  if (v.size() < 6 || !http::iequals(v.substr(0, 6), "Basic ")) return out;
  v.remove_prefix(6);
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  auto raw = base64_decode(v);
  if (!raw) {
    out.basic_malformed = true;
    return out;
  }
  auto colon = raw->find(':');
  if (colon == std::string::npos) {
    out.basic_malformed = true;
    return out;
  }
  auto id = http::url_decode(std::string_view(*raw).substr(0, colon));
  auto secret = http::url_decode(std::string_view(*raw).substr(colon + 1));
  if (!id || !secret) {
    out.basic_malformed = true;
    return out;
  }
  out.basic = std::make_pair(std::move(*id), std::move(*secret));
  return out;
}

// Content-Type names `type` (parameters such as charset ignored).
bool is_media_type(const http::request& req, std::string_view type) {
  auto ct = req.headers.get("Content-Type");
  if (!ct) return false;
  std::string_view v = *ct;
  if (auto semi = v.find(';'); semi != std::string_view::npos) v = v.substr(0, semi);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  return http::iequals(v, type);
}

bool is_form(const http::request& req) {
  auto ct = req.headers.get("Content-Type");
  if (!ct) return false;
  std::string_view v = *ct;
  auto semi = v.find(';');
  if (semi != std::string_view::npos) v = v.substr(0, semi);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  return http::iequals(v, "application/x-www-form-urlencoded");
}

// Shared front half of token/introspect/revoke: content type, size, form parsing.
std::optional<oauth_error> read_form(const http::request& req, std::size_t max, ports::form_params& out) {
  if (req.body.size() > max) return oauth_error{oauth_errc::invalid_request, "request body too large", {}};
  if (!is_form(req))
    return oauth_error{oauth_errc::invalid_request, "content type must be application/x-www-form-urlencoded", {}};
  auto form = http::parse_form(req.body);
  if (!form) return oauth_error{oauth_errc::invalid_request, "malformed form body", {}};
  out = std::move(*form);
  return std::nullopt;
}

http::response render(ports::token_outcome&& o, bool token_endpoint, bool plain_json) {
  http::response r;
  std::string nonce;
  if (auto* ok = std::get_if<ports::endpoint_reply>(&o)) {
    r = ok->body.empty() ? http::response::empty(200) : http::response::json(200, std::move(ok->body));
    nonce = std::move(ok->dpop_nonce);
  } else {
    auto& f = std::get<ports::endpoint_failure>(o);
    r = oauth_error_response(f.error, plain_json);
    nonce = std::move(f.dpop_nonce);
  }
  if (token_endpoint) {
    r.set_header("Cache-Control", "no-store");
    r.set_header("Pragma", "no-cache");
  }
  if (!nonce.empty()) r.set_header("DPoP-Nonce", std::move(nonce));
  return r;
}

bool cors_path(std::string_view p) {
  return p == "/oauth/token" || p == "/oauth/register" || p == "/oauth/revoke" || p == "/oauth/introspect" ||
         p.starts_with("/.well-known/");
}
}  // namespace

bool prefers_plain_json(const http::request& req) {
  auto accept = req.headers.get("Accept");
  if (!accept) return false;
  std::string a(*accept);
  for (auto& c : a) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return a.find("application/json") != std::string::npos && a.find("application/problem+json") == std::string::npos;
}

http::response oauth_error_response(const oauth_error& e, bool plain_json) {
  const int status = e.status();
  const std::string code(domain::to_string(e.code));
  json::object body;
  body["error"] = code;
  body["error_description"] = e.description;
  body["type"] = "https://docs.authplane.ai/errors/" + code;
  body["title"] = std::string(http::status_text(status));
  body["detail"] = e.description;
  body["status"] = status;
  auto r = http::response::json(status, json::serialize(body));
  if (!plain_json) r.set_header("Content-Type", "application/problem+json");
  if (e.code == oauth_errc::invalid_client) r.set_header("WWW-Authenticate", "Basic realm=\"authserver\"");
  return r;
}

http::router::middleware security_headers_middleware(bool hsts) {
  return [hsts](http::request& req, http::responder done, const http::handler& next) {
    next(req, http::responder([hsts, done = std::make_shared<http::responder>(std::move(done))](http::response&& r) {
      r.set_header("X-Content-Type-Options", "nosniff");
      r.set_header("X-Frame-Options", "DENY");
      r.set_header("Referrer-Policy", "no-referrer");
      r.set_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
      if (hsts) r.set_header("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
      (*done)(std::move(r));
    }));
  };
}

http::router::middleware cors_middleware(std::vector<std::string> origins) {
  // CORS (reference §10): only when origins are configured, only for the endpoints browsers call.
  // Every answer on those paths carries `Vary: Origin` (with or without a matching Origin), so a
  // shared cache never hands the publicly cacheable metadata of one origin's request to another.
  // The well-known documents also allow `MCP-Protocol-Version`, which the MCP TS SDK sends on every
  // metadata request (browser MCP clients preflight it).
  return [origins = std::move(origins)](http::request& req, http::responder done, const http::handler& next) {
    if (!cors_path(req.path)) {
      next(req, std::move(done));
      return;
    }
    auto origin = req.headers.get("Origin");
    std::string allow;
    if (origin) {
      for (const auto& o : origins)
        if (o == "*" || o == *origin) allow = (o == "*") ? "*" : std::string(*origin);
    }
    if (allow.empty()) {
      next(req, http::responder([done = std::make_shared<http::responder>(std::move(done))](http::response&& resp) {
        resp.set_header("Vary", "Origin");
        (*done)(std::move(resp));
      }));
      return;
    }
    if (req.method == "OPTIONS") {
      auto resp = http::response::empty(204);
      resp.set_header("Access-Control-Allow-Origin", allow);
      resp.set_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
      resp.set_header("Access-Control-Allow-Headers", req.path.starts_with("/.well-known/")
                                                          ? "Content-Type, Authorization, DPoP, MCP-Protocol-Version"
                                                          : "Content-Type, Authorization, DPoP");
      resp.set_header("Access-Control-Max-Age", "86400");
      resp.set_header("Vary", "Origin");
      done(std::move(resp));
      return;
    }
    next(req, http::responder([allow, done = std::make_shared<http::responder>(std::move(done))](http::response&& resp) {
      resp.set_header("Access-Control-Allow-Origin", allow);
      resp.set_header("Access-Control-Expose-Headers", "DPoP-Nonce, WWW-Authenticate");
      resp.set_header("Vary", "Origin");
      (*done)(std::move(resp));
    }));
  };
}

void register_public_routes(http::router& r, public_deps& d) {
  // RFC 9728 §3.1: /.well-known/oauth-protected-resource{/path-of-the-resource-identifier}.
  r.use([&d](http::request& req, http::responder done, const http::handler& next) {
    if (req.method != "GET" || !req.path.starts_with(kPrmPrefix) ||
        (req.path.size() > kPrmPrefix.size() && req.path[kPrmPrefix.size()] != '/')) {
      next(req, std::move(done));
      return;
    }
    std::string_view ref = std::string_view(req.path).substr(kPrmPrefix.size());
    if (!ref.empty()) ref.remove_prefix(1);
    auto doc = d.discovery.protected_resource_metadata(ref);
    if (!doc) {
      done(http::response::json(404, R"({"error":"not_found","error_description":"no protected resource at this path"})"));
      return;
    }
    done(cached_json(std::move(*doc)));
  });

  auto metadata = [&d](http::request&, http::responder done) { done(cached_json(d.discovery.authorization_server_metadata())); };
  r.add("GET", "/.well-known/oauth-authorization-server", metadata);
  r.add("GET", "/.well-known/openid-configuration", metadata);
  r.add("GET", "/.well-known/jwks.json", [&d](http::request&, http::responder done) { done(cached_json(d.discovery.jwks())); });

  r.add("GET", "/livez", [](http::request&, http::responder done) { done(http::response::json(200, R"({"status":"ok"})")); });
  auto health = [&d](bool ready) {
    return [&d, ready](http::request&, http::responder done) {
      bool db_ok = static_cast<bool>(d.health.ping());
      json::object o;
      o["status"] = ready ? (db_ok ? "ready" : "not_ready") : (db_ok ? "ok" : "degraded");
      o["time"] = rfc3339(d.clk.now());
      o["db"] = db_ok ? "ok" : "error";
      auto resp = http::response::json(db_ok ? 200 : 503, json::serialize(o));
      resp.set_header("Cache-Control", "no-store");
      done(std::move(resp));
    };
  };
  r.add("GET", "/health", health(false));
  r.add("GET", "/ready", health(true));

  r.add("POST", "/oauth/token", [&d](http::request& req, http::responder done) {
    ports::token_request tr;
    if (auto err = read_form(req, d.max_form_bytes, tr.form)) {
      done(render(ports::endpoint_failure{std::move(*err), {}}, true, prefers_plain_json(req)));
      return;
    }
    tr.auth = read_client_auth(req);
    for (const auto& [k, v] : req.headers.items)
      if (http::iequals(k, "DPoP")) tr.dpop.push_back(v);
    tr.remote_ip = req.remote_ip;
    d.tokens.token(std::move(tr), [plain = prefers_plain_json(req), done = std::make_shared<http::responder>(std::move(done))](
                                      ports::token_outcome o) { (*done)(render(std::move(o), true, plain)); });
  });

  auto admin_endpoint = [&d](bool introspect) {
    return [&d, introspect](http::request& req, http::responder done) {
      ports::introspection_request ir;
      if (auto err = read_form(req, d.max_form_bytes, ir.form)) {
        done(render(ports::endpoint_failure{std::move(*err), {}}, true, prefers_plain_json(req)));
        return;
      }
      ir.auth = read_client_auth(req);
      ir.remote_ip = req.remote_ip;
      auto out = introspect ? d.token_admin.introspect(ir) : d.token_admin.revoke(ir);
      done(render(std::move(out), true, prefers_plain_json(req)));
    };
  };
  r.add("POST", "/oauth/introspect", admin_endpoint(true));
  r.add("POST", "/oauth/revoke", admin_endpoint(false));

  if (d.registration) {
    if (d.registration_limiter) {
      // Per-IP budget for registrations, on top of the public limiter (reference dcr.rate_limit).
      auto limit = http::rate_limit_middleware(d.registration_limiter);
      r.use([limit](http::request& req, http::responder done, const http::handler& next) {
        if (req.method == "POST" && req.path == "/oauth/register") limit(req, std::move(done), next);
        else next(req, std::move(done));
      });
    }
    r.add("POST", "/oauth/register", [&d](http::request& req, http::responder done) {
      const bool plain = prefers_plain_json(req);
      auto fail = [&](oauth_errc c, std::string desc) {
        auto resp = oauth_error_response(oauth_error{c, std::move(desc), {}}, plain);
        resp.set_header("Cache-Control", "no-store");
        done(std::move(resp));
      };
      if (req.body.size() > d.max_json_bytes) return fail(oauth_errc::invalid_request, "request body too large");
      if (!is_media_type(req, "application/json"))
        return fail(oauth_errc::invalid_request, "content type must be application/json");
      auto out = d.registration->register_client({req.body, req.remote_ip});
      if (auto* e = std::get_if<oauth_error>(&out)) {
        auto resp = oauth_error_response(*e, plain);
        resp.set_header("Cache-Control", "no-store");
        done(std::move(resp));
        return;
      }
      auto resp = http::response::json(201, std::move(std::get<ports::registration_reply>(out).body));
      resp.set_header("Cache-Control", "no-store");
      resp.set_header("Pragma", "no-cache");
      done(std::move(resp));
    });
  }
}
}  // namespace authplane::api
