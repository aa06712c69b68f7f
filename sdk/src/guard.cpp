#include <authplane/core/base64url.hpp>
#include <authplane/core/scope.hpp>
#include <authplane/crypto/keys.hpp>
#include <authplane/jose/dpop.hpp>
#include <authplane/jose/error.hpp>
#include <authplane/jose/jws.hpp>
#include <authplane/jose/jwt.hpp>
#include <authplane/sdk/guard.hpp>
#include <authplane/sdk/prm.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace authplane::sdk {

namespace json = boost::json;

struct resource_guard::impl {
  std::atomic<std::uint64_t> signature_checks{0};
  std::atomic<std::uint64_t> cache_hits{0};
};

bool verified_claims::has_scope(std::string_view s) const {
  return std::find(scopes.begin(), scopes.end(), s) != scopes.end();
}

namespace {

constexpr jose::alg alg_order[] = {jose::alg::ES256, jose::alg::ES384, jose::alg::ES512, jose::alg::RS256,
                                   jose::alg::RS384, jose::alg::RS512, jose::alg::PS256, jose::alg::PS384,
                                   jose::alg::PS512, jose::alg::EdDSA};

std::string alg_list(const jose::alg_set& set, std::string_view sep) {
  std::string out;
  for (auto a : alg_order)
    if (set.contains(a)) {
      if (!out.empty()) out += sep;
      out += jose::to_string(a);
    }
  return out;
}

// Each run of CR, LF, '"' or '\' becomes one space; the result is trimmed.
std::string sanitize(std::string_view v) {
  std::string out;
  bool in_run = false;
  for (char c : v) {
    if (c == '\r' || c == '\n' || c == '"' || c == '\\') {
      if (!in_run) out += ' ';
      in_run = true;
    } else {
      out += c;
      in_run = false;
    }
  }
  auto b = out.find_first_not_of(' ');
  if (b == std::string::npos) return {};
  auto e = out.find_last_not_of(' ');
  return out.substr(b, e - b + 1);
}

void add_param(std::string& out, std::string_view name, std::string_view value) {
  if (out.back() != ' ') out += ", ";
  out += name;
  out += "=\"";
  out += sanitize(value);
  out += '"';
}

bool dpop_scheme_error(errc c) {
  return c == errc::dpop_binding_mismatch || c == errc::dpop_proof_missing || c == errc::dpop_proof_invalid ||
         c == errc::dpop_multiple_proofs || c == errc::dpop_replay;
}

std::string_view oauth_error(errc c) {
  switch (c) {
    case errc::invalid_request: return "invalid_request";
    case errc::insufficient_scope: return "insufficient_scope";
    case errc::dpop_multiple_proofs: return "invalid_dpop_proof";
    default: return "invalid_token";
  }
}

// The issuer's documents could not be obtained; the request may succeed later.
bool is_fetch_failure(errc c) {
  switch (c) {
    case errc::ssrf_blocked:
    case errc::response_too_large:
    case errc::metadata_fetch_failed:
    case errc::metadata_issuer_missing:
    case errc::metadata_issuer_mismatch:
    case errc::metadata_endpoint_missing:
    case errc::metadata_endpoint_invalid:
    case errc::jwks_fetch_failed: return true;
    default: return false;
  }
}

int status_of(errc c) {
  if (is_fetch_failure(c)) return 503;  // checklist 81
  switch (c) {
    case errc::invalid_request: return 400;
    case errc::insufficient_scope: return 403;
    case errc::keys_unavailable: return 503;
    case errc::invalid_options:
    case errc::verifier_failure: return 500;  // checklist 49: never reported as an auth failure
    default: return 401;
  }
}

std::string_view generic_description(errc c) {
  if (is_fetch_failure(c)) return "The authorization server's keys are unavailable";
  switch (c) {
    case errc::token_missing: return "Missing access token";
    case errc::invalid_request: return "Invalid Authorization header";
    case errc::token_expired: return "The access token has expired";
    case errc::insufficient_scope: return "The access token lacks a required scope";
    case errc::dpop_not_supported: return "This resource does not accept DPoP";
    case errc::dpop_binding_mismatch: return "DPoP binding mismatch";
    case errc::dpop_proof_missing: return "DPoP proof is required";
    case errc::dpop_proof_invalid: return "Invalid DPoP proof";
    case errc::dpop_multiple_proofs: return "Multiple DPoP proofs";
    case errc::dpop_replay: return "DPoP proof replay detected";
    case errc::keys_unavailable: return "Signing keys are unavailable";
    default: return "Invalid access token";
  }
}

// Codes whose description is the same in both modes: nothing about the configuration leaks.
bool always_detailed(errc c) {
  return c == errc::invalid_request || c == errc::token_missing || c == errc::dpop_proof_missing || c == errc::dpop_multiple_proofs || c == errc::dpop_replay ||
         c == errc::keys_unavailable;
}

// A member of the (unverified) JOSE header, for dev-mode descriptions only.
std::string header_member(std::string_view token, std::string_view name) {
  auto dot = token.find('.');
  if (dot == std::string_view::npos) return {};
  auto raw = base64url_decode(token.substr(0, dot));
  if (!raw) return {};
  boost::system::error_code ec;
  auto v = json::parse(*raw, ec);
  if (ec || !v.is_object()) return {};
  const auto* m = v.as_object().if_contains(name);
  if (m == nullptr) return {};
  if (m->is_string()) return std::string(m->as_string());
  return json::serialize(*m);
}

std::string quoted_list(const std::vector<std::string>& v) {
  if (v.empty()) return "(none)";
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += ", ";
    out += "'" + s + "'";
  }
  return out;
}

// RFC 6750 §2.1 b64token characters: ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/".
// A table, not std::isalnum: this runs over every byte of every token, cached or not.
constexpr std::array<bool, 256> b64token_chars = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c)
    t[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~' || c == '+' || c == '/';
  return t;
}();

bool is_b64token(std::string_view t) {
  if (t.empty()) return false;
  std::size_t i = 0;
  while (i < t.size() && b64token_chars[static_cast<unsigned char>(t[i])]) ++i;
  if (i == 0) return false;
  for (; i < t.size(); ++i)
    if (t[i] != '=') return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Checklist 49: an unexpected exception is a server fault (500 server_error, no challenge),
// never an authentication failure. Built here rather than by deny(): no challenge applies.
outcome runtime_failure() {
  outcome o;
  o.denied.code = errc::verifier_failure;
  o.denied.status = 500;
  o.denied.error = "server_error";
  o.denied.description = "Verifier runtime failure";
  o.denied.headers.add("Content-Type", "application/json");
  o.denied.headers.add("Cache-Control", "no-store");
  o.denied.body = json::serialize(json::object{{"error", o.denied.error}, {"error_description", o.denied.description}});
  return o;
}

}  // namespace

std::string www_authenticate(const options& o, const std::string& prm_url, errc code,
                             std::string_view description, const std::vector<std::string>& scopes) {
  const bool dpop_on = o.dpop != dpop_mode::disabled;
  const bool dpop_owns_error = dpop_on && dpop_scheme_error(code);
  std::string out = "Bearer ";
  if (!o.realm.empty()) add_param(out, "realm", o.realm);
  if (code != errc::token_missing && !dpop_owns_error) {
    add_param(out, "error", oauth_error(code));
    add_param(out, "error_description", description);
  }
  const auto& scope_list = scopes.empty() ? o.scopes : scopes;
  if (!scope_list.empty()) add_param(out, "scope", join_scopes(scope_list));
  add_param(out, "resource_metadata", prm_url);
  if (dpop_on) {
    out += ", DPoP ";
    if (!o.realm.empty()) add_param(out, "realm", o.realm);
    if (dpop_owns_error) {
      add_param(out, "error", oauth_error(code));
      add_param(out, "error_description", description);
    }
    add_param(out, "algs", alg_list(o.dpop_algs, " "));
  }
  return out;
}

resource_guard::resource_guard(options o, std::shared_ptr<jwks_source> keys, std::shared_ptr<replay_store> replay,
                               std::shared_ptr<const clock> clk)
    : opts_(std::move(o)),
      resource_(opts_.resource()),
      prm_url_(prm_url(resource_)),
      keys_(std::move(keys)),
      replay_(std::move(replay)),
      clock_(std::move(clk)),
      cache_(std::make_unique<token_cache>(opts_.token_cache_entries)),
      impl_(std::make_shared<impl>()) {
  if (!clock_) clock_ = std::make_shared<system_clock>();
  if (!replay_ && opts_.dpop != dpop_mode::disabled)
    replay_ = std::make_shared<memory_replay_store>(opts_.replay_store_entries);
}

result<std::shared_ptr<resource_guard>> resource_guard::create(options o, std::shared_ptr<jwks_source> keys,
                                                               std::shared_ptr<replay_store> replay,
                                                               std::shared_ptr<const clock> clk) {
  if (auto ec = validate(o)) return ec;
  if (!keys) return error_code(errc::invalid_options);
  return std::make_shared<resource_guard>(std::move(o), std::move(keys), std::move(replay), std::move(clk));
}

guard_counters resource_guard::counters() const {
  return {impl_->signature_checks.load(), impl_->cache_hits.load()};
}

denial resource_guard::deny(errc code, std::string_view detail, const std::vector<std::string>& scopes) const {
  denial d;
  d.code = code;
  d.status = status_of(code);
  d.error = std::string(oauth_error(code));
  if (opts_.dev_mode || always_detailed(code))
    d.description = sanitize(detail.empty() ? generic_description(code) : detail);
  else
    d.description = std::string(generic_description(code));
  d.headers.add("WWW-Authenticate", www_authenticate(opts_, prm_url_, code, d.description, scopes));
  d.headers.add("Content-Type", "application/json");
  d.headers.add("Cache-Control", "no-store");
  d.body = json::serialize(json::object{{"error", d.error}, {"error_description", d.description}});
  return d;
}

namespace {

// The key for (kid, alg): kid equal, use absent or "sig", key_ops absent or containing "verify",
// JWK alg absent or equal, key type fitting the alg.
const jose::jwk* select_key(const jose::jwks& set, std::string_view kid, jose::alg a) {
  const std::string_view alg_name = jose::to_string(a);
  for (const auto& k : set.keys) {
    if (k.kid != kid) continue;
    if (!k.use.empty() && k.use != "sig") continue;
    if (!k.alg.empty() && k.alg != alg_name) continue;
    if (const auto* ops = k.members.if_contains("key_ops")) {
      if (!ops->is_array()) continue;
      bool verify = false;
      for (const auto& op : ops->as_array())
        if (op.is_string() && op.as_string() == "verify") verify = true;
      if (!verify) continue;
    }
    if (!crypto::alg_fits(alg_name, k.key.type())) continue;
    return &k;
  }
  return nullptr;
}

// AuthPlane's agent claims and RFC 8693 delegation claims; wrong types read as absent.
void read_agent_claims(verified_claims& c) {
  if (const auto* a = c.raw.if_contains("agent_id"); a && a->is_string()) c.agent_id = std::string(a->as_string());
  if (const auto* ch = c.raw.if_contains("agent_chain"); ch && ch->is_array())
    for (const auto& v : ch->as_array())
      if (v.is_string()) c.agent_chain.emplace_back(v.as_string());
  if (const auto* a = c.raw.if_contains("act"); a && a->is_object()) c.act = a->as_object();
  if (const auto* m = c.raw.if_contains("may_act"); m && m->is_object()) c.may_act = m->as_object();
}

// RFC 9449 §4.3 (11) allows an "exp" in a proof; jose::validate_dpop_proof does not read it, so
// it is checked here: a non-integer exp or one before now - leeway refuses the proof.
std::optional<std::string> proof_exp_problem(std::string_view proof, std::int64_t now, std::int64_t leeway) {
  const auto first = proof.find('.');
  const auto second = first == std::string_view::npos ? first : proof.find('.', first + 1);
  if (second == std::string_view::npos) return "malformed";
  auto raw = base64url_decode(proof.substr(first + 1, second - first - 1));
  boost::system::error_code ec;
  auto v = raw ? json::parse(*raw, ec) : json::value();
  if (!raw || ec || !v.is_object()) return "malformed payload";
  const auto* exp = v.as_object().if_contains("exp");
  if (exp == nullptr) return std::nullopt;
  if (!exp->is_int64() && !exp->is_uint64()) return "exp is not an integer";
  if (exp->is_int64() && exp->as_int64() < now - leeway) return "DPoP proof has expired";
  return std::nullopt;
}

}  // namespace

std::optional<std::string> resource_guard::revocation_refusal(const verified_claims& c, std::string_view token) const {
  if (!opts_.revocation) return std::nullopt;  // checklist 51: no checker, no call
  bool failed = false, revoked = false;
  try {
    auto r = opts_.revocation(c, token);
    failed = !r;
    revoked = r && *r;
  } catch (...) {
    failed = true;
  }
  if (revoked) return "Token '" + c.jti + "' is revoked";
  // Fail-closed by default (checklist 53): an unanswered check must not let a revoked token in.
  if (failed && opts_.revocation_fail_closed) return "Token '" + c.jti + "' rejected: revocation check failed";
  return std::nullopt;
}

result<std::shared_ptr<const verified_claims>> resource_guard::verify_token(std::string_view token,
                                                                            std::string* detail) const {
  std::string scratch;
  std::string& why = detail ? *detail : scratch;
  try {
    return verify_unguarded(token, why);
  } catch (...) {  // checklist 49: a bug or a throwing key source is not an auth failure
    why = "Verifier runtime failure";
    return error_code(errc::verifier_failure);
  }
}

result<std::shared_ptr<const verified_claims>> resource_guard::verify_unguarded(std::string_view token,
                                                                                std::string& why) const {
  const std::int64_t now = clock_->now();
  if (trim(token).empty()) {
    why = "No access token provided";
    return error_code(errc::token_missing);
  }
  if (auto hit = cache_->find(token, now)) {
    impl_->cache_hits.fetch_add(1);
    return hit;
  }

  auto parsed = jose::parse_jws(token, opts_.allowed_algs);
  if (!parsed) {
    if (parsed.error() == jose::errc::alg_not_allowed) {
      why = "Token algorithm '" + header_member(token, "alg") + "' is not in the allowed list: [" +
            alg_list(opts_.allowed_algs, ", ") + "]";
      return error_code(errc::alg_not_allowed);
    }
    if (parsed.error() == jose::errc::alg_missing) {
      why = "Token header missing 'alg' field";
      return error_code(errc::alg_not_allowed);
    }
    why = "Failed to decode token: " + parsed.error().message();
    return error_code(errc::token_malformed);
  }
  if (parsed->kid.empty()) {
    why = "Token header missing 'kid' field";
    return error_code(errc::kid_missing);
  }
  if (parsed->typ != "at+jwt") {
    why = "Token type must be 'at+jwt', got '" + parsed->typ + "'";
    return error_code(errc::typ_mismatch);
  }

  key_set keys = keys_->current();
  const jose::jwk* key = keys ? select_key(*keys, parsed->kid, parsed->alg) : nullptr;
  if (key == nullptr) {
    keys = keys_->refresh_for_unknown_kid(parsed->kid);
    if (!keys) {
      why = "No signing keys are available from the issuer";
      return error_code(errc::keys_unavailable);
    }
    key = select_key(*keys, parsed->kid, parsed->alg);
    if (key == nullptr) {
      why = "Token kid '" + parsed->kid + "' not found in JWKS after refresh";
      return error_code(errc::unknown_kid);
    }
  }

  impl_->signature_checks.fetch_add(1);
  jose::jwt_check chk;
  chk.issuer = opts_.issuer;
  chk.audience = std::string_view(resource_);
  chk.now = now;
  chk.leeway = opts_.leeway_seconds;
  chk.typ = "at+jwt";
  // The steps of jose::verify_jwt on the token parsed above (typ, kid and the key's use/alg/type
  // were checked by the code above and select_key): signature, then the claims. One parse per
  // token instead of two.
  result<void> checked = jose::verify_jws(*parsed, *key);
  if (checked) checked = jose::check_claims(parsed->payload, chk);
  if (!checked) {
    const auto& ec = checked.error();
    const json::object& p = parsed->payload;
    auto claim_text = [&](std::string_view n) {
      const auto* v = p.if_contains(n);
      return v ? (v->is_string() ? std::string(v->as_string()) : json::serialize(*v)) : std::string("(absent)");
    };
    const std::string skew = ", leeway=" + std::to_string(opts_.leeway_seconds) + "s";
    const std::string at_now = "now=" + std::to_string(now);
    if (ec == jose::errc::signature_invalid || ec == jose::errc::alg_key_mismatch ||
        ec == jose::errc::key_use_mismatch || ec == jose::errc::kid_mismatch || ec == jose::errc::no_matching_key) {
      why = "Token signature verification failed";
      return error_code(errc::signature_invalid);
    }
    if (ec == jose::errc::claim_missing_exp) { why = "Token is missing the required claim 'exp'"; return error_code(errc::claim_missing); }
    if (ec == jose::errc::claim_missing_iss) { why = "Token is missing the required claim 'iss'"; return error_code(errc::claim_missing); }
    if (ec == jose::errc::claim_missing_aud) { why = "Token is missing the required claim 'aud'"; return error_code(errc::claim_missing); }
    if (ec == jose::errc::claim_bad_type) { why = "Token has a claim of the wrong type (exp, nbf, iat, iss or aud)"; return error_code(errc::claim_missing); }
    if (ec == jose::errc::token_expired) {
      why = "Token has expired (exp=" + claim_text("exp") + ", " + at_now + skew + ")";
      return error_code(errc::token_expired);
    }
    if (ec == jose::errc::token_not_yet_valid) {
      why = "Token 'nbf' claim is in the future (nbf=" + claim_text("nbf") + ", " + at_now + skew + ")";
      return error_code(errc::token_not_yet_valid);
    }
    if (ec == jose::errc::token_issued_in_future) {
      why = "Token 'iat' claim is in the future (iat=" + claim_text("iat") + ", " + at_now + skew + ")";
      return error_code(errc::token_issued_in_future);
    }
    if (ec == jose::errc::issuer_mismatch) {
      why = "Token issuer '" + claim_text("iss") + "' does not match the expected issuer '" + opts_.issuer + "'";
      return error_code(errc::issuer_mismatch);
    }
    if (ec == jose::errc::audience_mismatch) {
      const auto* aud = p.if_contains("aud");
      why = "Token audience " + (aud && aud->is_string() ? "'" + claim_text("aud") + "'" : claim_text("aud")) + " does not contain the resource '" + resource_ + "'";
      return error_code(errc::audience_mismatch);
    }
    why = "Token verification failed: " + ec.message();
    return error_code(errc::token_malformed);
  }

  auto c = std::make_shared<verified_claims>();
  c->raw = std::move(parsed->payload);
  c->kid = parsed->kid;
  for (std::string_view name : {"sub", "client_id", "jti"}) {
    const auto* v = c->raw.if_contains(name);
    if (v == nullptr || !v->is_string() || v->as_string().empty()) {
      why = "Token is missing the required claim '" + std::string(name) + "'";
      return error_code(errc::claim_missing);
    }
  }
  c->issuer = std::string(c->raw.at("iss").as_string());
  c->subject = std::string(c->raw.at("sub").as_string());
  c->client_id = std::string(c->raw.at("client_id").as_string());
  c->jti = std::string(c->raw.at("jti").as_string());
  auto iat = jose::numeric_date(c->raw, "iat");
  if (!iat || !*iat) {
    why = "Token is missing the required claim 'iat'";
    return error_code(errc::claim_missing);
  }
  c->issued_at = **iat;
  c->expires_at = **jose::numeric_date(c->raw, "exp");
  if (auto nbf = jose::numeric_date(c->raw, "nbf"); nbf && *nbf) c->not_before = **nbf;
  const auto& aud = c->raw.at("aud");
  if (aud.is_string()) {
    c->audience.emplace_back(aud.as_string());
  } else if (aud.is_array()) {
    for (const auto& a : aud.as_array())
      if (a.is_string()) c->audience.emplace_back(a.as_string());
  }
  if (const auto* s = c->raw.if_contains("scope"); s && s->is_string())
    c->scopes = split_scopes(std::string_view(s->as_string().data(), s->as_string().size()));
  if (const auto* cnf = c->raw.if_contains("cnf")) {
    const json::value* jkt = cnf->is_object() ? cnf->as_object().if_contains("jkt") : nullptr;
    if (jkt == nullptr || !jkt->is_string() || jkt->as_string().empty()) {
      why = "Access token has a 'cnf' claim without 'cnf.jkt'; cannot verify DPoP binding";
      return error_code(errc::cnf_missing_jkt);
    }
    c->cnf_jkt = std::string(jkt->as_string());
  }
  read_agent_claims(*c);
  std::shared_ptr<const verified_claims> out = std::move(c);
  cache_->insert(token, out, now);
  return out;
}

outcome resource_guard::check(std::string_view method, std::string_view url, const http::header_list& headers,
                              const std::vector<std::string>& extra_scopes) const {
  try {
    std::string_view token;
    std::optional<dpop_info> dinfo;
    claims_outcome c = check_unguarded(method, url, headers, extra_scopes, &token, &dinfo);
    outcome out;
    if (!c) {
      out.denied = std::move(c.denied);
      return out;
    }
    auto p = std::make_shared<principal>();
    p->claims = std::move(c.claims);
    p->token = std::string(token);
    p->dpop = std::move(dinfo);
    out.allowed = std::move(p);
    return out;
  } catch (...) {
    return runtime_failure();
  }
}

claims_outcome resource_guard::check_claims(std::string_view method, std::string_view url,
                                            const http::header_list& headers,
                                            const std::vector<std::string>& extra_scopes) const {
  try {
    return check_unguarded(method, url, headers, extra_scopes, nullptr, nullptr);
  } catch (...) {
    claims_outcome out;
    out.denied = runtime_failure().denied;
    return out;
  }
}

claims_outcome resource_guard::check_unguarded(std::string_view method, std::string_view url,
                                               const http::header_list& headers,
                                               const std::vector<std::string>& extra_scopes,
                                               std::string_view* token_out,
                                               std::optional<dpop_info>* dpop_out) const {
  claims_outcome out;
  std::vector<std::string> merged;  // only built when there are per-route scopes (no copy per request)
  if (!extra_scopes.empty()) {
    merged = opts_.scopes;
    for (const auto& s : extra_scopes)
      if (std::find(merged.begin(), merged.end(), s) == merged.end()) merged.push_back(s);
  }
  const std::vector<std::string>& required = extra_scopes.empty() ? opts_.scopes : merged;
  auto fail = [&](errc c, std::string_view detail) {
    out.denied = deny(c, detail, required);
    return std::move(out);
  };

  // 1. Authorization: exactly one header, "<Bearer|DPoP> <b64token>" with one space.
  const std::size_t n = headers.count("Authorization");
  if (n == 0) return fail(errc::token_missing, "Missing Authorization header");
  if (n > 1) return fail(errc::invalid_request, "Multiple Authorization headers");
  const std::string_view value = *headers.get("Authorization");
  const auto sp = value.find_first_of(" \t");
  const std::string_view scheme = value.substr(0, sp);
  const bool dpop_scheme = http::iequals(scheme, "DPoP");
  if (!dpop_scheme && !http::iequals(scheme, "Bearer"))
    return fail(errc::token_missing, "Authorization scheme is not Bearer or DPoP");
  const std::string_view token = sp == std::string_view::npos ? std::string_view{} : value.substr(sp + 1);
  // Checklist 26: a malformed credential counts as no credential (401, the discovery challenge),
  // like the reference; only a repeated header is a 400 (RFC 6750 "more than one method").
  if (sp == std::string_view::npos || value[sp] != ' ' || !is_b64token(token))
    return fail(errc::token_missing, "Invalid Authorization header format, expected 'Bearer TOKEN' or 'DPoP TOKEN'");

  // 2. The token itself (a cache hit skips the signature).
  std::string detail;
  auto verified = verify_token(token, &detail);
  if (!verified && verified.error() == errc::verifier_failure) {
    out.denied = runtime_failure().denied;
    return out;
  }
  if (!verified) return fail(static_cast<errc>(verified.error().value()), detail);
  const verified_claims& c = **verified;

  // 3. DPoP (RFC 9449 §7): proofs are checked on every request, cached token or not.
  std::vector<std::string_view> proofs;
  for (const auto& [name, v] : headers.items) {
    if (!http::iequals(name, "DPoP")) continue;
    std::string_view rest = v;
    while (true) {
      auto comma = rest.find(',');
      auto piece = trim(rest.substr(0, comma));
      if (!piece.empty()) proofs.push_back(piece);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  std::optional<dpop_info> dinfo;
  if (opts_.dpop == dpop_mode::disabled) {
    if (c.dpop_bound())
      return fail(errc::dpop_not_supported, "The token is DPoP-bound (cnf.jkt) but this resource does not accept DPoP");
    if (!proofs.empty() || dpop_scheme)
      return fail(errc::dpop_not_supported, "A DPoP proof or scheme was sent but this resource does not accept DPoP");
  } else {
    if (proofs.size() > 1) return fail(errc::dpop_multiple_proofs, "Multiple DPoP proofs");
    if (c.dpop_bound()) {
      if (!dpop_scheme)
        return fail(errc::dpop_binding_mismatch, "A DPoP-bound token must be sent with the DPoP authorization scheme");
      if (proofs.empty()) return fail(errc::dpop_proof_missing, "DPoP proof is required");
      const std::string ath = jose::dpop_ath(token);
      std::string upper_method(method);
      for (char& ch : upper_method) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      jose::dpop_options d;
      d.htm = upper_method;
      d.htu = url;
      d.now = clock_->now();
      d.max_age = opts_.dpop_max_age_seconds;
      d.expected_ath = std::string_view(ath);
      d.allowed = opts_.dpop_algs;
      auto p = jose::validate_dpop_proof(proofs.front(), d);
      if (!p) return fail(errc::dpop_proof_invalid, "Invalid DPoP proof: " + p.error().message());
      if (auto why_exp = proof_exp_problem(proofs.front(), d.now, opts_.leeway_seconds))
        return fail(errc::dpop_proof_invalid, "Invalid DPoP proof: " + *why_exp);
      if (p->htm != upper_method)  // exact, case-sensitive (RFC 9449 §4.3 (8))
        return fail(errc::dpop_proof_invalid, "Invalid DPoP proof: htm '" + p->htm + "' differs from '" +
                                                  upper_method + "'");
      if (p->jkt != c.cnf_jkt)
        return fail(errc::dpop_binding_mismatch, "DPoP proof key does not match the access token cnf.jkt");
      if (!replay_->check_and_store(p->jkt + ":" + p->jti,
                                    p->iat + opts_.dpop_max_age_seconds + opts_.leeway_seconds, d.now))
        return fail(errc::dpop_replay, "DPoP proof replay detected");
      dinfo = dpop_info{p->jkt, p->jti, p->htm, p->htu, p->iat};
    } else {
      if (!proofs.empty() || dpop_scheme)
        return fail(errc::dpop_binding_mismatch, "DPoP proof or scheme sent with a token that is not DPoP-bound");
      if (opts_.dpop == dpop_mode::required)
        return fail(errc::dpop_binding_mismatch,
                    "Resource requires DPoP-bound access tokens but the presented token has no cnf.jkt");
    }
  }

  // 4. Revocation: after the signature and the binding, so a forged token never causes a call.
  if (auto refusal = revocation_refusal(c, token)) return fail(errc::token_revoked, *refusal);

  // 5. Scopes.
  if (!scopes_subset(required, c.scopes)) {
    std::vector<std::string> missing;
    for (const auto& s : required)
      if (!c.has_scope(s)) missing.push_back(s);
    return fail(errc::insufficient_scope, std::string("Token missing required scope") +
                                              (missing.size() > 1 ? "s " : " ") + quoted_list(missing) +
                                              ". Token has scopes: " + quoted_list(c.scopes));
  }

  out.claims = std::move(*verified);
  if (token_out) *token_out = token;
  if (dpop_out) *dpop_out = std::move(dinfo);
  return out;
}

}  // namespace authplane::sdk
