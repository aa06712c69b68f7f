#include "authplane/mcp/schema.hpp"

namespace authplane::mcp::detail {
std::string json_type_name(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null: return "null";
    case boost::json::kind::bool_: return "boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64: return "integer";
    case boost::json::kind::double_: return "number";
    case boost::json::kind::string: return "string";
    case boost::json::kind::array: return "array";
    case boost::json::kind::object: return "object";
  }
  return "unknown";
}

void type_mismatch(std::string_view path, std::string_view expected, const boost::json::value& v) {
  throw invalid_argument("argument \"" + std::string(path) + "\": expected " + std::string(expected) + ", got " +
                         json_type_name(v));
}
}  // namespace authplane::mcp::detail
