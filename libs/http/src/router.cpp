// Router: exact segment matching with "{name}" captures, middleware chain, 404/405 answers.
#include <limits>
#include <stdexcept>

#include "authplane/http/server.hpp"

namespace authplane::http {
namespace {
constexpr std::uint32_t not_found_target = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint32_t method_not_allowed_target = not_found_target - 1;

bool is_param(std::string_view seg) { return seg.size() >= 3 && seg.front() == '{' && seg.back() == '}'; }

// Matches `path` against the pattern segments and fills `params` when given. A failed match may
// leave `params` partly filled, so callers pass it only once a match is known.
bool match_segments(const std::vector<std::string>& segs, std::string_view path,
                    std::map<std::string, std::string>* params) {
  if (path.empty() || path.front() != '/') return false;
  std::string_view rest = path.substr(1);
  for (std::size_t i = 0; i < segs.size(); ++i) {
    std::size_t slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    const std::string& pat = segs[i];
    if (is_param(pat)) {
      if (seg.empty()) return false;
      if (params) (*params)[pat.substr(1, pat.size() - 2)] = std::string(seg);
    } else if (seg != pat) {
      return false;
    }
    if (slash == std::string_view::npos) return i + 1 == segs.size();
    rest = rest.substr(slash + 1);
  }
  return false;  // the path has more segments than the pattern
}
}  // namespace

void router::add(std::string method, std::string pattern, handler h) {
  if (pattern.empty() || pattern.front() != '/') {
    throw std::invalid_argument("router::add: pattern must start with '/': " + pattern);
  }
  if (routes_.size() >= method_not_allowed_target) throw std::length_error("router::add: too many routes");
  route r;
  r.method = std::move(method);
  std::string_view rest = std::string_view(pattern).substr(1);
  for (;;) {
    std::size_t slash = rest.find('/');
    r.segments.emplace_back(rest.substr(0, slash));
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
  }
  r.h = std::move(h);
  routes_.push_back(std::move(r));
}

void router::use(middleware m) { middleware_.push_back(std::move(m)); }

void router::dispatch(request& req, responder done) const {
  std::uint32_t target = not_found_target;
  bool path_exists = false;
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    const route& r = routes_[i];
    if (!match_segments(r.segments, req.path, nullptr)) continue;
    if (r.method == req.method) {
      req.path_params.clear();
      match_segments(r.segments, req.path, &req.path_params);
      target = static_cast<std::uint32_t>(i);
      break;
    }
    path_exists = true;
  }
  if (target == not_found_target && path_exists) target = method_not_allowed_target;
  run_chain(0, target, req, std::move(done));
}

void router::run_chain(std::uint32_t index, std::uint32_t target, request& req, responder done) const {
  if (index >= middleware_.size()) {
    run_target(target, req, std::move(done));
    return;
  }
  // Two 32-bit values and a pointer: small enough for std::function's inline storage.
  const handler next = [this, index, target](request& q, responder d) { run_chain(index + 1, target, q, std::move(d)); };
  middleware_[index](req, std::move(done), next);
}

void router::run_target(std::uint32_t target, request& req, responder done) const {
  if (target == not_found_target) {
    done(response::json(404, R"({"error":"not_found","error_description":"not found"})"));
  } else if (target == method_not_allowed_target) {
    response r = response::json(405, R"({"error":"method_not_allowed"})");
    r.headers.add("Allow", allowed_methods(req.path));
    done(std::move(r));
  } else {
    routes_[target].h(req, std::move(done));
  }
}

std::string router::allowed_methods(std::string_view path) const {
  std::vector<std::string_view> seen;
  std::string out;
  for (const route& r : routes_) {
    if (!match_segments(r.segments, path, nullptr)) continue;
    bool dup = false;
    for (auto m : seen) dup = dup || m == r.method;
    if (dup) continue;
    seen.push_back(r.method);
    if (!out.empty()) out += ", ";
    out += r.method;
  }
  return out;
}

std::pair<std::string, std::uint16_t> split_host_port(std::string_view addr) {
  auto fail = [&](const char* why) {
    return std::invalid_argument("invalid listen address \"" + std::string(addr) + "\": " + why);
  };
  std::string_view host;
  std::string_view port;
  if (!addr.empty() && addr.front() == '[') {
    std::size_t close = addr.find(']');
    if (close == std::string_view::npos) throw fail("missing ']'");
    host = addr.substr(1, close - 1);
    std::string_view rest = addr.substr(close + 1);
    if (rest.empty() || rest.front() != ':') throw fail("expected ':port' after ']'");
    port = rest.substr(1);
    if (host.empty()) throw fail("empty IPv6 address");
  } else {
    std::size_t colon = addr.rfind(':');
    if (colon == std::string_view::npos) throw fail("missing ':port'");
    host = addr.substr(0, colon);
    port = addr.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) throw fail("IPv6 addresses must be bracketed");
    if (host.find_first_of(" \t/[]") != std::string_view::npos) throw fail("bad host");
  }
  if (port.empty() || port.size() > 5) throw fail("bad port");
  unsigned value = 0;
  for (char c : port) {
    if (c < '0' || c > '9') throw fail("bad port");
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535) throw fail("port out of range");
  return {host.empty() ? std::string("0.0.0.0") : std::string(host), static_cast<std::uint16_t>(value)};
}
}  // namespace authplane::http
