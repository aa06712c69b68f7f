// Synchronous client: a private io_context per call, one coroutine, run_for(timeout) bounds the
// whole exchange (every address tried shares the one deadline).
#include "authplane/http/client.hpp"

#include <openssl/ssl.h>

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>

#include "net.hpp"

namespace authplane::http {
using namespace detail;
namespace ssl = boost::asio::ssl;

namespace {
using boost::system::errc::make_error_code;
namespace sys_errc = boost::system::errc;

error_code bad_url() { return make_error_code(sys_errc::invalid_argument); }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return out;
}

std::string_view default_port(std::string_view scheme) { return scheme == "https" ? "443" : "80"; }

// Splits "host", "host:port", "[v6]" or "[v6]:port". False when malformed.
bool split_authority(std::string_view authority, std::string_view& host, std::string_view& port) {
  if (authority.empty() || authority.find('@') != std::string_view::npos) return false;
  std::string_view after;
  if (authority.front() == '[') {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return false;
    host = authority.substr(1, close - 1);
    after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') return false;
  } else {
    std::size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) after = authority.substr(colon);
  }
  if (!after.empty()) {
    port = after.substr(1);
    if (port.empty()) return false;
  }
  if (host.empty() || port.find_first_not_of("0123456789") != std::string_view::npos || port.size() > 5) return false;
  return port.empty() || std::stoul(std::string(port)) <= 65535;
}

// RFC 9110 §7.2: Host carries the port only when it is not the scheme's default.
std::string host_header_for(std::string_view scheme, std::string_view host, std::string_view port) {
  bool v6 = host.find(':') != std::string_view::npos;
  std::string out = v6 ? "[" + std::string(host) + "]" : std::string(host);
  if (port != default_port(scheme)) out += ":" + std::string(port);
  return out;
}

bhttp::request<bhttp::string_body> build_request(std::string_view method, const url_parts& u, const header_list& headers,
                                                 std::string_view body) {
  bhttp::request<bhttp::string_body> req;
  req.method_string(method);
  req.target(u.target);
  req.version(11);
  for (const auto& [k, v] : headers.items) req.insert(k, v);
  if (!headers.get("Host")) req.set(bhttp::field::host, u.host_header);
  if (!headers.get("Connection")) req.set(bhttp::field::connection, "close");
  req.body() = std::string(body);
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") req.content_length(body.size());
  return req;
}

error_code configure_tls(ssl::context& ctx, const std::string& ca_file) {
  boost::system::error_code ec;
  ctx.set_verify_mode(ssl::verify_peer, ec);
  if (!ec) {
    if (ca_file.empty()) {
      ctx.set_default_verify_paths(ec);
    } else {
      ctx.load_verify_file(ca_file, ec);
    }
  }
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  return ec;
}

bool is_ip_literal(const std::string& host) {
  boost::system::error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

// One call's shared, read-only inputs.
struct call {
  const url_parts& url;
  const bhttp::request<bhttp::string_body>& req;
  const fetch_options& opts;
  bool head;
};

template <class Stream>
net::awaitable<error_code> write_and_read(Stream& stream, const call& c, client_response& out) {
  auto [wec, wn] = co_await bhttp::async_write(stream, c.req, use_tuple);
  if (wec) co_return wec;
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.header_limit(64 * 1024);
  // Beast refuses a Content-Length above the limit before reading the body, and counts bytes
  // while reading chunked or close-delimited bodies.
  parser.body_limit(c.opts.max_response_bytes);
  if (c.head) parser.skip(true);
  auto [rec, rn] = co_await bhttp::async_read(stream, buffer, parser, use_tuple);
  if (rec == bhttp::error::body_limit) co_return make_error_code(sys_errc::message_size);
  if (rec) co_return rec;
  auto& m = parser.get();
  out.status = static_cast<int>(m.result_int());
  out.headers = {};
  for (const auto& f : m) out.headers.add(std::string(f.name_string()), std::string(f.value()));
  out.body = std::move(m.body());
  co_return error_code{};
}

net::awaitable<error_code> attempt_plain(const tcp::endpoint& ep, const call& c, client_response& out) {
  beast::tcp_stream stream(co_await net::this_coro::executor);
  auto [cec] = co_await stream.async_connect(ep, use_tuple);
  if (cec) co_return cec;
  error_code ec = co_await write_and_read(stream, c, out);
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  co_return ec;
}

net::awaitable<error_code> attempt_tls(ssl::context& ctx, const tcp::endpoint& ep, const call& c, client_response& out) {
  beast::ssl_stream<beast::tcp_stream> stream(co_await net::this_coro::executor, ctx);
  // SNI carries names only (RFC 6066 §3); verification always uses the URL's host.
  if (!is_ip_literal(c.url.host)) SSL_set_tlsext_host_name(stream.native_handle(), c.url.host.c_str());
  stream.set_verify_callback(ssl::host_name_verification(c.url.host));
  auto [cec] = co_await beast::get_lowest_layer(stream).async_connect(ep, use_tuple);
  if (cec) co_return cec;
  auto [hec] = co_await stream.async_handshake(ssl::stream_base::client, use_tuple);
  if (hec) co_return hec;
  // No TLS close_notify exchange: the response is complete and the connection is not reused.
  co_return co_await write_and_read(stream, c, out);
}

bool addresses_allowed(const std::vector<tcp::endpoint>& eps, const fetch_options& o) {
  if (!o.allow_address) return true;
  for (const auto& e : eps) {
    if (!o.allow_address(e.address().to_string())) return false;
  }
  return true;
}

// The URL's host resolved (all A/AAAA), or the caller's connect_to list.
net::awaitable<error_code> resolve(const call& c, std::vector<tcp::endpoint>& out) {
  std::uint16_t port = static_cast<std::uint16_t>(std::stoul(c.url.port));
  if (!c.opts.connect_to.empty()) {
    for (const auto& ip : c.opts.connect_to) {
      boost::system::error_code ec;
      auto addr = net::ip::make_address(ip, ec);
      if (ec) co_return make_error_code(sys_errc::invalid_argument);
      out.emplace_back(addr, port);
    }
    co_return error_code{};
  }
  tcp::resolver resolver(co_await net::this_coro::executor);
  auto [rec, eps] = co_await resolver.async_resolve(c.url.host, c.url.port, use_tuple);
  if (rec) co_return rec;
  for (const auto& e : eps) out.push_back(e.endpoint());
  co_return error_code{};
}

bool accepted(const client_response& r, const fetch_options& o) {
  return !o.accept_response || r.status < 200 || r.status > 299 || o.accept_response(r);
}

// Resolves once, checks every address, then tries them in order until one answers.
net::awaitable<error_code> run_exchange(ssl::context& ctx, const call& c, client_response& out) {
  std::vector<tcp::endpoint> eps;
  error_code rec = co_await resolve(c, eps);
  if (rec) co_return rec;
  if (!addresses_allowed(eps, c.opts)) co_return make_error_code(sys_errc::permission_denied);
  error_code last = make_error_code(sys_errc::host_unreachable);
  for (const auto& e : eps) {
    // if/else, not ?: — GCC 12 mis-compiles co_await inside a conditional expression.
    if (c.url.scheme == "https") {
      last = co_await attempt_tls(ctx, e, c, out);
    } else {
      last = co_await attempt_plain(e, c, out);
    }
    if (last == sys_errc::message_size) co_return last;  // the server answered: no retry
    if (!last && accepted(out, c.opts)) co_return error_code{};
    if (!last) last = make_error_code(sys_errc::bad_message);
  }
  co_return last;
}
}  // namespace

result<url_parts> parse_url(std::string_view url) {
  std::size_t sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0) return bad_url();
  url_parts u;
  u.scheme = lower(url.substr(0, sep));
  if (u.scheme != "http" && u.scheme != "https") return make_error_code(sys_errc::protocol_not_supported);
  std::string_view rest = url.substr(sep + 3);
  std::size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  std::string_view tail = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  if (auto hash = tail.find('#'); hash != std::string_view::npos) tail = tail.substr(0, hash);
  std::string_view host, port;
  if (!split_authority(authority, host, port)) return bad_url();
  u.host = std::string(host);
  u.port = port.empty() ? std::string(default_port(u.scheme)) : std::string(port);
  u.host_header = host_header_for(u.scheme, u.host, u.port);
  u.target = tail.empty() ? "/" : (tail.front() == '?' ? "/" + std::string(tail) : std::string(tail));
  return u;
}

result<client_response> fetch(std::string_view method, std::string_view url, const header_list& headers,
                              std::string_view body, const fetch_options& options) {
  auto u = parse_url(url);
  if (!u) return u.error();
  auto req = build_request(method, *u, headers, body);
  ssl::context ctx(ssl::context::tls_client);
  if (u->scheme == "https") {
    if (auto ec = configure_tls(ctx, options.ca_file)) return ec;
  }
  const call c{*u, req, options, method == "HEAD"};

  // Declared before the io_context: its destructor may still tear down the coroutine.
  client_response out;
  error_code ec;
  bool finished = false;
  net::io_context ioc(1);
  net::co_spawn(ioc, run_exchange(ctx, c, out), [&](std::exception_ptr e, error_code r) {
    ec = e ? make_error_code(sys_errc::io_error) : r;
    finished = true;
  });
  ioc.run_for(options.timeout);
  if (!finished) return make_error_code(sys_errc::timed_out);
  if (ec) return ec;
  return out;
}

result<client_response> fetch(std::string_view method, std::string_view url, const header_list& headers,
                              std::string_view body, std::chrono::milliseconds timeout) {
  fetch_options o;
  o.timeout = timeout;
  return fetch(method, url, headers, body, o);
}
}  // namespace authplane::http
