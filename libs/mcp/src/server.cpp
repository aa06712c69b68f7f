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

// Moves the content in: the result is serialized once and dropped.
json::object tool_result_json(tool_result&& r) {
  json::object o(3);
  o.emplace("content", std::move(r.content));
  if (r.structured) o.emplace("structuredContent", std::move(*r.structured));
  if (r.is_error) o.emplace("isError", true);
  return o;
}

const json::object& no_params() {
  static const json::object empty;
  return empty;
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

namespace content {
json::object text(std::string text) { return {{"type", "text"}, {"text", std::move(text)}}; }
json::object image(std::string_view bytes, std::string mime_type) {
  return {{"type", "image"}, {"data", base64_encode(bytes)}, {"mimeType", std::move(mime_type)}};
}
json::object audio(std::string_view bytes, std::string mime_type) {
  return {{"type", "audio"}, {"data", base64_encode(bytes)}, {"mimeType", std::move(mime_type)}};
}
json::object resource_text(std::string uri, std::string mime_type, std::string text) {
  json::object r{{"uri", std::move(uri)}, {"mimeType", std::move(mime_type)}, {"text", std::move(text)}};
  return {{"type", "resource"}, {"resource", std::move(r)}};
}
json::object resource_blob(std::string uri, std::string mime_type, std::string_view bytes) {
  json::object r{{"uri", std::move(uri)}, {"mimeType", std::move(mime_type)}, {"blob", base64_encode(bytes)}};
  return {{"type", "resource"}, {"resource", std::move(r)}};
}
}  // namespace content

void context::send(json::value notification) {
  if (channel_) channel_->notify(std::move(notification));
  else if (sink_) sink_->push_back(std::move(notification));
}

void context::progress(double progress, std::optional<double> total, std::string message) {
  if (token_.is_null()) return;
  json::object p{{"progressToken", token_}, {"progress", progress}};
  if (total) p["total"] = *total;
  if (!message.empty()) p["message"] = std::move(message);
  send(jsonrpc::notification("notifications/progress", std::move(p)));
}

void context::log(std::string_view level, json::value data, std::string logger) {
  auto pos = std::find(log_levels.begin(), log_levels.end(), level);
  if (pos == log_levels.end()) throw std::invalid_argument("unknown log level " + std::string(level));
  int threshold = session_ ? session_->log_level.load() : 0;
  if (pos - log_levels.begin() < threshold) return;
  json::object p{{"level", *pos}, {"data", std::move(data)}};
  if (!logger.empty()) p["logger"] = std::move(logger);
  send(jsonrpc::notification("notifications/message", std::move(p)));
}

bool context::client_supports(std::string_view capability) const {
  if (!session_) return false;
  std::lock_guard lock(session_->mu);
  return session_->client_capabilities.contains(capability);
}

json::value context::request(std::string_view method, json::object params) {
  if (!channel_) throw tool_error("this transport cannot send requests to the client");
  return channel_->request(method, std::move(params));
}

json::object context::elicit(std::string message, json::object requested_schema) {
  if (!client_supports("elicitation")) throw tool_error("the client does not support elicitation");
  json::value r = request("elicitation/create", {{"message", std::move(message)}, {"requestedSchema", std::move(requested_schema)}});
  if (!r.is_object()) throw tool_error("elicitation/create: the client's result is not an object");
  return r.get_object();
}

json::object context::sample(json::object params) {
  if (!client_supports("sampling")) throw tool_error("the client does not support sampling");
  json::value r = request("sampling/createMessage", std::move(params));
  if (!r.is_object()) throw tool_error("sampling/createMessage: the client's result is not an object");
  return r.get_object();
}

void context::close_stream() {
  if (channel_) channel_->close_stream();
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

namespace {
// RFC 6570 level-1 matching: literal text must match exactly, "{name}" takes one non-empty
// segment (no '/'). Returns the variables, or nullopt when `uri` does not fit.
std::optional<std::map<std::string, std::string>> match_template(std::string_view tpl, std::string_view uri) {
  std::map<std::string, std::string> vars;
  while (!tpl.empty()) {
    if (tpl.front() != '{') {
      if (uri.empty() || uri.front() != tpl.front()) return std::nullopt;
      tpl.remove_prefix(1);
      uri.remove_prefix(1);
      continue;
    }
    auto close = tpl.find('}');
    if (close == std::string_view::npos) return std::nullopt;
    std::string name(tpl.substr(1, close - 1));
    tpl.remove_prefix(close + 1);
    std::size_t n = 0;
    while (n < uri.size() && uri[n] != '/' && (tpl.empty() || uri[n] != tpl.front())) ++n;
    if (n == 0) return std::nullopt;
    vars[name] = std::string(uri.substr(0, n));
    uri.remove_prefix(n);
  }
  if (!uri.empty()) return std::nullopt;
  return vars;
}

std::string required_string(const json::object& p, std::string_view key) {
  const auto* v = p.if_contains(key);
  if (!v || !v->is_string())
    throw rpc_error{jsonrpc::invalid_params, "Invalid params: " + std::string(key) + " must be a string"};
  return std::string(v->get_string());
}

json::object contents_json(const std::string& uri, const std::string& mime, resource_content c) {
  json::object o{{"uri", uri}, {"mimeType", c.mime_type.empty() ? mime : c.mime_type}};
  if (c.binary) o["blob"] = base64_encode(c.data);
  else o["text"] = std::move(c.data);
  return o;
}

// completion/complete result for `values` (at most 100 sent, as the spec caps it).
json::object completion_json(std::vector<std::string> values) {
  std::size_t total = values.size();
  json::array out;
  for (std::size_t i = 0; i < values.size() && i < 100; ++i) out.push_back(json::string(values[i]));
  return {{"completion", json::object{{"values", std::move(out)}, {"total", total}, {"hasMore", total > 100}}}};
}
}  // namespace

struct server::impl {
  std::vector<tool_entry> tools;
  struct resource_entry {
    resource_info info;
    std::function<resource_content()> read;
  };
  std::vector<resource_entry> resources;
  struct template_entry {
    resource_template_info info;
    std::function<resource_content(const std::string&, const std::map<std::string, std::string>&)> read;
  };
  std::vector<template_entry> templates;
  struct prompt_entry {
    prompt_info info;
    std::function<std::vector<prompt_message>(const std::map<std::string, std::string>&)> get;
  };
  std::vector<prompt_entry> prompts;

  bool has_resources() const { return !resources.empty() || !templates.empty(); }

  json::value read_resource(const json::object& p) const {
    std::string uri = required_string(p, "uri");
    for (const auto& e : resources)
      if (e.info.uri == uri) return json::object{{"contents", json::array{contents_json(uri, e.info.mime_type, e.read())}}};
    for (const auto& t : templates)
      if (auto vars = match_template(t.info.uri_template, uri))
        return json::object{{"contents", json::array{contents_json(uri, t.info.mime_type, t.read(uri, *vars))}}};
    throw rpc_error{jsonrpc::resource_not_found, "Resource not found", json::object{{"uri", uri}}};
  }

  json::value subscribe(const json::object& p, session_state& session, bool on) const {
    std::string uri = required_string(p, "uri");
    std::lock_guard lock(session.mu);
    if (on) session.subscriptions.insert(uri);
    else session.subscriptions.erase(uri);
    return json::object{};
  }

  json::value complete(const json::object& p) const {
    const auto* ref = p.if_contains("ref");
    const auto* arg = p.if_contains("argument");
    if (!ref || !ref->is_object() || !arg || !arg->is_object())
      throw rpc_error{jsonrpc::invalid_params, "Invalid params: ref and argument must be objects"};
    std::string type = required_string(ref->get_object(), "type");
    std::string name = required_string(arg->get_object(), "name");
    std::string value = required_string(arg->get_object(), "value");
    const completer* c = nullptr;
    if (type == "ref/prompt") {
      std::string prompt = required_string(ref->get_object(), "name");
      auto it = std::find_if(prompts.begin(), prompts.end(), [&](const prompt_entry& e) { return e.info.name == prompt; });
      if (it == prompts.end()) throw rpc_error{jsonrpc::invalid_params, "Unknown prompt: " + prompt};
      for (const auto& a : it->info.arguments)
        if (a.name == name && a.complete) c = &a.complete;
    } else if (type == "ref/resource") {
      std::string uri = required_string(ref->get_object(), "uri");
      auto it = std::find_if(templates.begin(), templates.end(),
                             [&](const template_entry& e) { return e.info.uri_template == uri; });
      if (it == templates.end()) throw rpc_error{jsonrpc::invalid_params, "Unknown resource template: " + uri};
      if (auto f = it->info.complete.find(name); f != it->info.complete.end() && f->second) c = &f->second;
    } else {
      throw rpc_error{jsonrpc::invalid_params, "Invalid params: unknown ref type " + type};
    }
    return completion_json(c ? (*c)(value) : std::vector<std::string>{});
  }

  json::value get_prompt(const json::object& p) const;
};

namespace {
json::object prompt_message_json(prompt_message& pm) {
  json::object c = pm.content ? std::move(*pm.content) : content::text(std::move(pm.text));
  return {{"role", pm.role}, {"content", std::move(c)}};
}
}  // namespace

json::value server::impl::get_prompt(const json::object& p) const {
  std::string name = required_string(p, "name");
  auto it = std::find_if(prompts.begin(), prompts.end(), [&](const prompt_entry& e) { return e.info.name == name; });
  if (it == prompts.end()) throw rpc_error{jsonrpc::invalid_params, "Unknown prompt: " + name};
  std::map<std::string, std::string> args;
  if (const auto* a = p.if_contains("arguments"); a && !a->is_null()) {
    if (!a->is_object()) throw rpc_error{jsonrpc::invalid_params, "Invalid params: arguments must be an object"};
    for (const auto& kv : a->get_object()) {
      if (!kv.value().is_string())
        throw rpc_error{jsonrpc::invalid_params, "Invalid params: argument \"" + std::string(kv.key()) + "\" must be a string"};
      args[std::string(kv.key())] = std::string(kv.value().get_string());
    }
  }
  for (const auto& a : it->info.arguments)
    if (a.required && !args.count(a.name))
      throw rpc_error{jsonrpc::invalid_params, "Missing required argument \"" + a.name + "\""};
  json::array msgs;
  for (auto& pm : it->get(args)) msgs.push_back(prompt_message_json(pm));
  json::object r{{"messages", std::move(msgs)}};
  if (!it->info.description.empty()) r["description"] = it->info.description;
  return r;
}

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

namespace {
template <class V>
void refuse_duplicate_uri(const V& entries, const std::string& uri) {
  for (const auto& e : entries)
    if (e.info.uri == uri) throw std::invalid_argument("duplicate resource " + uri);
}
}  // namespace

server& server::resource(resource_info info, std::function<std::string()> read) {
  refuse_duplicate_uri(impl_->resources, info.uri);
  impl_->resources.push_back({std::move(info), [read = std::move(read)] { return resource_content{read()}; }});
  return *this;
}

server& server::binary_resource(resource_info info, std::function<std::string()> read) {
  refuse_duplicate_uri(impl_->resources, info.uri);
  impl_->resources.push_back({std::move(info), [read = std::move(read)] { return resource_content{read(), true}; }});
  return *this;
}

server& server::resource_template(
    resource_template_info info,
    std::function<resource_content(const std::string&, const std::map<std::string, std::string>&)> read) {
  for (const auto& e : impl_->templates)
    if (e.info.uri_template == info.uri_template)
      throw std::invalid_argument("duplicate resource template " + info.uri_template);
  impl_->templates.push_back({std::move(info), std::move(read)});
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

dispatch_result server::dispatch(std::string_view body, session_state& session, const principal* who,
                                 client_channel* channel) const {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) {   // as jsonrpc::parse
    dispatch_result out;
    out.reply = jsonrpc::error_response(nullptr, jsonrpc::parse_error, "Parse error");
    out.parse_failed = true;
    return out;
  }
  return dispatch_parsed(v, session, who, channel);
}

dispatch_result server::dispatch_parsed(const json::value& body, session_state& session, const principal* who,
                                        client_channel* channel) const {
  dispatch_result out;
  const bool batch = body.is_array();
  if (batch && body.get_array().empty()) {   // as jsonrpc::parse
    out.reply = jsonrpc::error_response(nullptr, jsonrpc::invalid_request, "Invalid Request: empty batch");
    out.parse_failed = true;
    return out;
  }
  if (batch && session.protocol_version != "2025-03-26") {
    out.reply = jsonrpc::error_response(nullptr, jsonrpc::invalid_request,
                                        "Invalid Request: batches are not supported by protocol version " +
                                            (session.protocol_version.empty() ? std::string(latest_protocol_version)
                                                                              : session.protocol_version));
    out.parse_failed = true;
    return out;
  }

  // Messages are classified in place (jsonrpc::classify_ref): params and tool arguments are read
  // from the parsed body, never copied.
  auto handle = [&](const jsonrpc::message_ref& m) -> std::optional<json::value> {
    if (m.type == jsonrpc::kind::invalid) {
      if (m.error.is_null()) return std::nullopt;
      return m.error;
    }
    if (m.type == jsonrpc::kind::response) return std::nullopt;  // no server-initiated requests yet
    const bool notify = m.type == jsonrpc::kind::notification;
    try {
      json::value result;
      const json::object& p = m.params ? *m.params : no_params();
      if (m.method == "initialize") {
        if (batch) throw rpc_error{jsonrpc::invalid_request, "Invalid Request: initialize cannot be batched"};
        const auto* v = p.if_contains("protocolVersion");
        if (!v || !v->is_string())
          throw rpc_error{jsonrpc::invalid_params, "Invalid params: protocolVersion must be a string"};
        std::string asked(v->get_string());
        const auto& sup = supported_protocol_versions();
        std::string chosen = std::find(sup.begin(), sup.end(), asked) != sup.end() ? asked : sup.front();
        json::object caps;
        if (!impl_->tools.empty()) caps["tools"] = json::object{{"listChanged", false}};
        if (impl_->has_resources())
          caps["resources"] = json::object{{"subscribe", true}, {"listChanged", false}};
        if (!impl_->prompts.empty()) caps["prompts"] = json::object{{"listChanged", false}};
        if (!impl_->prompts.empty() || !impl_->templates.empty()) caps["completions"] = json::object{};
        caps["logging"] = json::object{};
        json::object si{{"name", info_.name}, {"version", info_.version}};
        if (!info_.title.empty()) si["title"] = info_.title;
        json::object r{{"protocolVersion", chosen}, {"capabilities", std::move(caps)}, {"serverInfo", std::move(si)}};
        if (!info_.instructions.empty()) r["instructions"] = info_.instructions;
        result = std::move(r);
        if (!notify) {
          std::lock_guard lock(session.mu);
          if (const auto* c = p.if_contains("capabilities"); c && c->is_object())
            session.client_capabilities = c->get_object();
          session.protocol_version = chosen;
          out.negotiated_version = chosen;
        }
      } else if (m.method == "ping") {
        result = json::object{};
      } else if (m.method.starts_with("notifications/")) {
        if (notify) return std::nullopt;  // initialized, cancelled, roots/list_changed, ...: accepted
        throw rpc_error{jsonrpc::method_not_found, "Method not found: " + std::string(m.method)};
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
        const json::object* args = &no_params();
        if (const auto* a = p.if_contains("arguments"); a && !a->is_null()) {
          if (!a->is_object()) throw rpc_error{jsonrpc::invalid_params, "Invalid params: arguments must be an object"};
          args = &a->get_object();
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
        context ctx(who, std::move(token), &out.notifications, &session, channel);
        tool_result r;
        try {
          r = it->call(*args, ctx);
        } catch (const invalid_argument& e) {
          std::string msg = "Invalid arguments for tool " + it->name + ": " + e.what();
          if (!info_.argument_errors_as_tool_errors) throw rpc_error{jsonrpc::invalid_params, std::move(msg)};
          r = tool_result::text(std::move(msg), true);
        } catch (const std::exception& e) {
          r = tool_result::text(e.what(), true);
        } catch (...) {
          r = tool_result::text("tool failed", true);
        }
        result = tool_result_json(std::move(r));
      } else if (m.method == "resources/list" && impl_->has_resources()) {
        result = page(impl_->resources, p, info_.page_size, "resources", [](const impl::resource_entry& e) {
          json::object o{{"uri", e.info.uri}, {"name", e.info.name}, {"mimeType", e.info.mime_type}};
          if (!e.info.description.empty()) o["description"] = e.info.description;
          return o;
        });
      } else if (m.method == "resources/templates/list" && impl_->has_resources()) {
        result = page(impl_->templates, p, info_.page_size, "resourceTemplates", [](const impl::template_entry& e) {
          json::object o{{"uriTemplate", e.info.uri_template}, {"name", e.info.name}, {"mimeType", e.info.mime_type}};
          if (!e.info.description.empty()) o["description"] = e.info.description;
          return o;
        });
      } else if (m.method == "resources/read" && impl_->has_resources()) {
        result = impl_->read_resource(p);
      } else if ((m.method == "resources/subscribe" || m.method == "resources/unsubscribe") && impl_->has_resources()) {
        result = impl_->subscribe(p, session, m.method == "resources/subscribe");
      } else if (m.method == "completion/complete" && (!impl_->prompts.empty() || !impl_->templates.empty())) {
        result = impl_->complete(p);
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
        result = impl_->get_prompt(p);
      } else if (m.method == "logging/setLevel") {
        const auto* l = p.if_contains("level");
        auto pos = l && l->is_string() ? std::find(log_levels.begin(), log_levels.end(), std::string_view(l->get_string()))
                                       : log_levels.end();
        if (pos == log_levels.end()) throw rpc_error{jsonrpc::invalid_params, "Invalid params: unknown log level"};
        session.log_level.store(static_cast<int>(pos - log_levels.begin()));
        result = json::object{};
      } else {
        throw rpc_error{jsonrpc::method_not_found, "Method not found: " + std::string(m.method)};
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

  if (!batch) {
    const jsonrpc::message_ref m = jsonrpc::classify_ref(body);
    out.parse_failed = m.type == jsonrpc::kind::invalid;
    out.reply = handle(m);
    return out;
  }
  // Classification is pure, so classifying each element right before handling it is the same
  // as classifying them all first.
  json::array replies;
  for (const auto& e : body.get_array())
    if (auto r = handle(jsonrpc::classify_ref(e))) replies.push_back(std::move(*r));
  if (!replies.empty()) out.reply = std::move(replies);
  return out;
}
}  // namespace authplane::mcp
