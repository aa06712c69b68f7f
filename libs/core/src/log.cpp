#include "authplane/core/log.hpp"

#include "authplane/core/json_escape.hpp"

#include <time.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>

namespace authplane {
void json_escape_append(std::string& out, std::string_view s) {
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
}
}  // namespace authplane

namespace authplane::log {
namespace {
std::atomic<int> g_level{static_cast<int>(level::info)};
std::atomic<bool> g_json{true};
std::mutex g_mu;

const char* name(level l) {
  switch (l) {
    case level::debug: return "debug";
    case level::info: return "info";
    case level::warn: return "warn";
    case level::error: return "error";
  }
  return "info";
}

}  // namespace

void configure(level lvl, bool json) {
  g_level = static_cast<int>(lvl);
  g_json = json;
}

bool parse_level(std::string_view s, level& out) {
  if (s == "debug") out = level::debug;
  else if (s == "info") out = level::info;
  else if (s == "warn") out = level::warn;
  else if (s == "error") out = level::error;
  else return false;
  return true;
}

void write(level lvl, std::string_view event, std::initializer_list<field> fields) {
  if (static_cast<int>(lvl) < g_level.load()) return;
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char tsbuf[32];
  std::strftime(tsbuf, sizeof tsbuf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  std::string ts = tsbuf;
  std::string line;
  if (g_json) {
    line = "{\"time\":\"" + ts + "\",\"level\":\"" + name(lvl) + "\",\"msg\":\"";
    json_escape_append(line, event);
    line += '"';
    for (const auto& [k, v] : fields) {
      line += ",\"";
      json_escape_append(line, k);
      line += "\":\"";
      json_escape_append(line, v);
      line += '"';
    }
    line += "}\n";
  } else {
    line = ts + " " + name(lvl) + " " + std::string(event);
    for (const auto& [k, v] : fields) {
      line += ' ';
      line += k;
      line += '=';
      line += v;
    }
    line += '\n';
  }
  std::lock_guard lk(g_mu);
  std::fwrite(line.data(), 1, line.size(), stderr);
}
}  // namespace authplane::log
