// HTTP/1.1 server: one io_context run by N threads, an acceptor coroutine per listener on a
// control strand, one coroutine per connection on its own strand.
//
// Per connection: wait for the first byte of a request (idle_timeout; read_timeout for the first
// request), read header and body under read_timeout with bounded parser limits, dispatch, wait
// for the responder (which may fire on any thread), write head and body with one write (a
// non-blocking send first, the rest, if any, asynchronously under write_timeout), loop while
// keep-alive.
//
// Hot-path costs avoided on purpose (docs/performance.md, protected MCP calls): the request is
// parsed straight from the connection buffer into a `request` that is reused across keep-alive
// requests (no per-request header containers or strings once capacities settle), a buffered
// request needs no asynchronous read, a response that fits in the socket buffer needs no
// asynchronous write, and timeouts are one lazily re-armed timer per connection (a deadline
// store per phase) instead of a timer wait and cancellation per I/O operation.
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

#include <boost/beast/core/read_size.hpp>

#include "authplane/core/log.hpp"
#include "authplane/http/server.hpp"
#include "net.hpp"

namespace authplane::http {
using namespace detail;

namespace {
constexpr std::string_view error_400 = R"({"error":"invalid_request","error_description":"malformed HTTP request"})";
constexpr std::string_view error_413 = R"({"error":"invalid_request","error_description":"request body too large"})";
constexpr std::string_view error_431 = R"({"error":"invalid_request","error_description":"request header fields too large"})";

using steady = std::chrono::steady_clock;
constexpr steady::time_point no_deadline = steady::time_point::max();

// Shared between a connection coroutine and the responder of its current request. A responder
// may outlive the connection and even the server, so everything that refers to the io_context
// (the strand, the socket, the timers) is reached only under `m` while `alive`.
struct conn_state {
  // Guarded by m. Cleared when the connection ends: a strand must not outlive its io_context.
  std::mutex m;
  bool alive = true;
  net::any_io_executor ex;  // the connection's strand

  // Strand-only, valid while alive.
  tcp::socket* sock = nullptr;
  net::steady_timer* wake = nullptr;
  bool idle = false;  // waiting for the first byte of the next request

  // The connection's one timeout (strand-only). `deadline` is when the current phase (idle wait,
  // request read, response write) must be over; no_deadline while a handler runs. The timer is
  // re-armed lazily: a later deadline just waits for the pending expiry to re-check, only an
  // earlier one restarts the wait. Reaching the deadline closes the socket, which ends the
  // pending operation (the connection then closes silently, as on any read or write error).
  net::steady_timer* watch = nullptr;
  steady::time_point deadline = no_deadline;
  steady::time_point armed{};  // expiry of the latest wait started
  int waits = 0;               // started waits whose handler has not run yet

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

  // Strand-only. `self` is this object (the timer handler keeps it alive).
  void set_deadline(steady::time_point d, const std::shared_ptr<conn_state>& self) {
    deadline = d;
    if (d == no_deadline || (waits > 0 && d >= armed)) return;
    arm(d, self);
  }
  void arm(steady::time_point d, const std::shared_ptr<conn_state>& self) {
    armed = d;
    watch->expires_at(d);  // a pending wait completes with operation_aborted
    ++waits;
    watch->async_wait([self](boost::system::error_code ec) { self->on_watch(ec, self); });
  }
  void on_watch(boost::system::error_code ec, const std::shared_ptr<conn_state>& self) {
    --waits;
    if (ec || !watch || !sock || deadline == no_deadline) return;  // superseded, ended, or no phase to time
    if (steady::now() >= deadline) {
      deadline = no_deadline;
      boost::system::error_code ignored;
      sock->close(ignored);  // the pending read or write ends with an error
      return;
    }
    if (waits == 0) arm(deadline, self);
  }
};

// Parses one request straight into a `request` that the connection reuses: header names and
// values are assigned into the strings of the previous request (no allocation once their
// capacities fit), the body is appended as it arrives. The same Beast parser state machine as
// bhttp::request_parser (limits, chunked bodies, trailers as fields, errors), without the
// intermediate basic_fields container.
class request_reader final : public bhttp::basic_parser<true> {
 public:
  explicit request_reader(request& r) : r_(r) {
    r_.method.clear();
    r_.target.clear();
    r_.body.clear();
  }
  int version() const { return version_; }
  // After a complete parse: drop headers left from the previous request, split the target.
  void finish() {
    auto& items = r_.headers.items;
    if (items.size() > fields_) items.erase(items.begin() + static_cast<std::ptrdiff_t>(fields_), items.end());
    std::size_t q = r_.target.find('?');
    if (q == std::string::npos) {
      r_.path.assign(r_.target);
      r_.query.clear();
    } else {
      r_.path.assign(r_.target, 0, q);
      r_.query.assign(r_.target, q + 1);
    }
  }

 private:
  void on_request_impl(bhttp::verb, beast::string_view method, beast::string_view target, int version,
                       boost::system::error_code&) override {
    r_.method.assign(method.data(), method.size());
    r_.target.assign(target.data(), target.size());
    version_ = version;
  }
  void on_response_impl(int, beast::string_view, int, boost::system::error_code&) override {}
  void on_field_impl(bhttp::field, beast::string_view name, beast::string_view value,
                     boost::system::error_code&) override {
    auto& items = r_.headers.items;
    if (fields_ < items.size()) {
      items[fields_].first.assign(name.data(), name.size());
      items[fields_].second.assign(value.data(), value.size());
    } else {
      items.emplace_back(std::string(name.data(), name.size()), std::string(value.data(), value.size()));
    }
    ++fields_;
  }
  void on_header_impl(boost::system::error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, boost::system::error_code& ec) override {
    if (length) {
      if (*length > r_.body.max_size()) {
        ec = bhttp::error::buffer_overflow;
        return;
      }
      r_.body.reserve(static_cast<std::size_t>(*length));
    }
  }
  std::size_t on_body_impl(beast::string_view body, boost::system::error_code&) override {
    r_.body.append(body.data(), body.size());
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, boost::system::error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view body, boost::system::error_code&) override {
    r_.body.append(body.data(), body.size());
    return body.size();
  }
  void on_finish_impl(boost::system::error_code&) override {}

  request& r_;
  std::size_t fields_ = 0;
  int version_ = 11;
};

// beast's message::keep_alive() on the received fields: the first Connection header decides.
bool request_keep_alive(const request& req, int version) {
  auto c = req.headers.get("Connection");
  if (version < 11) return c && bhttp::token_list{beast::string_view(c->data(), c->size())}.exists("keep-alive");
  return !c || !bhttp::token_list{beast::string_view(c->data(), c->size())}.exists("close");
}

std::string lower_first(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

std::string host_for_message(const std::string& host, std::uint16_t port) {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

// RFC 9110 tchar, as a table (this runs over every response header name).
constexpr std::array<bool, 256> token_chars = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c)
    t[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
  return t;
}();
bool is_token_char(char c) { return token_chars[static_cast<unsigned char>(c)]; }

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
        if (c->idle && c->sock) {
          boost::system::error_code ignored;
          c->sock->cancel(ignored);
        }
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
        if (c->sock) {
          boost::system::error_code ignored;
          c->sock->close(ignored);
        }
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
  net::steady_timer wake(ex);
  net::steady_timer watch(ex);
  auto st = std::make_shared<conn_state>();
  st->ex = ex;
  st->sock = &sock;
  st->wake = &wake;
  st->watch = &watch;
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
      st->sock = nullptr;
      st->wake = nullptr;
      st->watch = nullptr;
      s->unregister_conn(st);
    }
  } on_exit{this, st};
  // Non-blocking sends: a response that fits in the socket buffer is written without an
  // asynchronous operation (asynchronous operations work the same in this mode).
  {
    boost::system::error_code ignored;
    sock.non_blocking(true, ignored);
  }
  auto deadline_in = [&](std::chrono::milliseconds d) { st->set_deadline(steady::now() + d, st); };

  beast::flat_buffer buffer;
  std::string head;
  request req;  // reused across keep-alive requests (see request_reader)
  bool first = true;
  std::string_view error_body;  // set when the connection ends with an error response
  int error_status = 0;

  for (;;) {
    // Wait for the next request; idle keep-alive connections are closed by stop() here.
    if (buffer.size() == 0) {
      st->idle = true;
      if (stopping.load()) break;
      deadline_in(first ? opts.read_timeout : opts.idle_timeout);
      auto [ec, n] = co_await sock.async_read_some(buffer.prepare(4096), use_tuple);
      st->idle = false;
      if (ec) break;
      buffer.commit(n);
    }
    first = false;

    // Read the request under read_timeout, bounded by the header and body limits: first the
    // header (then "Expect: 100-continue"), then the body, parsing what is buffered before
    // reading more (the steps of bhttp::async_read_header + bhttp::async_read).
    deadline_in(opts.read_timeout);
    if (req.body.capacity() > 64 * 1024) std::string().swap(req.body);  // keep no large body per connection
    request_reader parser(req);
    parser.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(opts.max_header_bytes, UINT32_MAX)));
    parser.body_limit(static_cast<std::uint64_t>(opts.max_body_bytes));
    boost::system::error_code ec;
    bool header_phase = true;
    for (;;) {
      if (header_phase ? parser.is_header_done() : parser.is_done()) {
        if (!header_phase || parser.is_done()) break;
        header_phase = false;
        auto expect = req.headers.get("Expect");
        if (expect && !expect->empty() && iequals(*expect, "100-continue")) {
          static constexpr std::string_view cont = "HTTP/1.1 100 Continue\r\n\r\n";
          auto [wec, wn] = co_await net::async_write(sock, net::buffer(cont.data(), cont.size()), use_tuple);
          if (wec) {
            ec = wec;
            break;
          }
        }
        parser.eager(true);
        continue;
      }
      // One bhttp::async_read_some: parse what is buffered, read when the parser needs more.
      bool need_read = buffer.size() == 0;
      for (;;) {
        if (!need_read) {
          std::size_t used = parser.put(buffer.data(), ec);
          buffer.consume(used);
          if (ec != bhttp::error::need_more) break;
        }
        need_read = false;
        ec = {};
        std::size_t size = beast::read_size(buffer, 65536);
        if (size == 0) {
          ec = beast::http::error::buffer_overflow;
          break;
        }
        auto [rec, n] = co_await sock.async_read_some(buffer.prepare(size), use_tuple);
        buffer.commit(n);
        ec = rec;
        if (ec == net::error::eof) {
          if (parser.got_some()) {
            ec = {};
            parser.put_eof(ec);
          } else {
            ec = bhttp::error::end_of_stream;
          }
          break;
        }
        if (ec) break;
      }
      if (ec) break;
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
    parser.finish();
    req.remote_ip = remote_ip;
    req.path_params.clear();
    const bool http10 = parser.version() == 10;
    bool keep_alive = request_keep_alive(req, parser.version());

    // Dispatch; the responder may fire now, later, or from another thread. No timeout while
    // the handler works.
    st->set_deadline(no_deadline, st);
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
    std::array<net::const_buffer, 2> bufs{net::buffer(head), net::buffer(res.body)};
    // Whatever the socket takes now, then the rest asynchronously under write_timeout.
    boost::system::error_code wec;
    std::size_t sent = net::write(sock, bufs, wec);
    if (wec == net::error::would_block || wec == net::error::try_again) {
      beast::buffers_suffix<std::array<net::const_buffer, 2>> rest(bufs);
      rest.consume(sent);
      deadline_in(opts.write_timeout);
      auto [aec, an] = co_await net::async_write(sock, rest, use_tuple);
      wec = aec;
    }
    res = response{};
    if (wec || !keep_alive) break;
  }

  boost::system::error_code ignored;
  if (error_status != 0) {
    response res = response::json(error_status, std::string(error_body));
    serialize_head(head, res, false, false);
    deadline_in(opts.write_timeout);
    std::array<net::const_buffer, 2> bufs{net::buffer(head), net::buffer(res.body)};
    auto [wec, wn] = co_await net::async_write(sock, bufs, use_tuple);
    if (!wec) {
      // Half-close, then drain briefly so unread request bytes do not turn into an RST that
      // destroys the response before the client reads it.
      sock.shutdown(tcp::socket::shutdown_send, ignored);
      deadline_in(std::min<std::chrono::milliseconds>(opts.read_timeout, std::chrono::milliseconds(1000)));
      std::array<char, 4096> sink;
      std::size_t drained = 0;
      while (drained < 1024 * 1024) {
        auto [dec, dn] = co_await sock.async_read_some(net::buffer(sink), use_tuple);
        if (dec) break;
        drained += dn;
      }
    }
  } else {
    sock.shutdown(tcp::socket::shutdown_send, ignored);
  }
  sock.close(ignored);
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
