// Go-style duration text: parse ("1h30m", "500ms") and format ("1h30m0s").
#include <authplane/config/config.hpp>

#include <cstdint>
#include <limits>

namespace authplane::config {
namespace {
// Unit sizes in nanoseconds, longest suffix first so "ms" is not read as "m".
struct unit {
  std::string_view suffix;
  std::int64_t ns;
};
constexpr unit units[] = {
    {"ns", 1},
    {"us", 1000},
    {"\xC2\xB5s", 1000},  // U+00B5 micro sign
    {"\xCE\xBCs", 1000},  // U+03BC greek mu
    {"ms", 1000000},
    {"s", 1000000000},
    {"m", 60LL * 1000000000},
    {"h", 3600LL * 1000000000},
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
}  // namespace

std::optional<duration> parse_duration(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return duration{0};
  if (s.empty()) return std::nullopt;

  // Accumulate in nanoseconds as long double to detect overflow simply, then range-check.
  long double total_ns = 0;
  while (!s.empty()) {
    // number: digits [. digits]
    std::size_t i = 0;
    long double value = 0;
    bool any_digits = false;
    while (i < s.size() && is_digit(s[i])) {
      value = value * 10 + (s[i] - '0');
      any_digits = true;
      ++i;
    }
    if (i < s.size() && s[i] == '.') {
      ++i;
      long double scale = 0.1L;
      while (i < s.size() && is_digit(s[i])) {
        value += (s[i] - '0') * scale;
        scale /= 10;
        any_digits = true;
        ++i;
      }
    }
    if (!any_digits) return std::nullopt;
    s.remove_prefix(i);
    // unit: mandatory
    const unit* found = nullptr;
    for (const auto& u : units) {
      if (s.substr(0, u.suffix.size()) == u.suffix) {
        // "m" must not swallow the "m" of "ms": the table lists "ms" before "m".
        found = &u;
        break;
      }
    }
    if (!found) return std::nullopt;
    s.remove_prefix(found->suffix.size());
    total_ns += value * found->ns;
    if (total_ns > static_cast<long double>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
  }
  auto ms = static_cast<std::int64_t>(total_ns / 1000000.0L);
  return duration{negative ? -ms : ms};
}

std::string format_duration(duration d) {
  std::int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out += '-';
    ms = -ms;
  }
  if (ms < 1000) return out + std::to_string(ms) + "ms";
  std::int64_t total_s = ms / 1000;
  std::int64_t frac_ms = ms % 1000;
  std::int64_t h = total_s / 3600;
  std::int64_t m = (total_s % 3600) / 60;
  std::int64_t s = total_s % 60;
  if (h > 0) out += std::to_string(h) + "h";
  if (h > 0 || m > 0) out += std::to_string(m) + "m";
  out += std::to_string(s);
  if (frac_ms > 0) {
    std::string f = std::to_string(frac_ms);
    f.insert(0, 3 - f.size(), '0');
    while (!f.empty() && f.back() == '0') f.pop_back();
    out += "." + f;
  }
  out += "s";
  return out;
}
}  // namespace authplane::config
