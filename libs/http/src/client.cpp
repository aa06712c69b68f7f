// Synchronous client: a private io_context per call, one coroutine, run_for(timeout).
#include "authplane/http/client.hpp"

#include "net.hpp"

namespace authplane::http {
using namespace detail;

namespace {
struct parsed_url {
  std::string host;  // without brackets
  std::string port;
  std::string host_header;
  std::string target;
};

bool parse_url(std::string_view url, parsed_url& out, boost::system::error_code& ec) {
  using boost::system::errc::make_error_code;
  constexpr std::string_view scheme = "http://";
  if (url.size() < scheme.size() || !iequals(url.substr(0, scheme.size()), scheme)) {
    bool has_scheme = url.find("://") != std::string_view::npos;
    ec = make_error_code(has_scheme ? boost::system::errc::protocol_not_supported : boost::system::errc::invalid_argument);
    return false;
  }
  std::string_view rest = url.substr(scheme.size());
  std::size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  std::string_view tail = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  if (auto hash = tail.find('#'); hash != std::string_view::npos) tail = tail.substr(0, hash);
  if (authority.empty() || authority.find('@') != std::string_view::npos) {
    ec = make_error_code(boost::system::errc::invalid_argument);
    return false;
  }
  std::string_view host;
  std::string_view port;
  if (authority.front() == '[') {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      ec = make_error_code(boost::system::errc::invalid_argument);
      return false;
    }
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        ec = make_error_code(boost::system::errc::invalid_argument);
        return false;
      }
      port = after.substr(1);
    }
  } else {
    std::size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (host.empty() || (port.empty() && authority.back() == ':') ||
      port.find_first_not_of("0123456789") != std::string_view::npos || port.size() > 5) {
    ec = make_error_code(boost::system::errc::invalid_argument);
    return false;
  }
  out.host = std::string(host);
  out.port = port.empty() ? "80" : std::string(port);
  out.host_header = std::string(authority);
  out.target = tail.empty() ? "/" : (tail.front() == '?' ? "/" + std::string(tail) : std::string(tail));
  return true;
}
}  // namespace

result<client_response> fetch(std::string_view method, std::string_view url, const header_list& headers,
                              std::string_view body, std::chrono::milliseconds timeout) {
  parsed_url u;
  boost::system::error_code ec;
  if (!parse_url(url, u, ec)) return ec;

  bhttp::request<bhttp::string_body> req;
  req.method_string(method);
  req.target(u.target);
  req.version(11);
  for (const auto& [k, v] : headers.items) req.insert(k, v);
  if (!headers.get("Host")) req.set(bhttp::field::host, u.host_header);
  if (!headers.get("Connection")) req.set(bhttp::field::connection, "close");
  req.body() = std::string(body);
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    req.content_length(body.size());
  }
  const bool head_request = method == "HEAD";

  // Declared before the io_context: its destructor may still tear down the coroutine.
  client_response out;
  bool finished = false;
  net::io_context ioc(1);
  auto exchange = [&]() -> net::awaitable<void> {
    tcp::resolver resolver(ioc);
    auto [rec, endpoints] = co_await resolver.async_resolve(u.host, u.port, use_tuple);
    if (rec) {
      ec = rec;
      finished = true;
      co_return;
    }
    beast::tcp_stream stream(ioc);
    auto [cec, ep] = co_await stream.async_connect(endpoints, use_tuple);
    if (cec) {
      ec = cec;
      finished = true;
      co_return;
    }
    auto [wec, wn] = co_await bhttp::async_write(stream, req, use_tuple);
    if (wec) {
      ec = wec;
      finished = true;
      co_return;
    }
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.header_limit(64 * 1024);
    parser.body_limit(4 * 1024 * 1024);
    if (head_request) parser.skip(true);
    auto [pec, pn] = co_await bhttp::async_read(stream, buffer, parser, use_tuple);
    if (pec) {
      ec = pec;
      finished = true;
      co_return;
    }
    auto& m = parser.get();
    out.status = static_cast<int>(m.result_int());
    for (const auto& f : m) out.headers.add(std::string(f.name_string()), std::string(f.value()));
    out.body = std::move(m.body());
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    finished = true;
  };
  net::co_spawn(ioc, exchange(), [&](std::exception_ptr e) {
    if (e && !finished) {
      ec = boost::system::errc::make_error_code(boost::system::errc::io_error);
      finished = true;
    }
  });
  ioc.run_for(timeout);
  if (!finished) return boost::system::errc::make_error_code(boost::system::errc::timed_out);
  if (ec) return ec;
  return out;
}
}  // namespace authplane::http
