// The same MCP server as ../before/main.cpp, now a resource server of AuthPlane: every call needs
// an access token for <AUTHPLANE_BASE_URL>/mcp with scope mcp:tools. The change is the include
// and the block between the authplane markers.
#include <authplane/mcp/server.hpp>
#include <authplane/sdk/mcp_auth.hpp>

#include <cctype>
#include <cstdlib>
#include <string>

namespace mcp = authplane::mcp;

static std::string env(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

int main() {
  mcp::server srv{{.name = "retrofit-demo", .version = "1.0.0"}};
  srv.tool("add", "Add two integers", {"a", "b"}, [](long a, long b) { return std::to_string(a + b); });
  srv.tool("shout", "Upper-case the text", {"text"}, [](std::string text) {
    for (auto& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return text;
  });
  const auto port = static_cast<std::uint16_t>(std::stoi(env("PORT", "8080")));

  // authplane:begin
  auto auth = authplane::mcp::auth({.issuer = env("AUTHPLANE_ISSUER", ""),
                                    .base_url = env("AUTHPLANE_BASE_URL", ""),
                                    .scopes = {"mcp:tools"},
                                    .dev_mode = true});
  srv.run(auth.protect({.host = env("HOST", "127.0.0.1"), .port = port}));
  // authplane:end
}
