// Logging facade. Messages are structured ("event", then key=value fields); never pass a token,
// secret, code or password: only identifiers (client_id, jti, kid) may appear in logs.
//   log::info("token.issued", {{"client_id", id}, {"grant_type", "client_credentials"}});
#pragma once
#include <initializer_list>
#include <string_view>
#include <utility>

namespace authplane::log {
enum class level { debug, info, warn, error };
using field = std::pair<std::string_view, std::string_view>;

// Configure once at start: level and format ("json" or "text"); output goes to stderr.
void configure(level lvl, bool json);
bool parse_level(std::string_view s, level& out);
void write(level lvl, std::string_view event, std::initializer_list<field> fields = {});
inline void debug(std::string_view e, std::initializer_list<field> f = {}) { write(level::debug, e, f); }
inline void info(std::string_view e, std::initializer_list<field> f = {}) { write(level::info, e, f); }
inline void warn(std::string_view e, std::initializer_list<field> f = {}) { write(level::warn, e, f); }
inline void error(std::string_view e, std::initializer_list<field> f = {}) { write(level::error, e, f); }
}  // namespace authplane::log
