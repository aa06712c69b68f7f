// MCP server: lifecycle (initialize, ping), tools from ordinary C++ callables, resources and
// resource templates, prompts, completion, logging, progress, server-to-client requests
// (sampling, elicitation) and the Streamable HTTP transport.
//
//   mcp::server srv{{.name = "demo-server", .version = "1.0.0"}};
//   srv.tool("echo", "Echo text", {"text"}, [](std::string text) { return text; });
//   srv.routes(router, {.path = "/mcp"});      // or: srv.run({.host = "127.0.0.1", .port = 8000});
#pragma once
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <mutex>
#include <set>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "authplane/core/clock.hpp"
#include "authplane/http/server.hpp"
#include "authplane/mcp/jsonrpc.hpp"
#include "authplane/mcp/schema.hpp"

namespace authplane::mcp {

// Protocol versions this server speaks, newest first.
inline constexpr std::string_view latest_protocol_version = "2025-11-25";
const std::vector<std::string>& supported_protocol_versions();

// A per-tool refusal. Over HTTP the whole POST is answered with `status`, `headers`, `body`
// (e.g. 403 with a WWW-Authenticate insufficient_scope challenge); in-process callers receive a
// tool result with isError true and `message`.
struct auth_denial {
  int status = 403;
  std::string message = "forbidden";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// Who is calling. An auth layer (e.g. the SDK) produces it from the request; libs/mcp only hands
// it to per-tool auth hooks.
struct principal {
  std::string subject;
  std::string client_id;
  std::vector<std::string> scopes;
  boost::json::object claims;
  // Set by an auth layer that wants to phrase insufficient-scope refusals itself (the SDK adds
  // resource_metadata and its dev-mode description). Receives every scope the tool requires.
  std::function<auth_denial(const std::vector<std::string>& required)> insufficient_scope;
};

// Returns nullopt to allow. `who` is null when no auth layer attached a principal.
using tool_auth = std::function<std::optional<auth_denial>(const principal* who)>;
// Allows when `who` holds every scope; otherwise 403 with
// `WWW-Authenticate: Bearer error="insufficient_scope", scope="a b"` (401 when `who` is null).
tool_auth require_scopes(std::vector<std::string> scopes);

// What a tool returns when std::string / boost::json::value are not enough.
struct tool_result {
  boost::json::array content;                        // MCP content blocks
  std::optional<boost::json::object> structured;     // -> structuredContent
  bool is_error = false;
  static tool_result text(std::string text, bool is_error = false);
};

// Throw from a tool to report a failure the model should see (isError: true), not a protocol error.
struct tool_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct tool_options {
  std::string title;
  tool_auth auth;                                   // empty = everyone
  std::optional<boost::json::object> annotations;   // readOnlyHint, destructiveHint, ...
};

// Content blocks for tool results and prompt messages. Binary data is given as raw bytes and
// sent base64-encoded.
namespace content {
boost::json::object text(std::string text);
boost::json::object image(std::string_view bytes, std::string mime_type);
boost::json::object audio(std::string_view bytes, std::string mime_type);
// An embedded resource ("type":"resource") with text or binary contents.
boost::json::object resource_text(std::string uri, std::string mime_type, std::string text);
boost::json::object resource_blob(std::string uri, std::string mime_type, std::string_view bytes);
}  // namespace content

struct session_state;

// Where the messages a running request sends to the client go. The HTTP transport supplies one
// per tools/call; in-process dispatch() without one only collects notifications.
class client_channel {
 public:
  virtual ~client_channel() = default;
  virtual void notify(boost::json::value notification) = 0;
  // Sends a request to the client and blocks until it answers. Returns the result; throws
  // tool_error on a JSON-RPC error answer, a timeout or a closed session.
  virtual boost::json::value request(std::string_view method, boost::json::object params) = 0;
  // Ends the HTTP response that carries this request's events now; the client resumes with GET
  // and Last-Event-ID (SSE polling, SEP-1699). Does nothing where unsupported.
  virtual void close_stream() {}
};

// Given to tools whose first parameter is `mcp::context&` (not part of the input schema):
//   srv.tool("slow", "Slow work", {"n"}, [](mcp::context& ctx, int n) { ctx.progress(1, n); ... });
class context {
 public:
  context(const principal* who, boost::json::value progress_token, std::vector<boost::json::value>* sink,
          const session_state* session = nullptr, client_channel* channel = nullptr)
      : who_(who), token_(std::move(progress_token)), sink_(sink), session_(session), channel_(channel) {}
  // The caller as produced by transport_options::authenticate; null when none.
  const principal* who() const { return who_; }
  // Sends notifications/progress when the request carried params._meta.progressToken (else does
  // nothing).
  void progress(double progress, std::optional<double> total = std::nullopt, std::string message = {});
  // Sends notifications/message when `level` (debug, info, ... emergency) is at or above the
  // session's logging/setLevel threshold. Throws std::invalid_argument on an unknown level.
  void log(std::string_view level, boost::json::value data, std::string logger = {});
  // True when the client declared the capability ("sampling", "elicitation", "roots") at initialize.
  bool client_supports(std::string_view capability) const;
  // elicitation/create: asks the user through the client. Returns the result object
  // ({"action":"accept","content":{...}} or decline/cancel). Throws tool_error when the client
  // lacks the capability or the transport cannot ask (stateless, in-process).
  boost::json::object elicit(std::string message, boost::json::object requested_schema);
  // sampling/createMessage with the given params (messages, maxTokens, ...). Returns the result.
  boost::json::object sample(boost::json::object params);
  // Any other request to the client; returns its result.
  boost::json::value request(std::string_view method, boost::json::object params);
  // See client_channel::close_stream.
  void close_stream();

 private:
  void send(boost::json::value notification);
  const principal* who_;
  boost::json::value token_;
  std::vector<boost::json::value>* sink_;
  const session_state* session_;
  client_channel* channel_;
};

// Suggests values for a partially typed prompt argument or template variable (completion/complete).
using completer = std::function<std::vector<std::string>(std::string_view partial)>;

struct resource_info {
  std::string uri;
  std::string name;
  std::string description;
  std::string mime_type = "text/plain";
};

// What a resource read produces: text, or raw bytes (sent base64 as "blob").
struct resource_content {
  std::string data;
  bool binary = false;
  std::string mime_type;   // empty: the registered one
};

// A parameterised resource (RFC 6570 level 1: "{name}" matches one non-empty path segment).
struct resource_template_info {
  std::string uri_template;   // "test://items/{id}/data"
  std::string name;
  std::string description;
  std::string mime_type = "text/plain";
  std::map<std::string, completer> complete;   // per variable, for completion/complete
};

struct prompt_argument {
  std::string name;
  std::string description;
  bool required = false;
  completer complete;   // optional, for completion/complete
};
struct prompt_info {
  std::string name;
  std::string description;
  std::vector<prompt_argument> arguments;
};
struct prompt_message {
  std::string role = "user";   // "user" or "assistant"
  std::string text;
  std::optional<boost::json::object> content;   // any content block (mcp::content::...); replaces text
};

struct server_info {
  std::string name;
  std::string version;
  std::string title;          // optional
  std::string instructions;   // optional, sent in the initialize result when non-empty
  std::size_t page_size = 50; // items per page of tools/list, resources/list, prompts/list
  // Invalid tool arguments (missing, wrong type) answer a tool result with isError true, as MCP
  // 2025-11-25 (SEP-1303) asks, so the model can correct itself. Set false for the older JSON-RPC
  // -32602 error (same message text).
  bool argument_errors_as_tool_errors = true;
};

// Per-connection (per Mcp-Session-Id) state. Thread-safe to share between concurrent requests.
struct session_state {
  std::string protocol_version;      // negotiated (or assumed, in stateless mode)
  std::atomic<int> log_level{1};     // index into debug, info, notice, ... emergency
  // Guards the members below (written by initialize and resources/(un)subscribe).
  mutable std::mutex mu;
  boost::json::object client_capabilities;   // as sent in initialize
  std::set<std::string> subscriptions;       // resource URIs (resources/subscribe)
};

// The outcome of handling one body.
struct dispatch_result {
  std::optional<boost::json::value> reply;   // nullopt: nothing to answer (notifications/responses)
  std::optional<auth_denial> denied;         // a tool refused the caller
  bool parse_failed = false;                 // -32700, or a body that is not a valid message/batch
  std::string negotiated_version;            // set when the body was a successful initialize
  std::vector<boost::json::value> notifications;  // sent before the reply (progress)
};

struct transport_options {
  std::string path = "/mcp";
  bool stateless = false;
  // Origins allowed to call (exact "scheme://host[:port]"). Empty: only loopback origins
  // (http(s)://localhost, 127.0.0.1, [::1], any port). "*" allows every origin. Requests without
  // an Origin header are always allowed.
  std::vector<std::string> allowed_origins;
  std::size_t max_body_bytes = 4 * 1024 * 1024;     // 413 beyond
  std::size_t max_sessions = 10'000;               // 503 for initialize beyond
  std::int64_t session_idle_seconds = 3600;        // an idle session expires (then 404)
  const authplane::clock* clock = nullptr;         // null: system clock
  // Produces the caller for per-tool auth hooks (the SDK's middleware supplies this).
  std::function<std::shared_ptr<const principal>(const http::request&)> authenticate;
  // Runs first on every POST/GET/DELETE of `path` (after the Origin check). Returning a response
  // refuses the request with it (e.g. 401 with a WWW-Authenticate challenge); otherwise it may set
  // `who`, the caller handed to per-tool auth hooks (then `authenticate` is not called).
  std::function<std::optional<http::response>(const http::request&, std::shared_ptr<const principal>& who)> gate;
  // tools/call requests (stateful mode) run on this many worker threads, so a tool may wait for
  // the client (elicitation, sampling) without holding an HTTP I/O thread.
  unsigned workers = 4;
  // How long a tool waits for the client's answer to a server-to-client request.
  std::chrono::milliseconds client_request_timeout{60'000};
  // The SSE "retry" field: how soon a client reconnects with GET + Last-Event-ID after the server
  // ended a tools/call stream early (to deliver a request to the client, or on close_stream()).
  std::chrono::milliseconds sse_retry{200};
};

struct run_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8000;
  unsigned threads = 0;
  transport_options transport;
  // Called with the router before the MCP routes are added (extra routes, middleware).
  std::function<void(http::router&)> configure;
};

class server {
 public:
  explicit server(server_info info);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Registers a tool. `names` name the callable's parameters in order (C++ cannot reflect them);
  // std::optional parameters are not required. Alternatively give no names and a callable taking
  // one described struct: its fields become the arguments. The callable may return std::string
  // (text content), boost::json::value (structuredContent when an object, plus its text), a
  // tool_result, or void. Throws std::invalid_argument on a duplicate name or a name count mismatch.
  template <class F>
  server& tool(std::string name, std::string description, std::vector<std::string> names, F&& fn,
               tool_options opts = {});
  template <class F>
  server& tool(std::string name, std::string description, F&& fn, tool_options opts = {}) {
    return tool(std::move(name), std::move(description), std::vector<std::string>{}, std::forward<F>(fn),
                std::move(opts));
  }
  // Low-level form: an explicit input schema and a callable that receives the raw arguments.
  server& raw_tool(std::string name, std::string description, boost::json::object input_schema,
                   std::function<tool_result(const boost::json::object& args)> fn, tool_options opts = {});

  // A resource whose text `read` produces on each resources/read.
  server& resource(resource_info info, std::function<std::string()> read);
  // A resource whose bytes `read` produces (sent base64 as "blob").
  server& binary_resource(resource_info info, std::function<std::string()> read);
  // A resource template; `read` receives the requested URI and the template's variables.
  server& resource_template(
      resource_template_info info,
      std::function<resource_content(const std::string& uri, const std::map<std::string, std::string>& vars)> read);
  // A prompt; prompts/get checks required arguments before calling `get`.
  server& prompt(prompt_info info,
                 std::function<std::vector<prompt_message>(const std::map<std::string, std::string>&)> get);

  // Handles one body (one message or a batch) for `session`. Never throws. Without a `channel`,
  // notifications are collected in dispatch_result::notifications and tools cannot ask the client.
  dispatch_result dispatch(std::string_view body, session_state& session, const principal* who = nullptr,
                           client_channel* channel = nullptr) const;
  // The same for a body that is already parsed (the transport parses it once for its own checks).
  // `body` must stay alive and unchanged during the call: tools see their arguments in place.
  dispatch_result dispatch_parsed(const boost::json::value& body, session_state& session,
                                  const principal* who = nullptr, client_channel* channel = nullptr) const;

  // Registers POST/GET/DELETE on opts.path. The server must outlive the router.
  void routes(http::router& r, transport_options opts = {});
  // Creates an http::server, registers the routes and blocks until SIGINT/SIGTERM.
  void run(run_options opts = {});

  const server_info& info() const { return info_; }

 private:
  struct tool_entry {
    std::string name;
    std::string description;
    boost::json::object input_schema;
    std::function<tool_result(const boost::json::object&, context&)> call;
    tool_options opts;
  };
  void add_tool(tool_entry t);

  template <class R>
  static tool_result to_result(R&& r);
  template <class... A>
  static boost::json::object params_schema(const std::vector<std::string>& names);
  template <bool HasCtx, class... A, class F>
  static std::function<tool_result(const boost::json::object&, context&)> make_call(std::vector<std::string> names, F fn);
  template <bool HasCtx, class F, class Tuple>
  static tool_result invoke(F& fn, context& ctx, Tuple&& values);

  struct impl;
  server_info info_;
  std::unique_ptr<impl> impl_;
};

// ---- implementation of the templates -------------------------------------------------------
namespace detail {
template <class T>
struct callable_traits : callable_traits<decltype(&T::operator())> {};
template <class R, class... A>
struct callable_traits<R (*)(A...)> {
  using args = std::tuple<A...>;
};
template <class R, class... A>
struct callable_traits<R(A...)> : callable_traits<R (*)(A...)> {};
template <class C, class R, class... A>
struct callable_traits<R (C::*)(A...) const> : callable_traits<R (*)(A...)> {};
template <class C, class R, class... A>
struct callable_traits<R (C::*)(A...)> : callable_traits<R (*)(A...)> {};
template <class C, class R, class... A>
struct callable_traits<R (C::*)(A...) const noexcept> : callable_traits<R (*)(A...)> {};
template <class C, class R, class... A>
struct callable_traits<R (C::*)(A...) noexcept> : callable_traits<R (*)(A...)> {};
std::string dump(const boost::json::value& v);
template <class T>
inline constexpr bool is_context = std::is_same_v<std::remove_cvref_t<T>, context>;
template <class... A>
struct split_context {
  static constexpr bool has = false;
  using rest = std::tuple<A...>;
};
template <class C, class... A>
  requires is_context<C>
struct split_context<C, A...> {
  static constexpr bool has = true;
  using rest = std::tuple<A...>;
};
template <class T>
struct split_tuple;
template <class... A>
struct split_tuple<std::tuple<A...>> : split_context<A...> {};
}  // namespace detail

template <class R>
tool_result server::to_result(R&& r) {
  using U = std::remove_cvref_t<R>;
  if constexpr (std::is_same_v<U, tool_result>) {
    return std::forward<R>(r);
  } else if constexpr (std::is_convertible_v<U, std::string> && !std::is_same_v<U, boost::json::value>) {
    return tool_result::text(std::string(std::forward<R>(r)));
  } else if constexpr (std::is_same_v<U, boost::json::value> || std::is_same_v<U, boost::json::object> ||
                       std::is_same_v<U, boost::json::array>) {
    boost::json::value v(std::forward<R>(r));
    tool_result out = tool_result::text(detail::dump(v));
    if (v.is_object()) out.structured = v.get_object();
    return out;
  } else {
    static_assert(sizeof(U) == 0, "a tool returns std::string, boost::json::value, mcp::tool_result or void");
  }
}

template <class... A>
boost::json::object server::params_schema(const std::vector<std::string>& names) {
  boost::json::object props;
  boost::json::array required;
  std::size_t i = 0;
  (void)names;
  (void)i;
  ((props[names[i]] = schema_of<A>(), (is_optional_param<A> ? void() : void(required.emplace_back(names[i]))), ++i),
   ...);
  boost::json::object out{{"type", "object"}, {"properties", std::move(props)}};
  if (!required.empty()) out["required"] = std::move(required);
  return out;
}

template <bool HasCtx, class F, class Tuple>
tool_result server::invoke(F& fn, context& ctx, Tuple&& values) {
  auto call = [&]() -> decltype(auto) {
    if constexpr (HasCtx)
      return std::apply([&](auto&&... xs) -> decltype(auto) { return fn(ctx, std::move(xs)...); }, std::move(values));
    else
      return std::apply(fn, std::move(values));
  };
  (void)ctx;
  using R = decltype(call());
  if constexpr (std::is_void_v<R>) {
    call();
    return tool_result{};
  } else {
    return to_result(call());
  }
}

template <bool HasCtx, class... A, class F>
std::function<tool_result(const boost::json::object&, context&)> server::make_call(std::vector<std::string> names, F fn) {
  return [names = std::move(names), fn = std::move(fn)](const boost::json::object& args, context& ctx) mutable -> tool_result {
    auto convert = [&]<std::size_t... I>(std::index_sequence<I...>) {
      auto one = [&]<class T>(std::type_identity<T>, const std::string& n) -> std::remove_cvref_t<T> {
        auto it = args.find(n);
        if (it == args.end()) {
          if constexpr (is_optional_param<T>) return std::nullopt;
          else throw invalid_argument("missing required argument \"" + n + "\"");
        }
        return from_json<std::remove_cvref_t<T>>(it->value(), n);
      };
      (void)one;
      return std::tuple<std::remove_cvref_t<A>...>{one(std::type_identity<A>{}, names[I])...};
    };
    return invoke<HasCtx>(fn, ctx, convert(std::index_sequence_for<A...>{}));
  };
}

template <class F>
server& server::tool(std::string name, std::string description, std::vector<std::string> names, F&& fn,
                     tool_options opts) {
  using split = detail::split_tuple<typename detail::callable_traits<std::remove_cvref_t<F>>::args>;
  tool_entry t;
  t.name = std::move(name);
  t.description = std::move(description);
  t.opts = std::move(opts);
  [&]<class... A>(std::type_identity<std::tuple<A...>>) {
    if constexpr (sizeof...(A) == 1 && (detail::described<std::remove_cvref_t<A>> && ...)) {
      if (names.empty()) {
        using S = std::remove_cvref_t<std::tuple_element_t<0, std::tuple<A...>>>;
        t.input_schema = schema_of<S>();
        t.call = [fn = std::decay_t<F>(std::forward<F>(fn))](const boost::json::object& args,
                                                             context& ctx) mutable -> tool_result {
          return invoke<split::has>(fn, ctx, std::tuple<S>{from_json<S>(boost::json::value(args), "")});
        };
        return;
      }
    }
    if (names.size() != sizeof...(A))
      throw std::invalid_argument("tool " + t.name + ": " + std::to_string(names.size()) + " parameter names for " +
                                  std::to_string(sizeof...(A)) + " parameters");
    t.input_schema = params_schema<A...>(names);
    t.call = make_call<split::has, A...>(std::move(names), std::decay_t<F>(std::forward<F>(fn)));
  }(std::type_identity<typename split::rest>{});
  add_tool(std::move(t));
  return *this;
}
}  // namespace authplane::mcp
