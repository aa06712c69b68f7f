// Streamable HTTP transport (MCP 2025-11-25 "Transports"), JSON responses only (no SSE yet).
#include <algorithm>
#include <cctype>
#include <mutex>
#include <unordered_map>

#include "authplane/core/random.hpp"
#include "authplane/mcp/server.hpp"

namespace authplane::mcp {
namespace json = boost::json;

namespace {
std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}
std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

// The media types of every Accept header (parameters dropped, lower-case).
std::vector<std::string> accepted(const http::request& q) {
  std::vector<std::string> out;
  for (const auto& [k, v] : q.headers.items) {
    if (!http::iequals(k, "Accept")) continue;
    std::string_view rest = v;
    while (!rest.empty()) {
      auto comma = rest.find(',');
      std::string_view item = rest.substr(0, comma);
      auto semi = item.find(';');
      std::string t = lower(trim(item.substr(0, semi)));
      if (!t.empty()) out.push_back(std::move(t));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return out;
}
bool accepts(const std::vector<std::string>& types, std::string_view type) {
  std::string major(type.substr(0, type.find('/')));
  for (const auto& t : types)
    if (t == type || t == "*/*" || t == major + "/*") return true;
  return false;
}

bool loopback_origin(std::string_view o) {
  std::string s = lower(o);
  for (std::string_view scheme : {"http://", "https://"}) {
    if (!s.starts_with(scheme)) continue;
    std::string_view host = std::string_view(s).substr(scheme.size());
    for (std::string_view h : {"localhost", "127.0.0.1", "[::1]"}) {
      if (!host.starts_with(h)) continue;
      std::string_view rest = host.substr(h.size());
      if (rest.empty()) return true;
      if (rest.front() != ':' || rest.size() < 2) return false;
      return std::all_of(rest.begin() + 1, rest.end(), [](char c) { return c >= '0' && c <= '9'; });
    }
  }
  return false;
}

http::response rpc_error_response(int status, int code, std::string_view message) {
  return http::response::json(status, json::serialize(jsonrpc::error_response(nullptr, code, message)));
}

bool valid_session_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) { return c >= 0x21 && c <= 0x7e; });
}
}  // namespace

struct transport_state {
  const server& srv;
  transport_options opts;
  authplane::system_clock wall;
  struct session {
    std::shared_ptr<session_state> state;
    std::int64_t last_used = 0;
  };
  std::mutex mu;
  std::unordered_map<std::string, session> sessions;

  transport_state(const server& s, transport_options o) : srv(s), opts(std::move(o)) {}
  std::int64_t now() const { return opts.clock ? opts.clock->now() : wall.now(); }

  bool origin_ok(const http::request& q) const {
    auto o = q.headers.get("Origin");
    if (!o) return true;
    if (opts.allowed_origins.empty()) return loopback_origin(*o);
    for (const auto& a : opts.allowed_origins)
      if (a == "*" || http::iequals(a, *o)) return true;
    return false;
  }

  // Looks up (and touches) a session; null when unknown or expired.
  std::shared_ptr<session_state> find(const std::string& id) {
    std::lock_guard lock(mu);
    auto it = sessions.find(id);
    if (it == sessions.end()) return nullptr;
    std::int64_t t = now();
    if (t - it->second.last_used > opts.session_idle_seconds) {
      sessions.erase(it);
      return nullptr;
    }
    it->second.last_used = t;
    return it->second.state;
  }

  std::optional<std::string> create(std::string version) {
    std::lock_guard lock(mu);
    std::int64_t t = now();
    if (sessions.size() >= opts.max_sessions)
      std::erase_if(sessions, [&](const auto& kv) { return t - kv.second.last_used > opts.session_idle_seconds; });
    if (sessions.size() >= opts.max_sessions) return std::nullopt;
    auto st = std::make_shared<session_state>();
    st->protocol_version = std::move(version);
    std::string id = random_token(24);
    sessions[id] = session{std::move(st), t};
    return id;
  }

  bool end(const std::string& id) {
    std::lock_guard lock(mu);
    return sessions.erase(id) > 0;
  }

  // Origin check, then the gate. False when the request was answered.
  bool admit(http::request& q, http::responder& done, std::shared_ptr<const principal>& who) {
    if (!origin_ok(q)) {
      done(rpc_error_response(403, jsonrpc::invalid_request, "Forbidden: origin not allowed"));
      return false;
    }
    if (opts.gate) {
      if (auto refusal = opts.gate(q, who)) {
        done(std::move(*refusal));
        return false;
      }
    } else if (opts.authenticate) {
      who = opts.authenticate(q);
    }
    return true;
  }

  void post(http::request& q, http::responder done) {
    std::shared_ptr<const principal> who;
    if (!admit(q, done, who)) return;
    auto ct = q.headers.get("Content-Type");
    if (!ct || lower(trim(ct->substr(0, ct->find(';')))) != "application/json")
      return done(rpc_error_response(415, jsonrpc::invalid_request,
                                     "Unsupported Media Type: Content-Type must be application/json"));
    auto types = accepted(q);
    if (!accepts(types, "application/json") || !accepts(types, "text/event-stream"))
      return done(rpc_error_response(
          406, jsonrpc::invalid_request,
          "Not Acceptable: Accept must include both application/json and text/event-stream"));
    if (q.body.size() > opts.max_body_bytes)
      return done(rpc_error_response(413, jsonrpc::invalid_request, "Payload Too Large"));

    // Is this an initialize request? (Only a single message may be.)
    bool is_initialize = false;
    {
      boost::system::error_code ec;
      json::value v = json::parse(q.body, ec);
      if (ec) return done(rpc_error_response(400, jsonrpc::parse_error, "Parse error"));
      if (v.is_object()) {
        const auto* m = v.get_object().if_contains("method");
        is_initialize = m && m->is_string() && m->get_string() == "initialize";
      }
    }

    auto version_header = q.headers.get("MCP-Protocol-Version");
    if (version_header && !is_initialize) {
      const auto& sup = supported_protocol_versions();
      if (std::find(sup.begin(), sup.end(), *version_header) == sup.end())
        return done(rpc_error_response(400, jsonrpc::invalid_request,
                                       "Bad Request: unsupported MCP-Protocol-Version " + std::string(*version_header)));
    }

    std::shared_ptr<session_state> st;
    if (opts.stateless || is_initialize) {
      st = std::make_shared<session_state>();
      st->protocol_version = version_header ? std::string(*version_header) : "2025-03-26";
    } else {
      auto sid = q.headers.get("Mcp-Session-Id");
      if (!sid || !valid_session_id(*sid))
        return done(rpc_error_response(400, jsonrpc::invalid_request, "Bad Request: Mcp-Session-Id header required"));
      st = find(std::string(*sid));
      if (!st) return done(rpc_error_response(404, jsonrpc::invalid_request, "Session not found"));
    }

    dispatch_result r = srv.dispatch(q.body, *st, who.get());

    if (r.denied) {
      http::response resp;
      resp.status = r.denied->status;
      for (auto& [k, v] : r.denied->headers) resp.headers.add(k, v);
      resp.body = r.denied->body;
      return done(std::move(resp));
    }
    if (!r.reply) {
      if (r.parse_failed) return done(rpc_error_response(400, jsonrpc::invalid_request, "Invalid Request"));
      return done(http::response::empty(202));
    }
    http::response resp = http::response::json(r.parse_failed ? 400 : 200, json::serialize(*r.reply));
    if (!r.notifications.empty() && resp.status == 200) {
      // The client accepts text/event-stream (checked above): notifications first, then the reply.
      std::string sse;
      for (const auto& n : r.notifications) sse += "event: message\ndata: " + json::serialize(n) + "\n\n";
      sse += "event: message\ndata: " + resp.body + "\n\n";
      resp = http::response::text(200, std::move(sse), "text/event-stream");
      resp.set_header("Cache-Control", "no-cache");
    }
    if (is_initialize && !r.negotiated_version.empty() && !opts.stateless) {
      auto id = create(r.negotiated_version);
      if (!id) return done(rpc_error_response(503, jsonrpc::internal_error, "Too many sessions"));
      resp.set_header("Mcp-Session-Id", *id);
    }
    done(std::move(resp));
  }

  void get(http::request& q, http::responder done) {
    std::shared_ptr<const principal> who;
    if (!admit(q, done, who)) return;
    auto resp = rpc_error_response(405, jsonrpc::invalid_request, "Method Not Allowed: no server-initiated stream");
    resp.set_header("Allow", opts.stateless ? "POST" : "POST, DELETE");
    done(std::move(resp));
  }

  void del(http::request& q, http::responder done) {
    std::shared_ptr<const principal> who;
    if (!admit(q, done, who)) return;
    if (opts.stateless) {
      auto resp = rpc_error_response(405, jsonrpc::invalid_request, "Method Not Allowed: stateless server");
      resp.set_header("Allow", "POST");
      return done(std::move(resp));
    }
    auto sid = q.headers.get("Mcp-Session-Id");
    if (!sid || !valid_session_id(*sid))
      return done(rpc_error_response(400, jsonrpc::invalid_request, "Bad Request: Mcp-Session-Id header required"));
    if (!end(std::string(*sid))) return done(rpc_error_response(404, jsonrpc::invalid_request, "Session not found"));
    done(http::response::empty(204));
  }
};

void server::routes(http::router& r, transport_options opts) {
  auto st = std::make_shared<transport_state>(*this, std::move(opts));
  r.add("POST", st->opts.path, [st](http::request& q, http::responder d) { st->post(q, std::move(d)); });
  r.add("GET", st->opts.path, [st](http::request& q, http::responder d) { st->get(q, std::move(d)); });
  r.add("DELETE", st->opts.path, [st](http::request& q, http::responder d) { st->del(q, std::move(d)); });
}

void server::run(run_options opts) {
  http::router r;
  if (opts.configure) opts.configure(r);
  routes(r, opts.transport);
  http::server_options so;
  so.threads = opts.threads;
  so.max_body_bytes = opts.transport.max_body_bytes;
  http::server s(so);
  s.listen(opts.host, opts.port, r);
  s.run();
}
}  // namespace authplane::mcp
