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
#include <vector>

#include "authplane/http/message.hpp"

namespace authplane::http {

// Exact-path routing with "{name}" segments ("/admin/clients/{id}/suspend"). A path that exists
// under another method gets 405 with `Allow`; an unknown path 404 (JSON body).
class router {
 public:
  void add(std::string method, std::string pattern, handler h);
  // Runs around every request of this router (e.g. security headers, rate limit). A middleware
  // may answer itself (not calling next) or call next(req, done).
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
  std::vector<route> routes_;
  std::vector<middleware> middleware_;
};

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

class server {
 public:
  explicit server(server_options opts);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;
  // Binds and starts accepting (before run()). `r` must outlive the server. Port 0 picks a free
  // port; the bound port is returned.
  std::uint16_t listen(const std::string& host, std::uint16_t port, const router& r);
  // Runs the event loop on the configured threads; returns after stop() or a signal, once open
  // connections finished or shutdown_wait passed.
  void run();
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};
}  // namespace authplane::http
