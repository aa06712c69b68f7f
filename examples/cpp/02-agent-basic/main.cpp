// An agent: a protected MCP server whose `relay` tool calls a second protected MCP server (the
// echo server of example 01) with its own client-credentials token. The agent is a resource
// server for its callers and an OAuth client towards the echo server; the token for the echo
// server is cached until shortly before it expires.
//
//   AUTHPLANE_ISSUER=http://localhost:9000 AUTHPLANE_BASE_URL=http://localhost:8081 PORT=8081 AUTHPLANE_CLIENT_ID=… AUTHPLANE_CLIENT_SECRET=… ECHO_MCP_URL=http://localhost:8080/mcp build/bin/agent-basic
//
// Callers need scope agent:relay; the agent's client needs scope mcp:echo for ECHO_MCP_URL.
#include <authplane/http/client.hpp>
#include <authplane/mcp/server.hpp>
#include <authplane/sdk/client.hpp>
#include <authplane/sdk/mcp_auth.hpp>

#include <boost/json.hpp>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>

namespace mcp = authplane::mcp;
namespace sdk = authplane::sdk;
namespace http = authplane::http;
namespace json = boost::json;
using namespace std::chrono_literals;

static std::string env(const char* name, const char* fallback = nullptr) {
  const char* v = std::getenv(name);
  if (v && *v) return v;
  if (fallback) return fallback;
  std::cerr << name << " is not set\n";
  std::exit(2);
}

// A minimal MCP client call over Streamable HTTP: initialize, notifications/initialized,
// tools/call; returns the text of the first content block.
class mcp_caller {
 public:
  explicit mcp_caller(std::string url) : url_(std::move(url)) {}

  std::string call_tool(const std::string& token, const std::string& tool, json::object args) {
    http::header_list h;
    h.add("Content-Type", "application/json");
    h.add("Accept", "application/json, text/event-stream");
    h.add("Authorization", "Bearer " + token);
    auto init = post(h, R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"agent-basic","version":"1.0.0"}}})");
    auto sid = init.headers.get("Mcp-Session-Id");
    if (!sid) throw std::runtime_error("downstream initialize answered no session");
    h.add("Mcp-Session-Id", std::string(*sid));
    h.add("MCP-Protocol-Version", std::string(json::parse(init.body).at("result").at("protocolVersion").as_string()));
    post(h, R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
    json::object call{{"jsonrpc", "2.0"}, {"id", 2}, {"method", "tools/call"},
                      {"params", {{"name", tool}, {"arguments", std::move(args)}}}};
    auto r = json::parse(post(h, json::serialize(call)).body).as_object();
    if (auto* e = r.if_contains("error")) throw std::runtime_error("downstream error: " + json::serialize(*e));
    return std::string(r.at("result").at("content").at(0).at("text").as_string());
  }

 private:
  http::client_response post(const http::header_list& h, const std::string& body) {
    auto r = http::fetch("POST", url_, h, body, 10s);
    if (!r) throw std::runtime_error("downstream unreachable: " + r.error().message());
    if (r->status >= 300) throw std::runtime_error("downstream answered HTTP " + std::to_string(r->status));
    return std::move(*r);
  }
  std::string url_;
};

int main() try {
  auto auth = authplane::mcp::auth({.issuer = env("AUTHPLANE_ISSUER"),
                                    .base_url = env("AUTHPLANE_BASE_URL"),
                                    .scopes = {"agent:relay"},
                                    .dev_mode = true});

  // The agent's own OAuth client, on the endpoints discovery found (never guessed).
  auto client = sdk::oauth_client::create({.endpoints = sdk::endpoints_from_metadata(auth.issuer_metadata()),
                                           .client_id = env("AUTHPLANE_CLIENT_ID"),
                                           .client_secret = env("AUTHPLANE_CLIENT_SECRET")});
  if (!client) throw std::runtime_error("oauth client: " + client.error().message());
  const std::string echo_url = env("ECHO_MCP_URL");
  auto echo = std::make_shared<mcp_caller>(echo_url);

  mcp::server srv{{.name = "agent-basic", .version = "1.0.0"}};
  srv.tool("relay", "Send text to the echo server and return its answer", {"text"},
           [client = *client, echo, echo_url](std::string text) -> std::string {
             sdk::client_error why;
             auto token = client->client_credentials({"mcp:echo"}, {echo_url}, &why);
             if (!token) throw mcp::tool_error(why.message);
             try {
               return "relayed: " + echo->call_tool(token->access_token, "echo", {{"text", text}});
             } catch (const std::exception& e) {
               throw mcp::tool_error(e.what());  // the model sees why (isError: true)
             }
           });
  srv.run(auth.protect({.host = env("HOST", "127.0.0.1"),
                        .port = static_cast<std::uint16_t>(std::stoi(env("PORT", "8081")))}));
} catch (const std::exception& e) {
  std::cerr << "agent-basic: " << e.what() << "\n";
  return 1;
}
