// RFC 6749 §4.1.3 (authorization_code with RFC 7636 PKCE) and §6 (refresh_token), with the
// reference's families: one per code redemption, rotated on every use, revoked on reuse
// (shared/reference/authserver.md §4.1, §4.2). Only SHA-256 hashes of codes and refresh tokens
// reach the store; neither is ever logged.
#include <mutex>
#include <unordered_map>

#include "authplane/core/random.hpp"
#include "authplane/core/scope.hpp"
#include "authplane/domain/error.hpp"
#include "authplane/services/codes.hpp"
#include "authplane/services/oauth.hpp"

namespace authplane::services {
namespace {
using domain::oauth_errc;
using domain::oauth_error;

constexpr std::string_view kInvalidGrant = "the authorization grant is invalid, expired, or revoked";
constexpr std::string_view kCodeUsed = "authorization code has already been used";
constexpr std::string_view kFamilyRevoked = "token family revoked due to reuse detection";
constexpr std::string_view kUserInactive = "user inactive or deleted";
constexpr std::string_view kExpired = "refresh token expired";

oauth_error err(oauth_errc c, std::string_view desc, std::string debug = {}) {
  return {c, std::string(desc), std::move(debug)};
}
ports::token_outcome fail(oauth_error e) { return ports::endpoint_failure{std::move(e), {}}; }

std::size_t count(const grant_context& ctx, std::string_view name) {
  std::size_t n = 0;
  for (const auto& [k, v] : ctx.req.form) n += (k == name);
  return n;
}

// The user behind the grant must still exist and be active (reference §4.1, §4.2).
std::optional<oauth_error> check_user(oauth_service& svc, const std::string& user_id) {
  auto u = svc.deps().users->find_user(user_id);
  if (!u) return oauth_error::internal("user lookup: " + u.error().message());
  if (!*u || !(*u)->is_active()) return err(oauth_errc::invalid_grant, kInvalidGrant, std::string(kUserInactive));
  return std::nullopt;
}

// RFC 8707: a `resource` sent at the token endpoint must name the resource the grant is for.
std::optional<oauth_error> check_resource(oauth_service& svc, const grant_context& ctx, const std::string& bound) {
  std::size_t n = count(ctx, "resource");
  if (n == 0) return std::nullopt;
  if (n > 1) return err(oauth_errc::invalid_target, "only one resource may be requested per token");
  domain::resource res;
  auto found = svc.deps().catalog.resolve(ctx.param("resource"), res);
  if (found != resource_catalog::lookup::found || res.uri != bound)
    return err(oauth_errc::invalid_target, "the requested resource target is unavailable");
  return std::nullopt;
}

// A user's access token issued under `fam` (both grants): the family's user is the subject, its
// bound resource the audience (the issuer when it has none), with the user-token TTL.
oauth_service::issue_params user_token(oauth_service& svc, const grant_context& ctx, std::string grant_type,
                                       const ports::refresh_family& fam, std::vector<std::string> scopes,
                                       const std::string& dpop_jkt) {
  oauth_service::issue_params p;
  p.grant_type = std::move(grant_type);
  p.subject = fam.user_id;
  p.user_id = fam.user_id;
  p.client = &ctx.client;
  p.audience = fam.resource.empty() ? svc.options().issuer : fam.resource;
  p.resource_id = fam.resource_id;
  p.scopes = std::move(scopes);
  p.ttl = svc.options().user_token_ttl;
  p.dpop_jkt = dpop_jkt;
  p.remote_ip = ctx.req.remote_ip;
  return p;
}

std::string resource_id_of(oauth_service& svc, const std::string& uri) {
  if (uri.empty()) return {};
  domain::resource res;
  if (svc.deps().catalog.resolve(uri, res) == resource_catalog::lookup::found) return res.id;
  return {};
}

void audit(oauth_service& svc, std::string action, const domain::client& c, const grant_context& ctx,
           std::string detail) {
  domain::audit_event ev{random_token(16), std::move(action), c.id, c.id, ctx.req.remote_ip, std::move(detail), "",
                         svc.deps().clk.now()};
  (void)svc.deps().audit.append_audit(ev);
}

class authorization_code_grant final : public grant_handler {
 public:
  std::string_view grant_type() const override { return "authorization_code"; }

  void handle(oauth_service& svc, const grant_context& ctx, const std::string& dpop_jkt,
              std::function<void(ports::token_outcome)> done) override {
    for (std::string_view p : {"code", "redirect_uri", "code_verifier"}) {
      if (count(ctx, p) > 1) return done(fail(err(oauth_errc::invalid_request, "parameter \"" + std::string(p) + "\" is repeated")));
    }
    const std::string code = ctx.param("code");
    if (code.empty()) return done(fail(err(oauth_errc::invalid_request, "code parameter is required")));
    const std::string verifier = ctx.param("code_verifier");
    if (verifier.empty()) return done(fail(err(oauth_errc::invalid_request, "code_verifier parameter is required")));
    auto& d = svc.deps();
    const auto now = d.clk.now();
    const std::string hash = secret_hash(code);

    // Atomic consume first (reference §4.1 order): every attempt, even a failing one, spends the
    // code, so PKCE cannot be guessed against it.
    auto before = d.codes->consume_code(hash, now);
    if (!before) return done(fail(oauth_error::internal("consume code: " + before.error().message())));
    if (!*before) return done(fail(err(oauth_errc::invalid_grant, kInvalidGrant, "unknown code")));
    const ports::stored_code& sc = **before;
    const ports::code_grant& g = sc.grant;
    if (sc.consumed_at) {
      // Replay. When the replayer is the code's client and proves PKCE, whatever the first
      // redemption produced is revoked (RFC 6749 §4.1.2, reference §4.1): one of the two
      // parties holding the code is not the legitimate client.
      if (ctx.client.id == g.client_id && pkce_verify(verifier, g.code_challenge)) {
        auto n = d.refresh->revoke_code_redemption(hash, now);
        audit(svc, "authorization_code.replayed", ctx.client, ctx,
              "family=" + sc.family_id + " revoked_tokens=" + (n ? std::to_string(*n) : std::string("error")));
      }
      return done(fail(err(oauth_errc::invalid_grant, kCodeUsed)));
    }
    if (now >= sc.expires_at) return done(fail(err(oauth_errc::invalid_grant, kInvalidGrant, "code expired")));
    if (ctx.client.id != g.client_id)
      return done(fail(err(oauth_errc::invalid_grant, kInvalidGrant, "code issued to another client")));
    if (ctx.param("redirect_uri") != g.redirect_uri)
      return done(fail(err(oauth_errc::invalid_grant, "redirect_uri does not match client registration")));
    if (!pkce_verify(verifier, g.code_challenge))
      return done(fail(err(oauth_errc::invalid_grant, "PKCE verification failed")));
    if (auto e = check_resource(svc, ctx, g.resource)) return done(fail(std::move(*e)));
    if (auto e = check_user(svc, g.user_id)) return done(fail(std::move(*e)));

    ports::refresh_family fam;
    fam.id = random_token(16);
    fam.client_id = g.client_id;
    fam.user_id = g.user_id;
    fam.scope = g.scope;
    fam.resource = g.resource;
    fam.resource_id = resource_id_of(svc, g.resource);
    fam.dpop_jkt = dpop_jkt;
    fam.code_hash = hash;
    fam.consent_grant_id = g.consent_grant_id;
    fam.created_at = now;

    auto p = user_token(svc, ctx, "authorization_code", fam, split_scopes(g.scope), dpop_jkt);
    ports::refresh_token_row first;
    if (ctx.client.has_grant("refresh_token")) {
      p.refresh_token = new_refresh_token(fam.id);
      first.token_hash = refresh_token_key(p.refresh_token);
      first.family_id = fam.id;
      first.created_at = now;
      first.expires_at = now + svc.options().refresh_ttl;
    }
    // The family (even without a refresh token) links the access token to the code, so a later
    // replay of the code can revoke it. It is written in the issuance's group-committed
    // transaction: the token is answered only once both are durable.
    p.companion = ports::family_creation{std::move(fam), std::move(first)};
    p.on_recorded = [](boost::system::error_code ec, ports::rotate_outcome) -> std::optional<oauth_error> {
      if (!ec) return std::nullopt;
      if (ec == domain::errc::conflict) return err(oauth_errc::invalid_grant, kCodeUsed, "replayed during redemption");
      return oauth_error::internal("record issuance with family: " + ec.message());
    };
    svc.issue(p, std::move(done));
  }
};

class refresh_token_grant final : public grant_handler {
 public:
  std::string_view grant_type() const override { return "refresh_token"; }

  void handle(oauth_service& svc, const grant_context& ctx, const std::string& dpop_jkt,
              std::function<void(ports::token_outcome)> done) override {
    if (count(ctx, "refresh_token") > 1)
      return done(fail(err(oauth_errc::invalid_request, "parameter \"refresh_token\" is repeated")));
    const std::string presented = ctx.param("refresh_token");
    if (presented.empty()) return done(fail(err(oauth_errc::invalid_request, "refresh_token parameter is required")));
    auto& d = svc.deps();
    const auto now = d.clk.now();
    const std::string hash = refresh_token_key(presented);
    ports::refresh_family fam;
    bool spent = false;
    if (auto family_id = refresh_token_family(presented); !family_id.empty()) {
      // The token names its family: its immutable attributes come from the family cache (a read
      // on a miss); whether this token is a live one of that family (unexpired, unspent), the
      // family unrevoked and the user active is decided by the store with the rotation.
      auto f = family(d, family_id);
      if (!f) return done(fail(oauth_error::internal("find family: " + f.error().message())));
      if (!*f) return done(fail(err(oauth_errc::invalid_grant, kInvalidGrant, "unknown refresh token")));
      fam = std::move(**f);
    } else {
      // Tokens from before the family part: looked up by their hash.
      auto found = d.refresh->find_refresh(hash);
      if (!found) return done(fail(oauth_error::internal("find refresh: " + found.error().message())));
      if (!*found) return done(fail(err(oauth_errc::invalid_grant, kInvalidGrant, "unknown refresh token")));
      const ports::refresh_token_row& tok = (*found)->token;
      if (now >= tok.expires_at) return done(fail(err(oauth_errc::invalid_grant, kInvalidGrant, std::string(kExpired))));
      spent = tok.consumed_at.has_value();
      fam = std::move((*found)->family);
    }

    // Everything that can fail runs before the token is spent (reference §4.2 order).
    if (fam.revoked_at) return done(fail(err(oauth_errc::invalid_grant, kFamilyRevoked)));
    if (fam.client_id != ctx.client.id)
      return done(fail(err(oauth_errc::invalid_grant, kInvalidGrant, "refresh token issued to another client")));
    if (auto e = check_resource(svc, ctx, fam.resource)) return done(fail(std::move(*e)));

    // Scope may narrow, never widen (RFC 6749 §6); also within the client's current ceiling
    // when it has one.
    auto granted = split_scopes(fam.scope);
    const auto ceiling = split_scopes(ctx.client.scope);
    std::vector<std::string> scopes;
    if (ctx.has_param("scope")) {
      scopes = split_scopes(ctx.param("scope"));
      if (!scopes_subset(scopes, granted) || (!ceiling.empty() && !scopes_subset(scopes, ceiling)))
        return done(fail(err(oauth_errc::invalid_scope, "the requested scope is invalid or not allowed")));
    } else if (ceiling.empty()) {
      scopes = granted;
    } else {
      for (const auto& s : granted)
        if (scopes_subset({s}, ceiling)) scopes.push_back(s);
      if (scopes.empty() && !granted.empty())
        return done(fail(err(oauth_errc::invalid_scope, "the requested scope is invalid or not allowed")));
    }

    if (spent) return reuse(svc, ctx, fam, std::move(done));
    // The user (exists, active) is checked by the store with the rotation (user_inactive below).
    // RFC 9449 §5: a DPoP-bound family refreshes only with a proof of the same key.
    if (!fam.dpop_jkt.empty() && dpop_jkt != fam.dpop_jkt)
      return done(fail(err(oauth_errc::invalid_dpop_proof, "DPoP proof is invalid",
                           dpop_jkt.empty() ? "refresh token is DPoP-bound: proof required" : "DPoP key mismatch")));

    auto p = user_token(svc, ctx, "refresh_token", fam, std::move(scopes), dpop_jkt);
    p.refresh_token = new_refresh_token(fam.id);
    ports::refresh_token_row next;
    next.token_hash = refresh_token_key(p.refresh_token);
    next.family_id = fam.id;
    next.created_at = now;
    next.expires_at = now + svc.options().refresh_ttl;
    // The rotation is written in the issuance's group-committed transaction (one batched write
    // per refresh; this thread never waits for the writer). The store decides spent-or-not
    // authoritatively there; the token is answered only once the rotation and the issuance are
    // durable. Nothing is stored when it refuses.
    p.companion = ports::refresh_rotation{hash, std::move(next), now};
    p.on_recorded = [&svc, family_id = fam.id, client_id = ctx.client.id, ip = ctx.req.remote_ip](
                        boost::system::error_code ec, ports::rotate_outcome o) -> std::optional<oauth_error> {
      if (ec == domain::errc::not_found) return err(oauth_errc::invalid_grant, kInvalidGrant, "unknown refresh token");
      if (ec) return oauth_error::internal("rotate refresh: " + ec.message());
      if (o == ports::rotate_outcome::rotated) return std::nullopt;
      if (o == ports::rotate_outcome::user_inactive) return err(oauth_errc::invalid_grant, kInvalidGrant, std::string(kUserInactive));
      if (o == ports::rotate_outcome::expired) return err(oauth_errc::invalid_grant, kInvalidGrant, std::string(kExpired));
      // A concurrent use spent the token between lookup and rotation: that is reuse too. Rare, so
      // the revocation stays a separate (synchronous) write, run where the store reported.
      if (o == ports::rotate_outcome::reused) revoke_family(svc, family_id, client_id, ip);
      return err(oauth_errc::invalid_grant, kFamilyRevoked);
    };
    svc.issue(p, std::move(done));
  }

 private:
  // Families by id. Cached fields never change (client, user, scope, resource, DPoP key); a
  // revocation can be missed here but never by the store, which checks it with the rotation.
  // Bounded: when full it starts over.
  static constexpr std::size_t kMaxFamilies = 16384;
  std::mutex families_mu_;
  std::unordered_map<std::string, ports::refresh_family> families_;

  result<std::optional<ports::refresh_family>> family(oauth_deps& d, std::string_view id) {
    {
      std::lock_guard lk(families_mu_);
      if (auto it = families_.find(std::string(id)); it != families_.end())
        return std::optional<ports::refresh_family>(it->second);
    }
    auto f = d.refresh->find_family(id);
    if (!f || !*f) return f;
    std::lock_guard lk(families_mu_);
    if (families_.size() >= kMaxFamilies) families_.clear();
    families_.emplace(std::string(id), **f);
    return f;
  }

  static void revoke_family(oauth_service& svc, const std::string& family_id, const std::string& client_id,
                            const std::string& ip) {
    auto now = svc.deps().clk.now();
    auto n = svc.deps().refresh->revoke_family(family_id, now, "reuse_detected");
    domain::audit_event ev{random_token(16), n ? "family.revoked" : "family.revocation_failed", client_id, client_id, ip,
                           "family=" + family_id + " reason=reuse_detected revoked_tokens=" +
                               (n ? std::to_string(*n) : std::string("error")),
                           "", now};
    (void)svc.deps().audit.append_audit(ev);
  }

  static void reuse(oauth_service& svc, const grant_context& ctx, const ports::refresh_family& fam,
                    std::function<void(ports::token_outcome)> done) {
    revoke_family(svc, fam.id, ctx.client.id, ctx.req.remote_ip);
    done(fail(err(oauth_errc::invalid_grant, kFamilyRevoked)));
  }
};
}  // namespace

std::unique_ptr<grant_handler> make_authorization_code_grant() { return std::make_unique<authorization_code_grant>(); }
std::unique_ptr<grant_handler> make_refresh_token_grant() { return std::make_unique<refresh_token_grant>(); }
}  // namespace authplane::services
