// An MCP notes server that accepts only DPoP-bound tokens (RFC 9449) and gives each tool its own
// scope: `list_notes` needs notes:read, `add_note` needs notes:write.
//
//   AUTHPLANE_ISSUER=http://localhost:9000 AUTHPLANE_BASE_URL=http://localhost:8080 build/bin/mcp-server-dpop-scopes
//
// A bearer (unbound) token gets 401 `DPoP error="invalid_token"`; a bound token without a proof,
// with a replayed proof or with a proof for another key is refused the same way. A token lacking
// the tool's scope gets 403 insufficient_scope naming it.
#include <authplane/mcp/server.hpp>
#include <authplane/sdk/mcp_auth.hpp>

#include <cstdlib>
#include <iostream>
#include <mutex>
#include <string>
#include <vector>

namespace mcp = authplane::mcp;
namespace sdk = authplane::sdk;

static std::string env(const char* name, const char* fallback = nullptr) {
  const char* v = std::getenv(name);
  if (v && *v) return v;
  if (fallback) return fallback;
  std::cerr << name << " is not set\n";
  std::exit(2);
}

int main() try {
  std::mutex mu;  // tools run on the server's worker threads
  std::vector<std::string> notes;

  mcp::server srv{{.name = "notes-server", .version = "1.0.0"}};
  srv.tool("list_notes", "List every note", [&] {
    std::lock_guard lock(mu);
    boost::json::array out(notes.begin(), notes.end());
    return boost::json::value{{"notes", out}};
  }, {.auth = authplane::require_scopes({"notes:read"})});
  srv.tool("add_note", "Add a note", {"text"}, [&](std::string text) {
    std::lock_guard lock(mu);
    notes.push_back(std::move(text));
    return "stored note #" + std::to_string(notes.size());
  }, {.auth = authplane::require_scopes({"notes:write"})});

  auto auth = authplane::mcp::auth({.issuer = env("AUTHPLANE_ISSUER"),
                                    .base_url = env("AUTHPLANE_BASE_URL"),
                                    .extra_scopes_supported = {"notes:read", "notes:write"},
                                    .dev_mode = true,
                                    .dpop = sdk::dpop_mode::required});
  srv.run(auth.protect({.host = env("HOST", "127.0.0.1"),
                        .port = static_cast<std::uint16_t>(std::stoi(env("PORT", "8080")))}));
} catch (const std::exception& e) {
  std::cerr << "mcp-server-dpop-scopes: " << e.what() << "\n";
  return 1;
}
