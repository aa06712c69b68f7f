#include "authplane/mcp/server.hpp"

#include <algorithm>
#include <array>
#include <exception>
#include <set>

#include "authplane/core/base64url.hpp"

namespace authplane::mcp {
namespace json = boost::json;

namespace {
constexpr std::array<std::string_view, 8> log_levels{"debug",    "info",  "notice", "warning",
                                                     "error",    "critical", "alert", "emergency"};

struct rpc_error {
  int code;
  std::string message;
  std::optional<json::value> data;
};

std::string encode_cursor(std::size_t offset) { return base64url_encode("o:" + std::to_string(offset)); }

std::size_t decode_cursor(const json::object& params, std::size_t total) {
  const auto* c = params.if_contains("cursor");
  if (!c || c->is_null()) return 0;
  if (!c->is_string()) throw rpc_error{jsonrpc::invalid_params, "Invalid cursor"};
  auto raw = base64url_decode(std::string_view(c->get_string()));
  if (!raw || raw->size() < 3 || raw->size() > 22 || raw->compare(0, 2, "o:") != 0)
    throw rpc_error{jsonrpc::invalid_params, "Invalid cursor"};
  std::size_t n = 0;
  for (std::size_t i = 2; i < raw->size(); ++i) {
    char ch = (*raw)[i];
    if (ch < '0' || ch > '9') throw rpc_error{jsonrpc::invalid_params, "Invalid cursor"};
    n = n * 10 + static_cast<std::size_t>(ch - '0');
  }
  if (n == 0 || n >= total) throw rpc_error{jsonrpc::invalid_params, "Invalid cursor"};
  return n;
}

json::object tool_result_json(const tool_result& r) {
  json::object o{{"content", r.content}};
  if (r.structured) o["structuredContent"] = *r.structured;
  if (r.is_error) o["isError"] = true;
  return o;
}
}  // namespace

const std::vector<std::string>& supported_protocol_versions() {
  static const std::vector<std::string> v{"2025-11-25", "2025-06-18", "2025-03-26"};
  return v;
}

std::string detail::dump(const json::value& v) { return json::serialize(v); }

tool_result tool_result::text(std::string text, bool is_error) {
  tool_result r;
  r.content.push_back(json::object{{"type", "text"}, {"text", std::move(text)}});
  r.is_error = is_error;
  return r;
}

void context::progress(double progress, std::optional<double> total, std::string message) {
  if (token_.is_null() || !sink_) return;
  json::object p{{"progressToken", token_}, {"progress", progress}};
  if (total) p["total"] = *total;
  if (!message.empty()) p["message"] = std::move(message);
  sink_->push_back(jsonrpc::notification("notifications/progress", std::move(p)));
}

tool_auth require_scopes(std::vector<std::string> scopes) {
  return [scopes = std::move(scopes)](const principal* who) -> std::optional<auth_denial> {
    std::string joined;
    for (const auto& s : scopes) joined += (joined.empty() ? "" : " ") + s;
    if (!who) {
      auth_denial d;
      d.status = 401;
      d.message = "authentication required";
      d.headers.emplace_back("WWW-Authenticate", "Bearer scope=\"" + joined + "\"");
      return d;
    }
    for (const auto& s : scopes) {
      if (std::find(who->scopes.begin(), who->scopes.end(), s) == who->scopes.end()) {
        if (who->insufficient_scope) return who->insufficient_scope(scopes);
        auth_denial d;
        d.status = 403;
        d.message = "insufficient scope: requires " + joined;
        d.headers.emplace_back("WWW-Authenticate", "Bearer error=\"insufficient_scope\", scope=\"" + joined + "\"");
        d.body = json::serialize(json::object{{"error", "insufficient_scope"}, {"error_description", d.message}});
        d.headers.emplace_back("Content-Type", "application/json");
        return d;
      }
    }
    return std::nullopt;
  };
}

struct server::impl {
  std::vector<tool_entry> tools;
  struct resource_entry {
    resource_info info;
    std::function<std::string()> read;
  };
  std::vector<resource_entry> resources;
  struct prompt_entry {
    prompt_info info;
    std::function<std::vector<prompt_message>(const std::map<std::string, std::string>&)> get;
  };
  std::vector<prompt_entry> prompts;
};

server::server(server_info info) : info_(std::move(info)), impl_(std::make_unique<impl>()) {
  if (info_.page_size == 0) info_.page_size = 1;
}
server::~server() = default;

void server::add_tool(tool_entry t) {
  for (const auto& e : impl_->tools)
    if (e.name == t.name) throw std::invalid_argument("duplicate tool " + t.name);
  impl_->tools.push_back(std::move(t));
}

server& server::raw_tool(std::string name, std::string description, json::object input_schema,
                         std::function<tool_result(const json::object&)> fn, tool_options opts) {
  tool_entry t{std::move(name), std::move(description), std::move(input_schema),
               [fn = std::move(fn)](const json::object& args, context&) { return fn(args); }, std::move(opts)};
  add_tool(std::move(t));
  return *this;
}

server& server::resource(resource_info info, std::function<std::string()> read) {
  for (const auto& e : impl_->resources)
    if (e.info.uri == info.uri) throw std::invalid_argument("duplicate resource " + info.uri);
  impl_->resources.push_back({std::move(info), std::move(read)});
  return *this;
}

server& server::prompt(prompt_info info,
                       std::function<std::vector<prompt_message>(const std::map<std::string, std::string>&)> get) {
  for (const auto& e : impl_->prompts)
    if (e.info.name == info.name) throw std::invalid_argument("duplicate prompt " + info.name);
  impl_->prompts.push_back({std::move(info), std::move(get)});
  return *this;
}

namespace {
// Pagination over any vector: fills `key` with at most page_size items, and nextCursor.
template <class V, class F>
json::object page(const V& items, const json::object& params, std::size_t page_size, const char* key, F to_json) {
  std::size_t start = decode_cursor(params, items.size());
  json::array out;
  std::size_t end = std::min(items.size(), start + page_size);
  for (std::size_t i = start; i < end; ++i) out.push_back(to_json(items[i]));
  json::object r{{key, std::move(out)}};
  if (end < items.size()) r["nextCursor"] = encode_cursor(end);
  return r;
}

}  // namespace

dispatch_result server::dispatch(std::string_view body, session_state& session, const principal* who) const {
  dispatch_result out;
  auto parsed = jsonrpc::parse(body);
  if (parsed.error) {
    out.reply = std::move(*parsed.error);
    out.parse_failed = true;
    return out;
  }
  if (parsed.batch && session.protocol_version != "2025-03-26") {
    out.reply = jsonrpc::error_response(nullptr, jsonrpc::invalid_request,
                                        "Invalid Request: batches are not supported by protocol version " +
                                            (session.protocol_version.empty() ? std::string(latest_protocol_version)
                                                                              : session.protocol_version));
    out.parse_failed = true;
    return out;
  }

  auto handle = [&](const jsonrpc::message& m) -> std::optional<json::value> {
    if (m.type == jsonrpc::kind::invalid) {
      if (m.error.is_null()) return std::nullopt;
      return m.error;
    }
    if (m.type == jsonrpc::kind::response) return std::nullopt;  // no server-initiated requests yet
    const bool notify = m.type == jsonrpc::kind::notification;
    try {
      json::value result;
      const auto& p = m.params;
      if (m.method == "initialize") {
        if (parsed.batch) throw rpc_error{jsonrpc::invalid_request, "Invalid Request: initialize cannot be batched"};
        const auto* v = p.if_contains("protocolVersion");
        if (!v || !v->is_string())
          throw rpc_error{jsonrpc::invalid_params, "Invalid params: protocolVersion must be a string"};
        std::string asked(v->get_string());
        const auto& sup = supported_protocol_versions();
        std::string chosen = std::find(sup.begin(), sup.end(), asked) != sup.end() ? asked : sup.front();
        json::object caps;
        if (!impl_->tools.empty()) caps["tools"] = json::object{{"listChanged", false}};
        if (!impl_->resources.empty())
          caps["resources"] = json::object{{"subscribe", false}, {"listChanged", false}};
        if (!impl_->prompts.empty()) caps["prompts"] = json::object{{"listChanged", false}};
        caps["logging"] = json::object{};
        json::object si{{"name", info_.name}, {"version", info_.version}};
        if (!info_.title.empty()) si["title"] = info_.title;
        json::object r{{"protocolVersion", chosen}, {"capabilities", std::move(caps)}, {"serverInfo", std::move(si)}};
        if (!info_.instructions.empty()) r["instructions"] = info_.instructions;
        result = std::move(r);
        if (!notify) {
          session.protocol_version = chosen;
          out.negotiated_version = chosen;
        }
      } else if (m.method == "ping") {
        result = json::object{};
      } else if (m.method.starts_with("notifications/")) {
        if (notify) return std::nullopt;  // initialized, cancelled, roots/list_changed, ...: accepted
        throw rpc_error{jsonrpc::method_not_found, "Method not found: " + m.method};
      } else if (m.method == "tools/list" && !impl_->tools.empty()) {
        result = page(impl_->tools, p, info_.page_size, "tools", [](const tool_entry& t) {
          json::object o{{"name", t.name}, {"description", t.description}, {"inputSchema", t.input_schema}};
          if (!t.opts.title.empty()) o["title"] = t.opts.title;
          if (t.opts.annotations) o["annotations"] = *t.opts.annotations;
          return o;
        });
      } else if (m.method == "tools/call" && !impl_->tools.empty()) {
        const auto* n = p.if_contains("name");
        if (!n || !n->is_string()) throw rpc_error{jsonrpc::invalid_params, "Invalid params: name must be a string"};
        auto it = std::find_if(impl_->tools.begin(), impl_->tools.end(),
                               [&](const tool_entry& t) { return t.name == n->get_string(); });
        if (it == impl_->tools.end())
          throw rpc_error{jsonrpc::invalid_params, "Unknown tool: " + std::string(n->get_string())};
        json::object args;
        if (const auto* a = p.if_contains("arguments"); a && !a->is_null()) {
          if (!a->is_object()) throw rpc_error{jsonrpc::invalid_params, "Invalid params: arguments must be an object"};
          args = a->get_object();
        }
        if (it->opts.auth) {
          if (auto d = it->opts.auth(who)) {
            result = tool_result_json(tool_result::text(d->message, true));
            if (!out.denied) out.denied = std::move(*d);
            if (notify) return std::nullopt;
            return jsonrpc::result_response(m.id, std::move(result));
          }
        }
        json::value token = nullptr;
        if (const auto* meta = p.if_contains("_meta"); meta && meta->is_object())
          if (const auto* t = meta->get_object().if_contains("progressToken"); t && (t->is_string() || t->is_int64() || t->is_uint64()))
            token = *t;
        context ctx(who, std::move(token), &out.notifications);
        tool_result r;
        try {
          r = it->call(args, ctx);
        } catch (const invalid_argument& e) {
          std::string msg = "Invalid arguments for tool " + it->name + ": " + e.what();
          if (!info_.argument_errors_as_tool_errors) throw rpc_error{jsonrpc::invalid_params, std::move(msg)};
          r = tool_result::text(std::move(msg), true);
        } catch (const std::exception& e) {
          r = tool_result::text(e.what(), true);
        } catch (...) {
          r = tool_result::text("tool failed", true);
        }
        result = tool_result_json(r);
      } else if (m.method == "resources/list" && !impl_->resources.empty()) {
        result = page(impl_->resources, p, info_.page_size, "resources", [](const impl::resource_entry& e) {
          json::object o{{"uri", e.info.uri}, {"name", e.info.name}, {"mimeType", e.info.mime_type}};
          if (!e.info.description.empty()) o["description"] = e.info.description;
          return o;
        });
      } else if (m.method == "resources/templates/list" && !impl_->resources.empty()) {
        result = json::object{{"resourceTemplates", json::array{}}};
      } else if (m.method == "resources/read" && !impl_->resources.empty()) {
        const auto* u = p.if_contains("uri");
        if (!u || !u->is_string()) throw rpc_error{jsonrpc::invalid_params, "Invalid params: uri must be a string"};
        auto it = std::find_if(impl_->resources.begin(), impl_->resources.end(),
                               [&](const impl::resource_entry& e) { return e.info.uri == u->get_string(); });
        if (it == impl_->resources.end())
          throw rpc_error{jsonrpc::resource_not_found, "Resource not found", json::object{{"uri", *u}}};
        json::object c{{"uri", it->info.uri}, {"mimeType", it->info.mime_type}, {"text", it->read()}};
        result = json::object{{"contents", json::array{std::move(c)}}};
      } else if (m.method == "prompts/list" && !impl_->prompts.empty()) {
        result = page(impl_->prompts, p, info_.page_size, "prompts", [](const impl::prompt_entry& e) {
          json::object o{{"name", e.info.name}};
          if (!e.info.description.empty()) o["description"] = e.info.description;
          json::array args;
          for (const auto& a : e.info.arguments) {
            json::object ao{{"name", a.name}, {"required", a.required}};
            if (!a.description.empty()) ao["description"] = a.description;
            args.push_back(std::move(ao));
          }
          o["arguments"] = std::move(args);
          return o;
        });
      } else if (m.method == "prompts/get" && !impl_->prompts.empty()) {
        const auto* n = p.if_contains("name");
        if (!n || !n->is_string()) throw rpc_error{jsonrpc::invalid_params, "Invalid params: name must be a string"};
        auto it = std::find_if(impl_->prompts.begin(), impl_->prompts.end(),
                               [&](const impl::prompt_entry& e) { return e.info.name == n->get_string(); });
        if (it == impl_->prompts.end())
          throw rpc_error{jsonrpc::invalid_params, "Unknown prompt: " + std::string(n->get_string())};
        std::map<std::string, std::string> args;
        if (const auto* a = p.if_contains("arguments"); a && !a->is_null()) {
          if (!a->is_object()) throw rpc_error{jsonrpc::invalid_params, "Invalid params: arguments must be an object"};
          for (const auto& kv : a->get_object()) {
            if (!kv.value().is_string())
              throw rpc_error{jsonrpc::invalid_params,
                              "Invalid params: argument \"" + std::string(kv.key()) + "\" must be a string"};
            args[std::string(kv.key())] = std::string(kv.value().get_string());
          }
        }
        for (const auto& a : it->info.arguments)
          if (a.required && !args.count(a.name))
            throw rpc_error{jsonrpc::invalid_params, "Missing required argument \"" + a.name + "\""};
        json::array msgs;
        for (auto& pm : it->get(args))
          msgs.push_back(json::object{{"role", pm.role}, {"content", json::object{{"type", "text"}, {"text", pm.text}}}});
        json::object r{{"messages", std::move(msgs)}};
        if (!it->info.description.empty()) r["description"] = it->info.description;
        result = std::move(r);
      } else if (m.method == "logging/setLevel") {
        const auto* l = p.if_contains("level");
        auto pos = l && l->is_string() ? std::find(log_levels.begin(), log_levels.end(), std::string_view(l->get_string()))
                                       : log_levels.end();
        if (pos == log_levels.end()) throw rpc_error{jsonrpc::invalid_params, "Invalid params: unknown log level"};
        session.log_level.store(static_cast<int>(pos - log_levels.begin()));
        result = json::object{};
      } else {
        throw rpc_error{jsonrpc::method_not_found, "Method not found: " + m.method};
      }
      if (notify) return std::nullopt;
      return jsonrpc::result_response(m.id, std::move(result));
    } catch (const rpc_error& e) {
      if (notify) return std::nullopt;
      return jsonrpc::error_response(m.id, e.code, e.message, e.data);
    } catch (const std::exception& e) {
      if (notify) return std::nullopt;
      return jsonrpc::error_response(m.id, jsonrpc::internal_error, std::string("Internal error: ") + e.what());
    }
  };

  if (!parsed.batch) {
    out.parse_failed = parsed.messages.front().type == jsonrpc::kind::invalid;
    out.reply = handle(parsed.messages.front());
    return out;
  }
  json::array replies;
  for (const auto& m : parsed.messages)
    if (auto r = handle(m)) replies.push_back(std::move(*r));
  if (!replies.empty()) out.reply = std::move(replies);
  return out;
}
}  // namespace authplane::mcp
