// Plain request/response helpers: header lists, canned responses, form and percent coding.
#include "authplane/http/message.hpp"

#include <exception>

namespace authplane::http {
namespace {
constexpr char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::optional<std::string_view> header_list::get(std::string_view name) const {
  for (const auto& [k, v] : items) {
    if (iequals(k, name)) return std::string_view(v);
  }
  return std::nullopt;
}

std::size_t header_list::count(std::string_view name) const {
  std::size_t n = 0;
  for (const auto& item : items) {
    if (iequals(item.first, name)) ++n;
  }
  return n;
}

void header_list::set(std::string_view name, std::string value) {
  // Keep the first occurrence's position, drop the others.
  bool placed = false;
  for (auto it = items.begin(); it != items.end();) {
    if (iequals(it->first, name)) {
      if (!placed) {
        it->second = std::move(value);
        placed = true;
        ++it;
      } else {
        it = items.erase(it);
      }
    } else {
      ++it;
    }
  }
  if (!placed) items.emplace_back(std::string(name), std::move(value));
}

response response::json(int status, std::string body) {
  response r;
  r.status = status;
  r.headers.items.emplace_back("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

response response::text(int status, std::string body, std::string content_type) {
  response r;
  r.status = status;
  r.headers.items.emplace_back("Content-Type", std::move(content_type));
  r.body = std::move(body);
  return r;
}

response response::empty(int status) {
  response r;
  r.status = status;
  return r;
}

namespace {
constexpr std::string_view internal_error_body = R"({"error":"server_error","error_description":"internal error"})";
}

responder::~responder() {
  if (!f_) return;
  auto f = std::move(f_);
  try {
    f->call(response::json(500, std::string(internal_error_body)));
  } catch (...) {
    // A destructor must not throw; the server's completion never throws anyway.
  }
}

responder& responder::operator=(responder&& other) noexcept {
  if (this != &other) {
    responder old(std::move(*this));  // answers 500 if it was never called
    f_ = std::move(other.f_);
  }
  return *this;
}

void responder::operator()(response&& r) {
  if (!f_) return;  // called twice: the second answer is ignored
  auto f = std::move(f_);
  f->call(std::move(r));
}

std::optional<std::string> url_decode(std::string_view s, bool plus_as_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;  // needs two hex digits after '%'
      int hi = hex_value(s[i + 1]);
      int lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>((hi << 4) | lo));
      i += 2;
    } else if (c == '+' && plus_as_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string url_encode(std::string_view s) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3 / 2);
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(digits[c >> 4]);
      out.push_back(digits[c & 0xF]);
    }
  }
  return out;
}

std::optional<std::vector<std::pair<std::string, std::string>>> parse_form(std::string_view body) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!body.empty()) {
    std::size_t amp = body.find('&');
    std::string_view pair = body.substr(0, amp);
    body = (amp == std::string_view::npos) ? std::string_view{} : body.substr(amp + 1);
    if (pair.empty()) continue;
    std::size_t eq = pair.find('=');
    std::string_view k = pair.substr(0, eq);
    std::string_view v = (eq == std::string_view::npos) ? std::string_view{} : pair.substr(eq + 1);
    auto dk = url_decode(k, true);
    auto dv = url_decode(v, true);
    if (!dk || !dv) return std::nullopt;
    out.emplace_back(std::move(*dk), std::move(*dv));
  }
  return out;
}

std::string_view status_text(int status) {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Unknown";
  }
}
}  // namespace authplane::http
