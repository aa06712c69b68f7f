// Streamable HTTP transport (MCP 2025-11-25 "Transports"). Requests answer JSON, or an SSE body
// when notifications precede the result. A stateful tools/call runs on a worker thread; when the
// tool asks the client something (elicitation, sampling) the server ends the POST's SSE body
// after that request and the client resumes with GET + Last-Event-ID (SSE polling, SEP-1699),
// because authplane::http sends whole responses, not open streams.
#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
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
std::string_view trim_view(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Whether any Accept header lists `type` (exactly, as "*/*" or as "<major>/*"), comparing the
// media types case-insensitively without their parameters. Reads the headers in place.
bool accepts(const http::request& q, std::string_view type) {
  const std::string_view major = type.substr(0, type.find('/'));
  auto matches = [&](std::string_view t) {
    if (http::iequals(t, type) || t == "*/*") return true;
    return t.size() == major.size() + 2 && t.ends_with("/*") && http::iequals(t.substr(0, major.size()), major);
  };
  for (const auto& [k, v] : q.headers.items) {
    if (!http::iequals(k, "Accept")) continue;
    std::string_view rest = v;
    while (!rest.empty()) {
      auto comma = rest.find(',');
      std::string_view item = rest.substr(0, comma);
      auto semi = item.find(';');
      std::string_view t = trim_view(item.substr(0, semi));
      if (!t.empty() && matches(t)) return true;
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
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

http::response denial_response(const auth_denial& d) {
  http::response resp;
  resp.status = d.status;
  for (const auto& [k, v] : d.headers) resp.headers.add(k, v);
  resp.body = d.body;
  return resp;
}

bool valid_session_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) { return c >= 0x21 && c <= 0x7e; });
}
}  // namespace

// A fixed pool of threads started on first use; the destructor finishes queued work and joins.
class worker_pool {
 public:
  explicit worker_pool(unsigned n) : size_(n == 0 ? 1 : n) {}
  ~worker_pool() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  void submit(std::function<void()> job) {
    {
      std::lock_guard lock(mu_);
      jobs_.push_back(std::move(job));
      if (threads_.size() < size_) threads_.emplace_back([this] { loop(); });
    }
    cv_.notify_one();
  }

 private:
  void loop() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }
  unsigned size_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> threads_;
  bool stopping_ = false;
};

// A server-to-client request waiting for the client's answer (POSTed as a JSON-RPC response).
struct pending_reply {
  const session_state* session = nullptr;
  std::mutex mu;
  std::condition_variable cv;
  std::optional<json::value> answer;   // the whole response message
  bool abandoned = false;              // transport shutting down
};

struct transport_state;

// The events of one tools/call (SSE event ids "<stream id>/<n>", n counting from 1) and the HTTP
// request currently waiting to carry them: first the POST, later each GET resumption.
struct call_stream final : client_channel {
  transport_state& t;
  std::string id;
  std::shared_ptr<session_state> session;
  std::mutex mu;
  std::vector<std::string> events;     // serialized messages
  std::size_t delivered = 0;           // events handed to a connection so far
  std::optional<http::responder> waiter;
  bool waiter_is_post = true;
  bool primed = false;                 // the POST's priming event was sent
  bool finished = false;               // the final response is in `events`
  bool plain_json_ok = true;           // nothing but the result: answer application/json
  std::atomic<std::int64_t> finished_at{0};   // read without `mu` when pruning abandoned streams

  call_stream(transport_state& ts, std::string sid, std::shared_ptr<session_state> st)
      : t(ts), id(std::move(sid)), session(std::move(st)) {}
  void notify(json::value n) override {
    std::lock_guard lock(mu);
    events.push_back(json::serialize(n));
    plain_json_ok = false;
  }
  json::value request(std::string_view method, json::object params) override;
  void close_stream() override {
    std::lock_guard lock(mu);
    plain_json_ok = false;
    flush(true);
  }
  // Answers the waiting request with the undelivered events (when there are any, or `force`).
  // Called with `mu` held.
  void flush(bool force);
  void finish(dispatch_result r);
};

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
  std::unordered_map<std::string, std::shared_ptr<call_stream>> streams;   // by stream id
  std::unordered_map<std::string, std::shared_ptr<pending_reply>> pending;  // by serialized request id
  std::uint64_t next_request_id = 1;
  // Declared last: destroyed first, so workers finish while the state above is alive.
  std::unique_ptr<worker_pool> pool;

  transport_state(const server& s, transport_options o)
      : srv(s), opts(std::move(o)), pool(std::make_unique<worker_pool>(opts.workers)) {}
  ~transport_state() {
    {
      std::lock_guard lock(mu);
      for (auto& [k, p] : pending) {
        std::lock_guard l2(p->mu);
        p->abandoned = true;
        p->cv.notify_all();
      }
    }
    pool.reset();
  }
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
  std::shared_ptr<session_state> find(std::string_view sid) {
    thread_local std::string id;   // the map's key type, without an allocation per lookup
    id.assign(sid);
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

  // Adds the session that `initialize` was dispatched on (it holds the client's capabilities).
  std::optional<std::string> create(std::shared_ptr<session_state> st) {
    std::lock_guard lock(mu);
    std::int64_t t = now();
    if (sessions.size() >= opts.max_sessions)
      std::erase_if(sessions, [&](const auto& kv) { return t - kv.second.last_used > opts.session_idle_seconds; });
    if (sessions.size() >= opts.max_sessions) return std::nullopt;
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
    if (!ct || !http::iequals(trim_view(ct->substr(0, ct->find(';'))), "application/json"))
      return done(rpc_error_response(415, jsonrpc::invalid_request,
                                     "Unsupported Media Type: Content-Type must be application/json"));
    if (!accepts(q, "application/json") || !accepts(q, "text/event-stream"))
      return done(rpc_error_response(
          406, jsonrpc::invalid_request,
          "Not Acceptable: Accept must include both application/json and text/event-stream"));
    if (q.body.size() > opts.max_body_bytes)
      return done(rpc_error_response(413, jsonrpc::invalid_request, "Payload Too Large"));

    // Is this an initialize request? (Only a single message may be.)
    bool is_initialize = false;
    bool is_tool_call = false;   // a single tools/call request: may run on a worker
    std::vector<json::value> replies;   // JSON-RPC responses to our server-to-client requests
    // Parsed once: these checks and the dispatch below read the same value.
    boost::system::error_code ec;
    const json::value v = json::parse(q.body, ec);
    if (ec) return done(rpc_error_response(400, jsonrpc::parse_error, "Parse error"));
    if (v.is_object()) {
      const auto& o = v.get_object();
      const auto* m = o.if_contains("method");
      is_initialize = m && m->is_string() && m->get_string() == "initialize";
      is_tool_call = m && m->is_string() && m->get_string() == "tools/call" && o.contains("id");
    }
    collect_replies(v, replies);

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
      st = find(*sid);
      if (!st) return done(rpc_error_response(404, jsonrpc::invalid_request, "Session not found"));
    }

    if (!opts.stateless && !is_initialize) deliver(replies, st.get());
    if (is_tool_call && !opts.stateless && may_ask_client(*st))
      return start_call(q.body, std::move(done), std::move(st), std::move(who));

    dispatch_result r = srv.dispatch_parsed(v, *st, who.get());

    if (r.denied) return done(denial_response(*r.denied));
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
      auto id = create(st);
      if (!id) return done(rpc_error_response(503, jsonrpc::internal_error, "Too many sessions"));
      resp.set_header("Mcp-Session-Id", *id);
    }
    done(std::move(resp));
  }

  // Messages of a body (one or a batch) that are responses: they answer our requests.
  static void collect_replies(const json::value& v, std::vector<json::value>& out) {
    auto one = [&](const json::value& m) {
      if (!m.is_object()) return;
      const auto& o = m.get_object();
      if (!o.contains("method") && o.contains("id") && (o.contains("result") || o.contains("error"))) out.push_back(m);
    };
    if (v.is_array())
      for (const auto& m : v.get_array()) one(m);
    else
      one(v);
  }

  // Wakes the tools waiting for these answers (only answers from the session that was asked).
  void deliver(std::vector<json::value>& replies, const session_state* from) {
    for (auto& r : replies) {
      std::shared_ptr<pending_reply> p;
      {
        std::lock_guard lock(mu);
        auto it = pending.find(json::serialize(r.get_object().at("id")));
        if (it == pending.end() || it->second->session != from) continue;
        p = it->second;
        pending.erase(it);
      }
      std::lock_guard lock(p->mu);
      p->answer = std::move(r);
      p->cv.notify_all();
    }
  }

  // Only a client that declared something a tool can ask of it (sampling, elicitation, roots)
  // needs the worker and the resumable stream; every other tools/call runs inline, which saves
  // two thread hops per call (docs/performance.md).
  static bool may_ask_client(const session_state& st) {
    std::lock_guard lock(st.mu);
    const auto& c = st.client_capabilities;
    return c.contains("sampling") || c.contains("elicitation") || c.contains("roots");
  }

  // Runs a tools/call on a worker; `done` waits in the stream until there is something to send.
  void start_call(std::string body, http::responder done, std::shared_ptr<session_state> st,
                  std::shared_ptr<const principal> who) {
    auto cs = std::make_shared<call_stream>(*this, random_token(12), st);
    cs->waiter = std::move(done);
    {
      std::lock_guard lock(mu);
      prune_streams();
      streams[cs->id] = cs;
    }
    pool->submit([this, cs, body = std::move(body), who = std::move(who)] {
      cs->finish(srv.dispatch(body, *cs->session, who.get(), cs.get()));
    });
  }

  // Drops results nobody came back for within the session idle time. Called with `mu` held.
  void prune_streams() {
    if (streams.size() < 64) return;
    std::int64_t t = wall.now();
    std::erase_if(streams, [&](const auto& kv) {
      std::int64_t f = kv.second->finished_at.load();
      return f != 0 && t - f > opts.session_idle_seconds;
    });
  }

  void forget(const std::string& stream_id) {
    std::lock_guard lock(mu);
    streams.erase(stream_id);
  }

  // GET with Last-Event-ID "<stream>/<n>": resume a tools/call stream after event n.
  void resume(const http::request& q, http::responder done, std::string_view last_id) {
    auto slash = last_id.rfind('/');
    std::shared_ptr<call_stream> cs;
    std::size_t after = 0;
    if (slash != std::string_view::npos) {
      std::string n(last_id.substr(slash + 1));
      if (!n.empty() && n.size() < 10 && std::all_of(n.begin(), n.end(), [](char c) { return c >= '0' && c <= '9'; }))
        after = std::stoul(n);
      std::lock_guard lock(mu);
      if (auto it = streams.find(std::string(last_id.substr(0, slash))); it != streams.end()) cs = it->second;
    }
    auto sid = q.headers.get("Mcp-Session-Id");
    if (!cs || !sid || find(std::string(*sid)) != cs->session)
      return done(rpc_error_response(404, jsonrpc::invalid_request, "Unknown stream"));
    std::lock_guard lock(cs->mu);
    if (after > cs->events.size()) return done(rpc_error_response(400, jsonrpc::invalid_request, "Bad Last-Event-ID"));
    if (cs->finished && after == cs->events.size())   // everything was delivered: nothing will follow
      return done(rpc_error_response(404, jsonrpc::invalid_request, "Unknown stream"));
    if (cs->waiter) (*cs->waiter)(http::response::text(200, "", "text/event-stream"));   // superseded
    cs->delivered = after;   // replays what the client missed
    cs->waiter = std::move(done);
    cs->waiter_is_post = false;
    cs->flush(false);
  }

  void get(http::request& q, http::responder done) {
    std::shared_ptr<const principal> who;
    if (!admit(q, done, who)) return;
    if (auto last = q.headers.get("Last-Event-ID"); last && !opts.stateless) return resume(q, std::move(done), *last);
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

json::value call_stream::request(std::string_view method, json::object params) {
  auto p = std::make_shared<pending_reply>();
  p->session = session.get();
  json::value rid;
  {
    std::lock_guard lock(t.mu);
    rid = static_cast<std::int64_t>(t.next_request_id++);
    t.pending[json::serialize(rid)] = p;
  }
  {
    std::lock_guard lock(mu);
    events.push_back(json::serialize(json::object{{"jsonrpc", "2.0"}, {"id", rid}, {"method", method}, {"params", std::move(params)}}));
    plain_json_ok = false;
    flush(false);   // the client must see the request before it can answer
  }
  std::unique_lock lock(p->mu);
  bool answered = p->cv.wait_for(lock, t.opts.client_request_timeout, [&] { return p->answer || p->abandoned; });
  if (!answered || !p->answer) {
    lock.unlock();
    std::lock_guard tl(t.mu);
    t.pending.erase(json::serialize(rid));
    throw tool_error(std::string(method) + ": no answer from the client");
  }
  const auto& o = p->answer->get_object();
  if (const auto* e = o.if_contains("error")) {
    const auto* msg = e->is_object() ? e->get_object().if_contains("message") : nullptr;
    throw tool_error(std::string(method) + " failed: " + (msg && msg->is_string() ? std::string(msg->get_string()) : json::serialize(*e)));
  }
  return o.at("result");
}

void call_stream::flush(bool force) {
  if (!waiter || (delivered == events.size() && !force)) return;
  if (finished) t.forget(id);   // before answering, so a client's next GET finds no stream
  if (finished && waiter_is_post && plain_json_ok && events.size() == 1) {
    (*waiter)(http::response::json(200, events.front()));   // no notifications: plain JSON
  } else {
    std::string body;
    if (waiter_is_post && !primed) {
      // Priming event (an id, empty data) so the client can resume this stream; retry = how soon.
      body += "id: " + id + "/" + std::to_string(delivered) + "\nretry: " + std::to_string(t.opts.sse_retry.count()) +
              "\ndata: \n\n";
      primed = true;
    }
    for (; delivered < events.size(); ++delivered)
      body += "id: " + id + "/" + std::to_string(delivered + 1) + "\nevent: message\ndata: " + events[delivered] + "\n\n";
    auto resp = http::response::text(200, std::move(body), "text/event-stream");
    resp.set_header("Cache-Control", "no-cache");
    (*waiter)(std::move(resp));
  }
  delivered = events.size();
  waiter.reset();
}

void call_stream::finish(dispatch_result r) {
  std::lock_guard lock(mu);
  finished = true;
  // The wall clock, not opts.clock: this runs on a worker that may outlive a test's clock.
  finished_at = std::max<std::int64_t>(t.wall.now(), 1);
  if (r.denied && waiter && waiter_is_post && delivered == 0) {
    (*waiter)(denial_response(*r.denied));
    waiter.reset();
    t.forget(id);
    return;
  }
  if (r.parse_failed && r.reply && waiter && waiter_is_post && delivered == 0) {   // e.g. "jsonrpc":"1.0"
    (*waiter)(http::response::json(400, json::serialize(*r.reply)));
    waiter.reset();
    t.forget(id);
    return;
  }
  json::value reply = r.reply ? std::move(*r.reply) : json::value(nullptr);
  events.push_back(json::serialize(reply));
  flush(false);
}

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
