#include "codec.hpp"

#include <boost/json.hpp>

namespace authplane::storage::sqlite::detail {
namespace json = boost::json;

namespace {
std::optional<json::value> parse(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec) return std::nullopt;
  return v;
}
std::string string_field(const json::object& o, std::string_view key, bool& ok) {
  const json::value* f = o.if_contains(json::string_view(key.data(), key.size()));
  if (!f) return {};
  if (!f->is_string()) {
    ok = false;
    return {};
  }
  return std::string(f->get_string());
}
}  // namespace

std::string encode_strings(const std::vector<std::string>& v) {
  json::array a;
  a.reserve(v.size());
  for (const auto& s : v) a.emplace_back(json::string_view(s.data(), s.size()));
  return json::serialize(a);
}

std::optional<std::vector<std::string>> decode_strings(std::string_view text) {
  auto v = parse(text);
  if (!v || !v->is_array()) return std::nullopt;
  std::vector<std::string> out;
  out.reserve(v->get_array().size());
  for (const auto& e : v->get_array()) {
    if (!e.is_string()) return std::nullopt;
    out.emplace_back(e.get_string());
  }
  return out;
}

std::string encode_scopes(const std::vector<domain::scope_def>& v) {
  json::array a;
  a.reserve(v.size());
  for (const auto& s : v) {
    json::object o;
    o["name"] = json::string_view(s.name.data(), s.name.size());
    o["description"] = json::string_view(s.description.data(), s.description.size());
    o["upstream"] = json::string_view(s.upstream.data(), s.upstream.size());
    a.emplace_back(std::move(o));
  }
  return json::serialize(a);
}

std::optional<std::vector<domain::scope_def>> decode_scopes(std::string_view text) {
  auto v = parse(text);
  if (!v || !v->is_array()) return std::nullopt;
  std::vector<domain::scope_def> out;
  for (const auto& e : v->get_array()) {
    if (!e.is_object()) return std::nullopt;
    const auto& o = e.get_object();
    bool ok = true;
    domain::scope_def d;
    d.name = string_field(o, "name", ok);
    d.description = string_field(o, "description", ok);
    d.upstream = string_field(o, "upstream", ok);
    if (!ok) return std::nullopt;
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace authplane::storage::sqlite::detail
