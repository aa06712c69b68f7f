#include <authplane/core/scope.hpp>
#include <authplane/sdk/options.hpp>
#include <authplane/sdk/error.hpp>

#include <cctype>
#include <cstdlib>
#include <string_view>

namespace authplane::sdk {

std::string options::resource() const {
  std::string_view b = base_url;
  while (!b.empty() && b.back() == '/') b.remove_suffix(1);
  return std::string(b) + mcp_path;
}

bool dev_mode_from_env() {
  const char* v = std::getenv("AUTHPLANE_DEV_MODE");
  if (v == nullptr) return false;
  std::string s(v);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s == "true" || s == "1" || s == "yes";
}

namespace {
bool absolute_http_url(std::string_view u) {
  std::string_view rest;
  if (u.starts_with("https://")) rest = u.substr(8);
  else if (u.starts_with("http://")) rest = u.substr(7);
  else return false;
  if (rest.empty() || rest.front() == '/') return false;
  if (u.find_first_of("?# \t\r\n\"\\") != std::string_view::npos) return false;
  return true;
}
}  // namespace

error_code validate(const options& o) {
  const error_code bad = errc::invalid_options;
  if (o.issuer.empty()) return bad;
  if (!absolute_http_url(o.base_url)) return bad;
  if (!o.mcp_path.empty() &&
      (o.mcp_path.front() != '/' || o.mcp_path.find_first_of("?# \t\r\n\"\\") != std::string::npos))
    return bad;
  for (const auto& s : o.scopes)
    if (!valid_scope_token(s)) return bad;
  for (const auto& s : o.extra_scopes_supported)
    if (!valid_scope_token(s)) return bad;
  if (o.allowed_algs.empty()) return bad;
  if (o.leeway_seconds < 0 || o.leeway_seconds > 300) return bad;
  if (o.dpop != dpop_mode::disabled && o.dpop_algs.empty()) return bad;
  if (o.dpop_max_age_seconds < 1 || o.dpop_max_age_seconds > 3600) return bad;
  if (o.jwks_refresh_seconds <= 0 || o.metadata_refresh_seconds <= 0) return bad;
  if (o.jwks_refresh_cooldown_seconds < 0) return bad;
  if (o.replay_store_entries == 0) return bad;
  return {};
}

}  // namespace authplane::sdk
