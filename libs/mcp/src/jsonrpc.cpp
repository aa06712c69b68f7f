#include "authplane/mcp/jsonrpc.hpp"

namespace authplane::mcp::jsonrpc {
namespace json = boost::json;

namespace {
bool usable_id(const json::value& id) { return id.is_string() || id.is_int64() || id.is_uint64(); }
}  // namespace

message_ref classify_ref(const json::value& v) {
  message_ref m;
  auto invalid = [&](json::value id, std::string_view why) {
    m.type = kind::invalid;
    m.error = error_response(id, invalid_request, why);
    return std::move(m);
  };
  if (!v.is_object()) return invalid(nullptr, "Invalid Request: not a JSON object");
  const auto& o = v.get_object();
  json::value id = nullptr;
  const auto* idp = o.if_contains("id");
  if (idp && usable_id(*idp)) id = *idp;
  const auto* ver = o.if_contains("jsonrpc");
  if (!ver || !ver->is_string() || ver->get_string() != "2.0")
    return invalid(id, "Invalid Request: jsonrpc must be \"2.0\"");
  if (idp && !usable_id(*idp)) return invalid(nullptr, "Invalid Request: id must be a string or an integer");
  const auto* method = o.if_contains("method");
  if (method) {
    if (!method->is_string()) return invalid(id, "Invalid Request: method must be a string");
    m.method = std::string_view(method->get_string());
    if (const auto* p = o.if_contains("params")) {
      if (p->is_object()) {
        m.params = &p->get_object();
      } else {
        m.type = kind::invalid;
        m.error = error_response(id, invalid_params, "Invalid params: params must be an object");
        if (!idp) m.error = nullptr;  // a notification is never answered
        return m;
      }
    }
    m.id = std::move(id);
    m.type = idp ? kind::request : kind::notification;
    return m;
  }
  const bool has_result = o.contains("result"), has_error = o.contains("error");
  if (idp && (has_result != has_error)) {
    m.id = std::move(id);
    m.type = kind::response;
    return m;
  }
  return invalid(id, "Invalid Request: neither a request, a notification nor a response");
}

message classify(const json::value& v) {
  message_ref r = classify_ref(v);
  message m;
  m.raw = v;
  m.type = r.type;
  m.id = std::move(r.id);
  m.method = std::string(r.method);
  if (r.params) m.params = *r.params;
  m.error = std::move(r.error);
  return m;
}

parsed_body parse(std::string_view body) {
  parsed_body out;
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) {
    out.error = error_response(nullptr, parse_error, "Parse error");
    return out;
  }
  if (v.is_array()) {
    out.batch = true;
    if (v.get_array().empty()) {
      out.error = error_response(nullptr, invalid_request, "Invalid Request: empty batch");
      return out;
    }
    for (const auto& e : v.get_array()) out.messages.push_back(classify(e));
    return out;
  }
  out.messages.push_back(classify(v));
  return out;
}

json::value result_response(const json::value& id, json::value result) {
  // Built member by member so that `result` is moved in, not copied.
  json::object o(3);
  o.emplace("jsonrpc", "2.0");
  o.emplace("id", id);
  o.emplace("result", std::move(result));
  return o;
}

json::value error_response(const json::value& id, int code, std::string_view message,
                           std::optional<json::value> data) {
  json::object err{{"code", code}, {"message", message}};
  if (data) err["data"] = std::move(*data);
  return json::object{{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(err)}};
}

json::value notification(std::string_view method, json::object params) {
  return json::object{{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}};
}
}  // namespace authplane::mcp::jsonrpc
