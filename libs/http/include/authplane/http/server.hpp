// HTTP/1.1 server: a listener per address, one coroutine per connection, a router, size limits
// and timeouts on every read, graceful shutdown. Handlers never see sockets.
//
//   http::router r;
//   r.add("GET", "/health", [](http::request& q, http::responder done) { done(http::response::json(200, "{}")); });
//   http::server srv({.threads = 2});
//   srv.listen("127.0.0.1", 9000, r);          // throws std::runtime_error if the port is taken
//   srv.run();                                  // blocks until stop() or SIGINT/SIGTERM
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "authplane/http/message.hpp"

namespace authplane::http {

// Exact-path routing with "{name}" segments ("/admin/clients/{id}/suspend"). A path that exists
// under another method gets 405 with `Allow`; an unknown path 404 (JSON body).
//
// Matching: segments compare exactly (case-sensitive, not percent-decoded); "{name}" matches one
// non-empty segment and fills request.path_params[name] (raw, not decoded). A trailing slash is a
// distinct path. When several routes match, the first registered wins. path_params are filled
// before the middlewares run.
class router {
 public:
  // `pattern` must start with '/'; throws std::invalid_argument otherwise.
  void add(std::string method, std::string pattern, handler h);
  // Runs around every request of this router (e.g. security headers, rate limit). A middleware
  // may answer itself (not calling next) or call next(req, done). `next` is only valid during the
  // call: copy it (it is a cheap std::function) to call it later.
  using middleware = std::function<void(request&, responder, const handler& next)>;
  void use(middleware m);
  // Dispatches a request (used by the server; public for tests).
  void dispatch(request& req, responder done) const;

 private:
  struct route {
    std::string method;
    std::vector<std::string> segments;
    handler h;
  };
  void run_chain(std::uint32_t index, std::uint32_t target, request& req, responder done) const;
  void run_target(std::uint32_t target, request& req, responder done) const;
  std::string allowed_methods(std::string_view path) const;

  std::vector<route> routes_;
  std::vector<middleware> middleware_;
};

// Splits "host:port" for listen(): ":9000" -> {"0.0.0.0", 9000}, "127.0.0.1:9000",
// "localhost:80", "[::1]:9000" -> {"::1", 9000}. Port 0..65535 (0 = ephemeral). Throws
// std::invalid_argument on anything else (no port, non-numeric or out-of-range port, an
// unbracketed IPv6 address, garbage after ']').
std::pair<std::string, std::uint16_t> split_host_port(std::string_view addr);

struct server_options {
  unsigned threads = 0;                                  // 0 = hardware concurrency
  std::size_t max_header_bytes = 16 * 1024;              // 431 beyond
  std::size_t max_body_bytes = 1024 * 1024;              // 413 beyond
  std::chrono::milliseconds read_timeout{30'000};        // per request, headers + body
  std::chrono::milliseconds write_timeout{30'000};
  std::chrono::milliseconds idle_timeout{120'000};       // keep-alive wait for the next request
  std::chrono::milliseconds shutdown_wait{10'000};
  bool handle_signals = true;                            // SIGINT/SIGTERM -> graceful stop
};

// Connection behaviour: HTTP/1.1 keep-alive (HTTP/1.0 only with "Connection: keep-alive"),
// pipelined requests answered in order. The first request must arrive within read_timeout of the
// accept; later ones must start within idle_timeout and then complete within read_timeout.
// Oversized headers -> 431, oversized body -> 413, malformed HTTP -> 400 (JSON bodies, then the
// connection closes); timeouts close silently. "Expect: 100-continue" is honoured.
// Responses: the server sets Content-Length and Connection (handler values for those and for
// Transfer-Encoding are replaced; a handler "Connection: close" closes after the response), adds
// "Content-Type: text/plain; charset=utf-8" only when the body is non-empty and the handler set no
// type, sends no body for 1xx/204/304, and strips CR/LF from header values.
class server {
 public:
  explicit server(server_options opts);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;
  // Binds and starts accepting (before run()). `r` must outlive the server. Port 0 picks a free
  // port; the bound port is returned. host "" or "0.0.0.0" = all IPv4, "::" = all IPv6 (dual
  // stack where the OS allows), names are resolved (IPv4 preferred). Throws std::runtime_error
  // ("listen 127.0.0.1:9000: address already in use").
  std::uint16_t listen(const std::string& host, std::uint16_t port, const router& r);
  // Runs the event loop on the configured threads; returns after stop() or a signal, once open
  // connections finished or shutdown_wait passed.
  void run();
  // Thread-safe, idempotent, callable from a handler: stops accepting, closes idle keep-alive
  // connections, lets in-flight requests finish (answered with Connection: close) for up to
  // shutdown_wait, then closes everything.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};
}  // namespace authplane::http
