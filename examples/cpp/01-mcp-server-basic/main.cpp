// An MCP server with one tool, `echo`, that only callers holding a token for it may use.
//
//   AUTHPLANE_ISSUER=http://localhost:9000 AUTHPLANE_BASE_URL=http://localhost:8080 build/bin/mcp-server-basic
//
// AUTHPLANE_ISSUER  the authserver's issuer URL, byte-for-byte as its metadata says
// AUTHPLANE_BASE_URL this server's public origin; tokens must be issued for <base_url>/mcp
// PORT              listen port (8080); HOST listen address (127.0.0.1)
#include <authplane/mcp/server.hpp>
#include <authplane/sdk/mcp_auth.hpp>

#include <cstdlib>
#include <iostream>
#include <string>

namespace mcp = authplane::mcp;

static std::string env(const char* name, const char* fallback = nullptr) {
  const char* v = std::getenv(name);
  if (v && *v) return v;
  if (fallback) return fallback;
  std::cerr << name << " is not set\n";
  std::exit(2);
}

int main() try {
  mcp::server srv{{.name = "echo-server", .version = "1.0.0"}};
  srv.tool("echo", "Echo the text back", {"text"}, [](mcp::context& ctx, std::string text) {
    return "echo from " + (ctx.who() ? ctx.who()->subject : std::string("anonymous")) + ": " + text;
  });
  const std::string host = env("HOST", "127.0.0.1");
  const auto port = static_cast<std::uint16_t>(std::stoi(env("PORT", "8080")));

  // authplane:begin
  auto auth = authplane::mcp::auth({.issuer = env("AUTHPLANE_ISSUER"),
                                    .base_url = env("AUTHPLANE_BASE_URL"),
                                    .scopes = {"mcp:echo"},
                                    .dev_mode = true});
  srv.run(auth.protect({.host = host, .port = port}));
  // authplane:end
} catch (const std::exception& e) {
  std::cerr << "mcp-server-basic: " << e.what() << "\n";
  return 1;
}
