// HTTP/1.1 server: one io_context run by N threads, an acceptor coroutine per listener on a
// control strand, one coroutine per connection on its own strand.
//
// Per connection: wait for the first byte of a request (idle_timeout; read_timeout for the first
// request), read header and body under read_timeout with bounded parser limits, dispatch, wait
// for the responder (which may fire on any thread), write head and body with one async_write
// under write_timeout, loop while keep-alive.
#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <csignal>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_set>

#include "authplane/core/log.hpp"
#include "authplane/http/server.hpp"
#include "net.hpp"

namespace authplane::http {
using namespace detail;

namespace {
constexpr std::string_view error_400 = R"({"error":"invalid_request","error_description":"malformed HTTP request"})";
constexpr std::string_view error_413 = R"({"error":"invalid_request","error_description":"request body too large"})";
constexpr std::string_view error_431 = R"({"error":"invalid_request","error_description":"request header fields too large"})";

// Shared between a connection coroutine and the responder of its current request. A responder
// may outlive the connection and even the server, so everything that refers to the io_context
// (the strand, the stream, the timer) is reached only under `m` while `alive`.
struct conn_state {
  // Guarded by m. Cleared when the connection ends: a strand must not outlive its io_context.
  std::mutex m;
  bool alive = true;
  net::any_io_executor ex;  // the connection's strand

  // Strand-only, valid while alive.
  beast::tcp_stream* stream = nullptr;
  net::steady_timer* wake = nullptr;
  bool idle = false;  // waiting for the first byte of the next request

  // Responder hand-off. phase: 0 handler running, 1 answered, 2 connection waiting.
  std::atomic<int> phase{0};
  response resp;

  // Runs `f` on the connection's strand unless the connection has ended.
  template <class F>
  void post_if_alive(F&& f) {
    std::lock_guard lock(m);
    if (alive) net::post(ex, std::forward<F>(f));
  }

  // Called from any thread, at most once per request (responder guarantees it). The inline case
  // (handler answered before returning) needs no lock and no post.
  void complete(response&& r, const std::shared_ptr<conn_state>& self) {
    resp = std::move(r);
    if (phase.exchange(1, std::memory_order_acq_rel) != 2) return;
    post_if_alive([self] {
      if (self->wake) self->wake->cancel();  // on the strand: alive, since the frame waits on it
    });
  }
};

std::string lower_first(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

std::string host_for_message(const std::string& host, std::uint16_t port) {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

bool is_token_char(char c) {
  auto u = static_cast<unsigned char>(c);
  if (std::isalnum(u)) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

void append_number(std::string& out, std::size_t n) {
  char buf[24];
  char* p = buf + sizeof buf;
  do {
    *--p = static_cast<char>('0' + n % 10);
    n /= 10;
  } while (n != 0);
  out.append(p, static_cast<std::size_t>(buf + sizeof buf - p));
}

bool status_has_body(int status) { return status >= 200 && status != 204 && status != 304; }

// Serialises the status line and headers. Handler headers that the connection owns
// (Content-Length, Transfer-Encoding, Connection) are replaced; CR/LF in values are dropped so a
// handler can never split the response.
void serialize_head(std::string& out, response& res, bool keep_alive, bool http10) {
  if (res.status < 100 || res.status > 999) res.status = 500;
  out.clear();
  out += "HTTP/1.1 ";
  append_number(out, static_cast<std::size_t>(res.status));
  out += ' ';
  out += status_text(res.status);
  out += "\r\n";
  bool has_type = false;
  for (const auto& [name, value] : res.headers.items) {
    if (name.empty() || !std::all_of(name.begin(), name.end(), is_token_char)) continue;
    if (iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding") || iequals(name, "Connection")) continue;
    if (iequals(name, "Content-Type")) has_type = true;
    out += name;
    out += ": ";
    for (char c : value) {
      if (c != '\r' && c != '\n' && c != '\0') out += c;
    }
    out += "\r\n";
  }
  if (status_has_body(res.status)) {
    if (!has_type && !res.body.empty()) out += "Content-Type: text/plain; charset=utf-8\r\n";
    out += "Content-Length: ";
    append_number(out, res.body.size());
    out += "\r\n";
  } else {
    res.body.clear();
  }
  if (!keep_alive) {
    out += "Connection: close\r\n";
  } else if (http10) {
    out += "Connection: keep-alive\r\n";
  }
  out += "\r\n";
}

std::string remote_ip_of(const tcp::socket& s) {
  boost::system::error_code ec;
  auto ep = s.remote_endpoint(ec);
  if (ec) return {};
  auto a = ep.address();
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return net::ip::make_address_v4(net::ip::v4_mapped, a.to_v6()).to_string();
  return a.to_string();
}

void log_exception(std::string_view event, std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    log::error(event, {{"what", x.what()}});
  } catch (...) {
    log::error(event, {{"what", "unknown exception"}});
  }
}
}  // namespace

struct server::impl {
  explicit impl(server_options o)
      : opts(o),
        threads(o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency())),
        ioc(static_cast<int>(threads)),
        ctl(net::make_strand(ioc)),
        shutdown_timer(ctl) {}

  ~impl() {
    destroying.store(true);
    // Asio objects go before the io_context; the io_context destructor then destroys any
    // remaining coroutine frames (which unregister themselves from `conns`).
    signals.reset();
    acceptors.clear();
  }

  // ---- state not bound to the io_context (outlives it) ----
  server_options opts;
  unsigned threads;
  std::atomic<bool> stopping{false};
  std::atomic<bool> destroying{false};
  std::mutex conns_m;  // guards conns
  std::unordered_set<std::shared_ptr<conn_state>> conns;
  std::mutex acceptors_m;  // guards acceptors (listen() may race with stop())

  // ---- the io_context and objects bound to it (declared after, destroyed before) ----
  net::io_context ioc;
  net::strand<net::io_context::executor_type> ctl;  // acceptors, signals, shutdown timer
  net::steady_timer shutdown_timer;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::optional<net::signal_set> signals;
  bool shutdown_started = false;  // ctl only

  bool register_conn(const std::shared_ptr<conn_state>& c) {
    std::lock_guard lock(conns_m);
    if (stopping.load()) return false;
    conns.insert(c);
    return true;
  }

  void unregister_conn(const std::shared_ptr<conn_state>& c) {
    bool last = false;
    {
      std::lock_guard lock(conns_m);
      conns.erase(c);
      last = conns.empty() && stopping.load();
    }
    if (last && !destroying.load()) net::post(ctl, [this] { shutdown_timer.cancel(); });
  }

  template <class F>
  void for_each_conn(F f) {
    std::vector<std::shared_ptr<conn_state>> snapshot;
    {
      std::lock_guard lock(conns_m);
      snapshot.assign(conns.begin(), conns.end());
    }
    for (auto& c : snapshot) f(c);
  }

  // Runs on ctl.
  void begin_stop() {
    if (shutdown_started) return;
    shutdown_started = true;
    {
      std::lock_guard lock(conns_m);
      stopping.store(true);
    }
    {
      std::lock_guard lock(acceptors_m);
      for (auto& a : acceptors) {
        boost::system::error_code ec;
        a->close(ec);
      }
    }
    if (signals) {
      boost::system::error_code ec;
      signals->cancel(ec);
    }
    bool any = false;
    for_each_conn([&](const std::shared_ptr<conn_state>& c) {
      any = true;
      c->post_if_alive([c] {
        if (c->idle && c->stream) c->stream->socket().cancel();
      });
    });
    if (!any) return;
    shutdown_timer.expires_after(opts.shutdown_wait);
    shutdown_timer.async_wait([this](boost::system::error_code ec) {
      if (ec) return;  // every connection finished in time
      force_close();
    });
  }

  // Runs on ctl when shutdown_wait passed: close every socket, wake every waiting connection, and
  // give up on handlers that never answer shortly after.
  void force_close() {
    bool any = false;
    for_each_conn([&](const std::shared_ptr<conn_state>& c) {
      any = true;
      c->post_if_alive([c] {
        if (c->stream) c->stream->close();
        if (c->wake) c->wake->cancel();
      });
    });
    if (!any) return;
    shutdown_timer.expires_after(std::chrono::seconds(1));
    shutdown_timer.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      log::warn("http.shutdown_abandoned", {{"reason", "handlers still hold responders"}});
      ioc.stop();
    });
  }

  net::awaitable<void> accept_loop(tcp::acceptor& acc, const router* r);
  net::awaitable<void> session(tcp::socket sock, const router* r);
};

net::awaitable<void> server::impl::accept_loop(tcp::acceptor& acc, const router* r) {
  for (;;) {
    tcp::socket sock(net::make_strand(ioc));
    auto [ec] = co_await acc.async_accept(sock, use_tuple);
    if (ec) {
      if (stopping.load() || ec == net::error::operation_aborted || !acc.is_open()) co_return;
      // Out of descriptors or similar: back off instead of spinning.
      log::warn("http.accept_failed", {{"error", ec.message()}});
      net::steady_timer pause(co_await net::this_coro::executor, std::chrono::milliseconds(50));
      co_await pause.async_wait(use_tuple);
      continue;
    }
    boost::system::error_code ignored;
    sock.set_option(tcp::no_delay(true), ignored);
    auto ex = sock.get_executor();
    net::co_spawn(ex, session(std::move(sock), r), [](std::exception_ptr e) { log_exception("http.session_failed", e); });
  }
}

net::awaitable<void> server::impl::session(tcp::socket sock, const router* r) {
  auto ex = co_await net::this_coro::executor;
  const std::string remote_ip = remote_ip_of(sock);
  beast::tcp_stream stream(std::move(sock));
  net::steady_timer wake(ex);
  auto st = std::make_shared<conn_state>();
  st->ex = ex;
  st->stream = &stream;
  st->wake = &wake;
  if (!register_conn(st)) co_return;
  struct guard {
    impl* s;
    std::shared_ptr<conn_state> st;
    ~guard() {
      {
        std::lock_guard lock(st->m);
        st->alive = false;
        st->ex = net::any_io_executor();
      }
      st->stream = nullptr;
      st->wake = nullptr;
      s->unregister_conn(st);
    }
  } on_exit{this, st};

  beast::flat_buffer buffer;
  std::string head;
  bool first = true;
  std::string_view error_body;  // set when the connection ends with an error response
  int error_status = 0;

  for (;;) {
    // Wait for the next request; idle keep-alive connections are closed by stop() here.
    if (buffer.size() == 0) {
      st->idle = true;
      if (stopping.load()) break;
      stream.expires_after(first ? opts.read_timeout : opts.idle_timeout);
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), use_tuple);
      st->idle = false;
      if (ec) break;
      buffer.commit(n);
    }
    first = false;

    // Read the request under read_timeout, bounded by the header and body limits.
    stream.expires_after(opts.read_timeout);
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(opts.max_header_bytes, UINT32_MAX)));
    parser.body_limit(static_cast<std::uint64_t>(opts.max_body_bytes));
    auto [hec, hn] = co_await bhttp::async_read_header(stream, buffer, parser, use_tuple);
    boost::system::error_code ec = hec;
    if (!ec && !parser.is_done()) {
      auto& h = parser.get();
      auto expect = h[bhttp::field::expect];
      if (!expect.empty() && iequals(expect, "100-continue")) {
        static constexpr std::string_view cont = "HTTP/1.1 100 Continue\r\n\r\n";
        auto [wec, wn] = co_await net::async_write(stream, net::buffer(cont.data(), cont.size()), use_tuple);
        if (wec) break;
      }
      auto [bec, bn] = co_await bhttp::async_read(stream, buffer, parser, use_tuple);
      ec = bec;
    }
    if (ec) {
      if (ec == bhttp::error::header_limit) {
        error_status = 431, error_body = error_431;
      } else if (ec == bhttp::error::body_limit) {
        error_status = 413, error_body = error_413;
      } else if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
                 ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
        error_status = 400, error_body = error_400;
      }
      break;  // timeouts, resets and EOF close silently
    }

    // Build the handler's view of the request.
    request req;
    {
      auto& m = parser.get();
      req.method.assign(m.method_string());
      req.target.assign(m.target());
      std::size_t q = req.target.find('?');
      if (q == std::string::npos) {
        req.path = req.target;
      } else {
        req.path = req.target.substr(0, q);
        req.query = req.target.substr(q + 1);
      }
      req.headers.items.reserve(16);
      for (const auto& f : m) req.headers.items.emplace_back(std::string(f.name_string()), std::string(f.value()));
      req.body = std::move(m.body());
      req.remote_ip = remote_ip;
    }
    const bool http10 = parser.get().version() == 10;
    bool keep_alive = parser.get().keep_alive();

    // Dispatch; the responder may fire now, later, or from another thread.
    st->phase.store(0, std::memory_order_relaxed);
    try {
      r->dispatch(req, responder([st](response&& res) { st->complete(std::move(res), st); }));
    } catch (...) {
      // The responder was destroyed during unwinding (500) unless the handler answered first.
      log_exception("http.handler_threw", std::current_exception());
    }
    if (st->phase.exchange(2, std::memory_order_acq_rel) == 0) {
      wake.expires_at(net::steady_timer::time_point::max());
      co_await wake.async_wait(use_tuple);
      if (st->phase.load(std::memory_order_acquire) != 1) break;  // forced shutdown
    }

    response& res = st->resp;
    if (auto c = res.headers.get("Connection"); c && iequals(*c, "close")) keep_alive = false;
    if (stopping.load()) keep_alive = false;
    serialize_head(head, res, keep_alive, http10);
    stream.expires_after(opts.write_timeout);
    std::array<net::const_buffer, 2> bufs{net::buffer(head), net::buffer(res.body)};
    auto [wec, wn] = co_await net::async_write(stream, bufs, use_tuple);
    res = response{};
    if (wec || !keep_alive) break;
  }

  boost::system::error_code ignored;
  if (error_status != 0) {
    response res = response::json(error_status, std::string(error_body));
    serialize_head(head, res, false, false);
    stream.expires_after(opts.write_timeout);
    std::array<net::const_buffer, 2> bufs{net::buffer(head), net::buffer(res.body)};
    auto [wec, wn] = co_await net::async_write(stream, bufs, use_tuple);
    if (!wec) {
      // Half-close, then drain briefly so unread request bytes do not turn into an RST that
      // destroys the response before the client reads it.
      stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
      stream.expires_after(std::min<std::chrono::milliseconds>(opts.read_timeout, std::chrono::milliseconds(1000)));
      std::array<char, 4096> sink;
      std::size_t drained = 0;
      while (drained < 1024 * 1024) {
        auto [dec, dn] = co_await stream.async_read_some(net::buffer(sink), use_tuple);
        if (dec) break;
        drained += dn;
      }
    }
  } else {
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }
  stream.socket().close(ignored);
}

server::server(server_options opts) : impl_(std::make_unique<impl>(opts)) {}

server::~server() = default;

std::uint16_t server::listen(const std::string& host, std::uint16_t port, const router& r) {
  impl& s = *impl_;
  const std::string where = host_for_message(host.empty() ? std::string("0.0.0.0") : host, port);
  auto fail = [&](const std::string& why) { return std::runtime_error("listen " + where + ": " + why); };
  if (s.stopping.load()) throw fail("server is stopping");

  boost::system::error_code ec;
  net::ip::address addr;
  if (host.empty() || host == "0.0.0.0") {
    addr = net::ip::address_v4::any();
  } else if (host == "::") {
    addr = net::ip::address_v6::any();
  } else {
    addr = net::ip::make_address(host, ec);
    if (ec) {
      tcp::resolver resolver(s.ioc);
      auto results = resolver.resolve(host, std::to_string(port), tcp::resolver::passive, ec);
      if (ec || results.empty()) throw fail("cannot resolve host" + (ec ? ": " + lower_first(ec.message()) : std::string()));
      addr = results.begin()->endpoint().address();
      for (const auto& e : results) {
        if (e.endpoint().address().is_v4()) {
          addr = e.endpoint().address();
          break;
        }
      }
    }
  }

  tcp::endpoint ep(addr, port);
  auto acc = std::make_unique<tcp::acceptor>(s.ctl);
  if (acc->open(ep.protocol(), ec); ec) throw fail(lower_first(ec.message()));
  if (acc->set_option(net::socket_base::reuse_address(true), ec); ec) throw fail(lower_first(ec.message()));
  if (acc->bind(ep, ec); ec) throw fail(lower_first(ec.message()));
  if (acc->listen(net::socket_base::max_listen_connections, ec); ec) throw fail(lower_first(ec.message()));
  auto local = acc->local_endpoint(ec);
  if (ec) throw fail(lower_first(ec.message()));

  tcp::acceptor& ref = *acc;
  {
    std::lock_guard lock(s.acceptors_m);
    s.acceptors.push_back(std::move(acc));
  }
  net::co_spawn(s.ctl, s.accept_loop(ref, &r), [](std::exception_ptr e) { log_exception("http.accept_loop_failed", e); });
  return local.port();
}

void server::run() {
  impl& s = *impl_;
  if (s.opts.handle_signals && !s.signals) {
    s.signals.emplace(s.ctl, SIGINT, SIGTERM);
    s.signals->async_wait([&s](boost::system::error_code ec, int) {
      if (!ec) s.begin_stop();
    });
  }
  auto loop = [&s] {
    for (;;) {
      try {
        s.ioc.run();
        return;
      } catch (...) {
        log_exception("http.io_context_exception", std::current_exception());
      }
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(s.threads - 1);
  for (unsigned i = 1; i < s.threads; ++i) pool.emplace_back(loop);
  loop();
  for (auto& t : pool) t.join();
}

void server::stop() {
  impl* s = impl_.get();
  net::post(s->ctl, [s] { s->begin_stop(); });
}
}  // namespace authplane::http
