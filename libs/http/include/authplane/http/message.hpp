// Plain HTTP request/response values: what handlers see. No Beast or Asio types here, so API
// code compiles without those headers (they live only in libs/http/src).
//
//   http::response r = http::response::json(200, R"({"ok":true})");
//   r.set_header("Cache-Control", "no-store");
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace authplane::http {

// Case-insensitive ASCII comparison for header names.
bool iequals(std::string_view a, std::string_view b) noexcept;

struct header_list {
  std::vector<std::pair<std::string, std::string>> items;
  // First value of the named header (case-insensitive), if present.
  std::optional<std::string_view> get(std::string_view name) const;
  // Number of occurrences of the named header.
  std::size_t count(std::string_view name) const;
  void add(std::string name, std::string value) { items.emplace_back(std::move(name), std::move(value)); }
  // Replace every occurrence of `name` with one value.
  void set(std::string_view name, std::string value);
};

struct request {
  std::string method;   // upper-case, as received: "GET", "POST", ...
  std::string target;   // raw request-target: "/oauth/token?x=1"
  std::string path;     // target without the query, not percent-decoded
  std::string query;    // after '?', without it; empty when absent
  header_list headers;
  std::string body;     // already bounded by the server's body limit
  std::string remote_ip;  // peer address of the TCP connection (X-Forwarded-For is never trusted)
  std::map<std::string, std::string> path_params;  // filled by the router for "{name}" segments
};

struct response {
  int status = 200;
  header_list headers;
  std::string body;

  static response json(int status, std::string body);
  static response text(int status, std::string body, std::string content_type = "text/plain; charset=utf-8");
  static response empty(int status);
  void set_header(std::string_view name, std::string value) { headers.set(name, std::move(value)); }
};

// Completes a request. May be called from any thread, exactly once; the connection resumes when
// it is called (so a handler may hand it to a background writer and return at once). If it is
// destroyed without being called, the server answers 500. A second call is ignored.
//
// Any callable `void(response&&)` is accepted, including move-only ones, so a middleware can wrap
// the responder it was given:
//   next(req, http::responder([d = std::move(done)](http::response&& r) mutable {
//     r.set_header("X-Frame-Options", "DENY");
//     d(std::move(r));
//   }));
class responder {
 public:
  using fn = std::function<void(response&&)>;
  responder() = default;
  explicit responder(fn f) {
    if (f) f_ = std::make_unique<model<fn>>(std::move(f));
  }
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, fn> &&
                                              !std::is_same_v<std::decay_t<F>, responder> &&
                                              std::is_invocable_v<std::decay_t<F>&, response&&>>>
  explicit responder(F&& f) : f_(std::make_unique<model<std::decay_t<F>>>(std::forward<F>(f))) {}
  responder(responder&&) noexcept = default;
  responder& operator=(responder&& other) noexcept;  // an unanswered target answers 500 first
  responder(const responder&) = delete;
  responder& operator=(const responder&) = delete;
  ~responder();
  void operator()(response&& r);
  explicit operator bool() const { return static_cast<bool>(f_); }

 private:
  struct concept_t {
    virtual ~concept_t() = default;
    virtual void call(response&& r) = 0;
  };
  template <class F>
  struct model final : concept_t {
    template <class G>
    explicit model(G&& g) : f(std::forward<G>(g)) {}
    void call(response&& r) override { f(std::move(r)); }
    F f;
  };
  std::unique_ptr<concept_t> f_;
};

using handler = std::function<void(request&, responder)>;

// application/x-www-form-urlencoded (also query strings). Repeated keys are kept in order.
// Returns nullopt on malformed percent-encoding.
std::optional<std::vector<std::pair<std::string, std::string>>> parse_form(std::string_view body);
std::string url_encode(std::string_view s);  // RFC 3986 unreserved kept, everything else %XX
std::optional<std::string> url_decode(std::string_view s, bool plus_as_space = true);
std::string_view status_text(int status);
}  // namespace authplane::http
