// JSON-RPC 2.0 message parsing and construction for MCP (no transport, no server state).
//
//   auto parsed = mcp::jsonrpc::parse(body);                 // one message or a batch
//   if (!parsed.error) for (auto& m : parsed.messages) ...   // m.kind: request/notification/...
//   boost::json::value e = mcp::jsonrpc::error_response(nullptr, mcp::jsonrpc::parse_error, "Parse error");
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

namespace authplane::mcp::jsonrpc {

// Standard JSON-RPC 2.0 error codes, plus the MCP "resource not found" code.
inline constexpr int parse_error = -32700;
inline constexpr int invalid_request = -32600;
inline constexpr int method_not_found = -32601;
inline constexpr int invalid_params = -32602;
inline constexpr int internal_error = -32603;
inline constexpr int resource_not_found = -32002;

enum class kind { request, notification, response, invalid };

// One message of a POST body. For `invalid`, `error` holds the error response to send (its id
// is the message's id when that id was usable, else null).
struct message {
  kind type = kind::invalid;
  boost::json::value id;          // string or integer (requests, responses); null otherwise
  std::string method;             // requests and notifications
  boost::json::object params;     // absent params -> empty object
  boost::json::value raw;         // the message as received
  boost::json::value error;       // for kind::invalid: the error response
};

struct parsed_body {
  bool batch = false;                    // the body was a JSON array
  std::vector<message> messages;         // one per element (one for a non-batch body)
  std::optional<boost::json::value> error;  // a body-level error response (-32700, or -32600 for "[]")
};

// Parses a body. Never throws. Invalid UTF-8/JSON -> error -32700 with id null; an empty batch
// -> -32600 with id null; each element is classified and checked separately.
parsed_body parse(std::string_view body);

// Classifies one already-parsed JSON value (an element of a batch, or a whole body).
message classify(const boost::json::value& v);

// The same classification without copying the message: `method` views and `params` points into
// `v` (null when absent), so `v` must outlive the result. Fields are set exactly as classify()
// sets the message's (`raw` aside; absent params -> nullptr instead of an empty object).
struct message_ref {
  kind type = kind::invalid;
  boost::json::value id;
  std::string_view method;
  const boost::json::object* params = nullptr;
  boost::json::value error;
};
message_ref classify_ref(const boost::json::value& v);

boost::json::value result_response(const boost::json::value& id, boost::json::value result);
boost::json::value error_response(const boost::json::value& id, int code, std::string_view message,
                                  std::optional<boost::json::value> data = std::nullopt);
boost::json::value notification(std::string_view method, boost::json::object params);
}  // namespace authplane::mcp::jsonrpc
