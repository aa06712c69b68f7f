// Test helpers: a server running on its own thread and a raw POSIX socket client that can send
// malformed or slow input.
#pragma once
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "authplane/http/server.hpp"

namespace authplane::http::test {
using namespace std::chrono_literals;

inline server_options test_options() {
  server_options o;
  o.threads = 2;
  o.handle_signals = false;
  o.shutdown_wait = std::chrono::milliseconds(2000);
  return o;
}

// Listens on 127.0.0.1:0 and runs the server on a background thread; stops it on destruction.
class running_server {
 public:
  running_server(const router& r, server_options o = test_options()) : srv_(o) {
    port = srv_.listen("127.0.0.1", 0, r);
    thread_ = std::thread([this] { srv_.run(); });
  }
  ~running_server() { stop_and_join(); }
  void stop_and_join() {
    if (!thread_.joinable()) return;
    srv_.stop();
    thread_.join();
  }
  server& srv() { return srv_; }
  std::string url(std::string_view path) const { return "http://127.0.0.1:" + std::to_string(port) + std::string(path); }
  std::uint16_t port = 0;

 private:
  server srv_;
  std::thread thread_;
};

struct parsed_response {
  int status = 0;
  header_list headers;
  std::string body;
};

// A blocking TCP connection to 127.0.0.1:port with poll-based timeouts.
class raw_conn {
 public:
  explicit raw_conn(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~raw_conn() {
    if (fd_ >= 0) ::close(fd_);
  }
  raw_conn(const raw_conn&) = delete;
  raw_conn& operator=(const raw_conn&) = delete;
  bool ok() const { return fd_ >= 0; }

  bool send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  void shutdown_write() { ::shutdown(fd_, SHUT_WR); }

  // Reads until the peer closes (or `timeout`); returns the byte count, or -1 on timeout.
  long long drain(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    long long total = static_cast<long long>(pending_.size());
    pending_.clear();
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return -1;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return -1;
      char buf[65536];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return total;
      total += n;
    }
  }

  // Reads one response (Content-Length framed). nullopt on timeout, EOF or garbage.
  std::optional<parsed_response> read_response(std::chrono::milliseconds timeout = 5000ms) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::size_t header_end;
    while ((header_end = pending_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill(deadline)) return std::nullopt;
    }
    parsed_response r;
    std::string_view head(pending_.data(), header_end);
    std::size_t line_end = head.find("\r\n");
    std::string_view status_line = head.substr(0, line_end);
    if (status_line.size() < 12 || status_line.substr(0, 9) != "HTTP/1.1 ") return std::nullopt;
    r.status = std::atoi(std::string(status_line.substr(9, 3)).c_str());
    std::size_t pos = line_end == std::string_view::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      std::size_t e = head.find("\r\n", pos);
      if (e == std::string_view::npos) e = head.size();
      std::string_view line = head.substr(pos, e - pos);
      std::size_t colon = line.find(':');
      if (colon != std::string_view::npos) {
        std::string_view v = line.substr(colon + 1);
        while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
        r.headers.add(std::string(line.substr(0, colon)), std::string(v));
      }
      pos = e + 2;
    }
    std::size_t len = 0;
    if (auto cl = r.headers.get("Content-Length")) len = std::strtoul(std::string(*cl).c_str(), nullptr, 10);
    std::size_t body_start = header_end + 4;
    while (pending_.size() < body_start + len) {
      if (!fill(deadline)) return std::nullopt;
    }
    r.body = pending_.substr(body_start, len);
    pending_.erase(0, body_start + len);
    return r;
  }

  // True if the peer closes (EOF or reset) within `timeout`, discarding any data received.
  bool closed_within(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      int rc = ::poll(&p, 1, static_cast<int>(left.count()));
      if (rc <= 0) return false;
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return true;
    }
  }

 private:
  bool fill(std::chrono::steady_clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[16384];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return false;
    pending_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string pending_;
};
}  // namespace authplane::http::test
