// An existing MCP server with no authentication: anyone who can reach it may call its tools.
// Compare with ../after/main.cpp — the only change is the block between the authplane markers.
#include <authplane/mcp/server.hpp>

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

  srv.run({.host = env("HOST", "127.0.0.1"), .port = port});
}
