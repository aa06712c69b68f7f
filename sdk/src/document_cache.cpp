#include <authplane/sdk/document_cache.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <ctime>

namespace authplane::sdk {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::optional<std::int64_t> digits(std::string_view s) {
  if (s.empty() || s.size() > 12 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  std::int64_t v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

// Directives of every Cache-Control header: "no-store" → 0, "max-age=N" → N.
std::optional<std::int64_t> cache_control_freshness(const http::header_list& headers) {
  std::optional<std::int64_t> max_age;
  for (const auto& [name, value] : headers.items) {
    if (!iequal(name, "Cache-Control")) continue;
    std::string_view rest = value;
    while (!rest.empty()) {
      std::size_t comma = rest.find(',');
      std::string_view d = trim(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      if (iequal(d, "no-store") || iequal(d, "no-cache")) return 0;  // beats max-age
      if (d.size() > 8 && iequal(d.substr(0, 8), "max-age=")) {
        if (auto n = digits(d.substr(8))) max_age = n;
      }
    }
  }
  return max_age;
}

int month_index(std::string_view m) {
  static constexpr std::array<std::string_view, 12> names{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == m) return static_cast<int>(i);
  }
  return -1;
}
}  // namespace

std::optional<std::int64_t> parse_http_date(std::string_view t) {
  // "Sun, 06 Nov 1994 08:49:37 GMT": fixed positions.
  if (t.size() != 29 || t[3] != ',' || t[4] != ' ' || t[7] != ' ' || t[11] != ' ' || t[16] != ' ' ||
      t[19] != ':' || t[22] != ':' || t.substr(25) != " GMT") {
    return std::nullopt;
  }
  auto day = digits(t.substr(5, 2)), year = digits(t.substr(12, 4)), hh = digits(t.substr(17, 2)),
       mm = digits(t.substr(20, 2)), ss = digits(t.substr(23, 2));
  int mon = month_index(t.substr(8, 3));
  if (!day || !year || !hh || !mm || !ss || mon < 0 || *day < 1 || *day > 31 || *hh > 23 || *mm > 59 || *ss > 60) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = static_cast<int>(*year) - 1900;
  tm.tm_mon = mon;
  tm.tm_mday = static_cast<int>(*day);
  tm.tm_hour = static_cast<int>(*hh);
  tm.tm_min = static_cast<int>(*mm);
  tm.tm_sec = static_cast<int>(*ss);
  return static_cast<std::int64_t>(timegm(&tm));
}

std::optional<std::int64_t> server_freshness(const http::header_list& headers, std::int64_t now) {
  if (auto cc = cache_control_freshness(headers)) return cc;
  auto expires = headers.get("Expires");
  if (!expires) return std::nullopt;
  // RFC 9111 §5.3: an invalid date (such as "0") means "already expired".
  auto at = parse_http_date(trim(*expires));
  return at ? std::max<std::int64_t>(0, *at - now) : 0;
}

std::int64_t effective_ttl(std::int64_t configured, const http::header_list& headers, std::int64_t now) {
  auto server = server_freshness(headers, now);
  return server ? std::min(configured, *server) : configured;
}

}  // namespace authplane::sdk
