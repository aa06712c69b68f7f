// Tiny synchronous HTTP/1.1 client for tests and tools. Plain http:// only, one request per
// connection (sends "Connection: close" unless the caller sets Connection), no redirects
// followed, response body capped at 4 MiB.
//
//   auto r = http::fetch("POST", "http://127.0.0.1:9000/oauth/token",
//                        {{{"Content-Type", "application/x-www-form-urlencoded"}}}, "grant_type=...", 5s);
//   if (r && r->status == 200) ...
#pragma once
#include <chrono>
#include <string>
#include <string_view>

#include "authplane/core/result.hpp"
#include "authplane/http/message.hpp"

namespace authplane::http {

struct client_response {
  int status = 0;
  header_list headers;
  std::string body;
};

// Errors: invalid_argument (bad URL), protocol_not_supported (https:// or other schemes),
// timed_out (the whole exchange exceeded `timeout`), or the socket / HTTP parse error.
// A "Host" header is added unless given; Content-Length is set from `body`.
result<client_response> fetch(std::string_view method, std::string_view url, const header_list& headers,
                              std::string_view body, std::chrono::milliseconds timeout);
}  // namespace authplane::http
