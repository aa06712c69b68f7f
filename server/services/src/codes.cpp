#include "authplane/services/codes.hpp"

#include <chrono>

#include "authplane/core/base64url.hpp"
#include "authplane/core/constant_time.hpp"
#include "authplane/core/random.hpp"
#include "authplane/crypto/hash.hpp"
#include "authplane/domain/error.hpp"

namespace authplane::services {

std::string secret_hash(std::string_view secret) { return base64url_encode(crypto::sha256(secret)); }

namespace {
constexpr std::size_t kRefreshPrefix = 12;  // hex digits of Unix ms: fixed width until year 10889
constexpr std::size_t kFamilyId = 22;       // random_token(16)
constexpr std::size_t kRefreshTokenSize = kRefreshPrefix + kFamilyId + 43;

bool lower_hex(std::string_view s) {
  for (char ch : s)
    if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) return false;
  return true;
}

bool structured_refresh_token(std::string_view t) {
  return t.size() == kRefreshTokenSize && lower_hex(t.substr(0, kRefreshPrefix)) &&
         base64url_alphabet_only(t.substr(kRefreshPrefix));
}
}  // namespace

std::string new_refresh_token(std::string_view family_id) {
  // A family id of another shape (none is made so) gets a plain token, looked up by its hash.
  if (family_id.size() != kFamilyId || !base64url_alphabet_only(family_id)) return random_token(32);
  auto ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  std::string out(kRefreshPrefix, '0');
  static constexpr char digits[] = "0123456789abcdef";
  for (std::size_t i = kRefreshPrefix; i-- > 0; ms >>= 4) out[i] = digits[ms & 0xf];
  out += family_id;
  out += random_token(32);
  return out;
}

std::string refresh_token_key(std::string_view token) {
  if (structured_refresh_token(token)) return std::string(token.substr(0, kRefreshPrefix)) + secret_hash(token);
  return secret_hash(token);
}

std::string_view refresh_token_family(std::string_view token) {
  if (!structured_refresh_token(token)) return {};
  return token.substr(kRefreshPrefix, kFamilyId);
}

bool pkce_verifier_well_formed(std::string_view v) {
  if (v.size() < 43 || v.size() > 128) return false;
  for (char ch : v) {
    bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' ||
              ch == '.' || ch == '_' || ch == '~';
    if (!ok) return false;
  }
  return true;
}

bool pkce_verify(std::string_view verifier, std::string_view challenge) {
  if (!pkce_verifier_well_formed(verifier) || challenge.empty()) return false;
  return constant_time_equal(secret_hash(verifier), challenge);
}

result<std::string> code_issuer::issue(const ports::code_grant& g) {
  if (g.client_id.empty() || g.user_id.empty() || g.redirect_uri.empty() || g.code_challenge.empty())
    return make_error_code(domain::errc::invalid);
  std::string code = random_token(32);
  ports::stored_code row;
  row.code_hash = secret_hash(code);
  row.grant = g;
  row.created_at = clk_.now();
  row.expires_at = row.created_at + ttl_;
  if (auto r = store_.put_code(row); !r) return r.error();
  return code;
}

}  // namespace authplane::services
