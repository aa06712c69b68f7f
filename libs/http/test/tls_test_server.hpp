// Test support: a loopback server that answers every connection with raw bytes chosen by the
// test (so malformed, oversized, redirecting or slow responses are easy), over plain TCP or TLS
// with a self-signed certificate generated at run time.
//   http::test::raw_server s([](const std::string&) { return ok_json("{}"); }, true);
//   http::fetch_options o{.ca_file = http::test::localhost_identity().ca_file};
//   auto r = http::fetch("GET", s.url("/x"), {}, "", o);
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace authplane::http::test {

// A self-signed P-256 certificate and key; ca_file is a temporary PEM file holding the cert.
struct tls_identity {
  std::string cert_pem;
  std::string key_pem;
  std::string ca_file;
};

// Subject alternative names "DNS:localhost, IP:127.0.0.1" (generated once per process).
const tls_identity& localhost_identity();
// Subject alternative name "DNS:other.example" only: host-name verification must fail.
const tls_identity& other_identity();

// "HTTP/1.1 <status> X\r\nContent-Type: application/json\r\nContent-Length: n\r\n<extra>\r\n<body>"
std::string raw_response(int status, std::string_view body, std::string_view extra_headers = "");

class raw_server {
 public:
  // Receives the request head (up to the blank line) and returns the bytes to send; the
  // connection is closed afterwards.
  using respond_fn = std::function<std::string(const std::string& request_head)>;

  // tls: serve TLS with `identity` (default localhost_identity()). Listens on bind_ip:port
  // (port 0 = any free port).
  raw_server(respond_fn respond, bool tls, const tls_identity* identity = nullptr, std::string bind_ip = "127.0.0.1",
             std::uint16_t port = 0);
  ~raw_server();
  raw_server(const raw_server&) = delete;
  raw_server& operator=(const raw_server&) = delete;

  std::uint16_t port() const;
  // "http(s)://<bind_ip>:<port><path>"
  std::string url(std::string_view path) const;
  // Accepted connections so far (TLS ones count even when the handshake fails).
  int connections() const;
  // Request heads received, in order.
  std::vector<std::string> requests() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace authplane::http::test
