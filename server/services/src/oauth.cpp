#include "authplane/services/oauth.hpp"

#include <boost/json.hpp>

#include <chrono>

#include "authplane/core/base64url.hpp"
#include "authplane/core/constant_time.hpp"
#include "authplane/core/log.hpp"
#include "authplane/core/random.hpp"
#include "authplane/core/scope.hpp"
#include "authplane/services/codes.hpp"

namespace authplane::services {
namespace json = boost::json;
using domain::oauth_errc;
using domain::oauth_error;

namespace {
constexpr std::string_view kClientCredentials = "client_credentials";

const std::string* find_param(const ports::form_params& form, std::string_view name) {
  for (const auto& [k, v] : form)
    if (k == name) return &v;
  return nullptr;
}

std::size_t count_param(const ports::form_params& form, std::string_view name) {
  std::size_t n = 0;
  for (const auto& [k, v] : form) n += (k == name);
  return n;
}

ports::token_outcome fail(oauth_errc c, std::string desc) {
  return ports::endpoint_failure{oauth_error{c, std::move(desc), {}}, {}};
}

oauth_error auth_failed() { return {oauth_errc::invalid_client, "client authentication failed", {}}; }

jose::alg_set verify_algs() {
  jose::alg_set s;
  for (auto a : {jose::alg::ES256, jose::alg::ES384, jose::alg::ES512, jose::alg::RS256, jose::alg::RS384,
                 jose::alg::RS512, jose::alg::PS256, jose::alg::PS384, jose::alg::PS512, jose::alg::EdDSA})
    s.insert(a);
  return s;
}

// jti: 48-bit millisecond time then 80 random bits, base64url (22 chars like the reference's
// random ids). Unique without coordination, and recent jtis share a prefix, so the unique
// index the issuance store keeps on jti stays cache-friendly under load (random keys would
// touch a new B-tree page per insert).
std::string new_jti() {
  auto ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  std::string raw(6, '\0');
  for (int i = 5; i >= 0; --i, ms >>= 8) raw[static_cast<std::size_t>(i)] = static_cast<char>(ms & 0xff);
  raw += random_bytes(10);
  return base64url_encode(raw);
}

std::string str_claim(const json::object& o, std::string_view k) {
  if (auto* v = o.if_contains(k); v && v->is_string()) return std::string(v->as_string());
  return {};
}
}  // namespace

std::string grant_context::param(std::string_view name) const {
  auto* v = find_param(req.form, name);
  return v ? *v : std::string();
}
bool grant_context::has_param(std::string_view name) const { return find_param(req.form, name) != nullptr; }

oauth_service::oauth_service(oauth_options opts, oauth_deps deps) : opts_(std::move(opts)), deps_(deps) {
  if (opts_.dpop_nonce_key.empty()) opts_.dpop_nonce_key = random_bytes(32);
  auto add = [this](std::unique_ptr<grant_handler> h) {
    std::string name(h->grant_type());
    grant_order_.push_back(name);
    grants_.emplace(std::move(name), std::move(h));
  };
  if (opts_.client_credentials_enabled) add(make_client_credentials_grant());
  // authorization_code and refresh_token are listed by grant_types() already: registered
  // without joining grant_order_.
  if (deps_.codes && deps_.refresh && deps_.users) {
    grants_.emplace("authorization_code", make_authorization_code_grant());
    grants_.emplace("refresh_token", make_refresh_token_grant());
  }
}

oauth_service::~oauth_service() = default;

std::vector<std::string> oauth_service::grant_types() const {
  // authorization_code and refresh_token are always listed first (reference order); the
  // interactive flows arrive with the sign-in issue.
  std::vector<std::string> out{"authorization_code", "refresh_token"};
  for (const auto& g : grant_order_) out.push_back(g);
  return out;
}

std::variant<domain::client, oauth_error> oauth_service::authenticate(const ports::presented_client& auth,
                                                                      const ports::form_params& form,
                                                                      bool allow_public) {
  if (auth.basic_malformed) return oauth_error{oauth_errc::invalid_client, "malformed Basic authorization header", {}};
  if (count_param(form, "client_id") > 1 || count_param(form, "client_secret") > 1)
    return oauth_error{oauth_errc::invalid_request, "client_id and client_secret must not be repeated", {}};
  const std::string* form_id = find_param(form, "client_id");
  const std::string* form_secret = find_param(form, "client_secret");
  std::string id;
  std::optional<std::string> secret;
  if (auth.basic) {
    // RFC 6749 §2.3: a client must not use more than one authentication method per request.
    if (form_secret) return oauth_error{oauth_errc::invalid_request, "multiple client authentication methods used", {}};
    if (form_id && *form_id != auth.basic->first)
      return oauth_error{oauth_errc::invalid_request, "client_id does not match the Authorization header", {}};
    id = auth.basic->first;
    secret = auth.basic->second;
  } else if (form_id) {
    id = *form_id;
    if (form_secret) secret = *form_secret;
  } else {
    return auth_failed();
  }
  if (id.empty() || id.size() > 2048) return auth_failed();
  auto found = deps_.clients.find_client(id);
  if (!found) return oauth_error::internal("client lookup: " + found.error().message());
  if (!*found) {
    // Same work as a known client, so timing does not reveal which ids exist.
    (void)deps_.secrets.verify(secret.value_or(""), "hs256$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    return auth_failed();
  }
  domain::client c = std::move(**found);
  if (c.is_public()) {
    if (secret) return auth_failed();  // public clients must not present a secret
    if (!allow_public) return auth_failed();
  } else {
    if (!secret || !deps_.secrets.verify(*secret, c.secret_hash)) return auth_failed();
  }
  if (!c.is_active()) return oauth_error{oauth_errc::invalid_client, "client is suspended or revoked", {}};
  return c;
}

std::string oauth_service::new_dpop_nonce() const {
  std::string ts(8, '\0');
  auto t = static_cast<std::uint64_t>(deps_.clk.now());
  for (int i = 7; i >= 0; --i, t >>= 8) ts[static_cast<std::size_t>(i)] = static_cast<char>(t & 0xff);
  return base64url_encode(ts + crypto::hmac_sha256(opts_.dpop_nonce_key, ts).substr(0, 16));
}

bool oauth_service::dpop_nonce_valid(std::string_view nonce) const {
  auto raw = base64url_decode(nonce);
  if (!raw || raw->size() != 24) return false;
  std::string ts = raw->substr(0, 8);
  if (!constant_time_equal(raw->substr(8), crypto::hmac_sha256(opts_.dpop_nonce_key, ts).substr(0, 16))) return false;
  std::uint64_t t = 0;
  for (char ch : ts) t = (t << 8) | static_cast<unsigned char>(ch);
  auto issued = static_cast<std::int64_t>(t);
  auto now = deps_.clk.now();
  return issued <= now + 1 && now - issued <= opts_.dpop_nonce_ttl;
}

std::optional<oauth_error> oauth_service::check_dpop(const ports::token_request& req, std::string& jkt,
                                                     std::string& nonce_out) {
  if (!opts_.dpop_enabled || req.dpop.empty()) return std::nullopt;
  if (opts_.dpop_require_nonce) nonce_out = new_dpop_nonce();
  // RFC 9449 §4.3: exactly one DPoP header.
  if (req.dpop.size() != 1) return oauth_error{oauth_errc::invalid_dpop_proof, "DPoP proof is invalid", "multiple DPoP headers"};
  jose::dpop_options o;
  o.htm = "POST";
  std::string htu = opts_.issuer + "/oauth/token";
  o.htu = htu;
  o.now = deps_.clk.now();
  o.max_age = opts_.dpop_proof_lifetime;
  auto proof = jose::validate_dpop_proof(req.dpop.front(), o);
  if (!proof) return oauth_error{oauth_errc::invalid_dpop_proof, "DPoP proof is invalid", proof.error().message()};
  if (opts_.dpop_require_nonce) {
    if (!proof->nonce) return oauth_error{oauth_errc::use_dpop_nonce, "server nonce is required in DPoP proof", {}};
    if (!dpop_nonce_valid(*proof->nonce))
      return oauth_error{oauth_errc::use_dpop_nonce, "DPoP proof nonce does not match server-issued nonce", {}};
  }
  // Replay: the jti is single-use for twice the acceptance window.
  if (!deps_.replay.insert_if_absent(proof->jkt + ":" + proof->jti, o.now + 2 * opts_.dpop_proof_lifetime, o.now))
    return oauth_error{oauth_errc::invalid_dpop_proof, "DPoP proof jti has already been used", {}};
  jkt = proof->jkt;
  return std::nullopt;
}

void oauth_service::token(ports::token_request req, std::function<void(ports::token_outcome)> done) {
  // RFC 6749 §3.2: parameters must not be included more than once.
  for (std::string_view p : {"grant_type", "scope", "resource", "client_id", "client_secret"}) {
    if (count_param(req.form, p) > 1 && p != "resource") {
      done(fail(oauth_errc::invalid_request, "parameter \"" + std::string(p) + "\" is repeated"));
      return;
    }
  }
  const std::string* gt = find_param(req.form, "grant_type");
  if (!gt || gt->empty()) {
    done(fail(oauth_errc::invalid_request, "grant_type is required"));
    return;
  }
  auto it = grants_.find(*gt);
  if (it == grants_.end()) {
    if (*gt == kClientCredentials && !opts_.client_credentials_enabled) {
      done(fail(oauth_errc::unsupported_grant_type,
                "grant_type \"client_credentials\" is disabled on this server — set client_credentials.enabled=true"));
    } else {
      std::string shown = gt->size() > 128 ? gt->substr(0, 128) + "…" : *gt;
      done(fail(oauth_errc::unsupported_grant_type, "grant_type \"" + shown + "\" is not supported"));
    }
    return;
  }
  // Public clients (no secret) redeem codes and refresh tokens; PKCE and the refresh token's
  // client binding stand in for the secret.
  const bool public_ok = *gt == "authorization_code" || *gt == "refresh_token";
  auto authed = authenticate(req.auth, req.form, /*allow_public=*/public_ok);
  if (auto* e = std::get_if<oauth_error>(&authed)) {
    done(ports::endpoint_failure{std::move(*e), {}});
    return;
  }
  const auto& client = std::get<domain::client>(authed);
  if (!client.has_grant(*gt)) {
    done(fail(oauth_errc::unauthorized_client, "client is not authorized for this grant type"));
    return;
  }
  std::string jkt, nonce;
  if (auto err = check_dpop(req, jkt, nonce)) {
    done(ports::endpoint_failure{std::move(*err), nonce});
    return;
  }
  grant_context ctx{req, client};
  it->second->handle(*this, ctx, jkt, [done = std::move(done), nonce](ports::token_outcome o) {
    if (!nonce.empty()) {
      if (auto* r = std::get_if<ports::endpoint_reply>(&o)) r->dpop_nonce = nonce;
      if (auto* f = std::get_if<ports::endpoint_failure>(&o)) f->dpop_nonce = nonce;
    }
    done(std::move(o));
  });
}

void oauth_service::issue(const issue_params& p, std::function<void(ports::token_outcome)> done) {
  auto keys = deps_.keys.snapshot();
  const auto now = deps_.clk.now();
  domain::issuance rec;
  rec.id = random_token(16);
  rec.jti = new_jti();
  rec.subject_user_id = p.client ? std::string() : p.subject;
  if (!p.user_id.empty()) rec.subject_user_id = p.user_id;
  rec.client_id = p.client ? p.client->id : std::string();
  rec.resource_id = p.resource_id;
  rec.audience = p.audience;
  rec.scopes = join_scopes(p.scopes);
  rec.grant_type = p.grant_type;
  rec.token_type = p.dpop_jkt.empty() ? "Bearer" : "DPoP";
  rec.issued_at = now;
  rec.expires_at = now + p.ttl;
  rec.dpop_jkt = p.dpop_jkt;
  if (p.client && p.client->agent) rec.agent_id = p.client->id;

  json::object header;
  header["alg"] = jose::to_string(keys->alg);
  header["kid"] = keys->kid;
  header["typ"] = "at+jwt";
  json::object claims;
  claims["iss"] = opts_.issuer;
  claims["sub"] = p.subject;
  claims["aud"] = json::array{json::string(p.audience)};
  claims["client_id"] = rec.client_id;
  if (!rec.scopes.empty()) claims["scope"] = rec.scopes;
  claims["jti"] = rec.jti;
  claims["iat"] = now;
  claims["nbf"] = now;
  claims["exp"] = rec.expires_at;
  if (!p.dpop_jkt.empty()) claims["cnf"] = json::object{{"jkt", p.dpop_jkt}};
  if (!rec.agent_id.empty()) claims["agent_id"] = rec.agent_id;
  auto token = jose::sign_compact(header, claims, *keys->signer, keys->alg);
  if (!token) {
    done(ports::endpoint_failure{oauth_error::internal("sign: " + token.error().message()), {}});
    return;
  }

  domain::audit_event ev;
  ev.id = random_token(16);
  ev.action = p.grant_type + ".issued";
  ev.actor_id = rec.client_id;
  ev.client_id = rec.client_id;
  ev.ip = p.remote_ip;
  ev.detail = "jti=" + rec.jti + " aud=" + p.audience + " scope=" + (rec.scopes.empty() ? "-" : rec.scopes) +
              " token_type=" + rec.token_type;
  ev.created_at = now;

  json::object body;
  body["access_token"] = std::move(*token);
  body["token_type"] = rec.token_type;
  body["expires_in"] = p.ttl;
  if (!p.refresh_token.empty()) body["refresh_token"] = p.refresh_token;
  if (!rec.scopes.empty()) body["scope"] = rec.scopes;
  std::string reply = json::serialize(body);
  // The token is handed out only once its issuance row is committed (durable across kill -9),
  // and with a companion only once the companion's rows are committed with it.
  if (p.companion.index() != 0) {
    deps_.issuances.record_issuance_with(
        std::move(rec), std::move(ev), p.companion,
        [done = std::move(done), reply = std::move(reply), check = p.on_recorded](boost::system::error_code ec,
                                                                                  ports::rotate_outcome o) mutable {
          std::optional<oauth_error> e;
          if (check) {
            e = check(ec, o);
          } else if (ec) {
            e = oauth_error::internal("record issuance: " + ec.message());
          } else if (o != ports::rotate_outcome::rotated) {
            e = oauth_error::internal("record issuance: companion refused");
          }
          if (e) {
            done(ports::endpoint_failure{std::move(*e), {}});
            return;
          }
          done(ports::endpoint_reply{std::move(reply), {}});
        });
    return;
  }
  deps_.issuances.record_issuance(std::move(rec), std::move(ev),
                                  [done = std::move(done), reply = std::move(reply)](boost::system::error_code ec) mutable {
                                    if (ec) {
                                      done(ports::endpoint_failure{oauth_error::internal("record issuance: " + ec.message()), {}});
                                      return;
                                    }
                                    done(ports::endpoint_reply{std::move(reply), {}});
                                  });
}

ports::token_outcome oauth_service::introspect(const ports::introspection_request& req) {
  auto authed = authenticate(req.auth, req.form, /*allow_public=*/false);
  if (auto* e = std::get_if<oauth_error>(&authed)) return ports::endpoint_failure{std::move(*e), {}};
  const auto& caller = std::get<domain::client>(authed);
  if (count_param(req.form, "token") > 1) return fail(oauth_errc::invalid_request, "parameter \"token\" is repeated");
  const std::string* tok = find_param(req.form, "token");
  if (!tok || tok->empty()) return fail(oauth_errc::invalid_request, "token parameter is required");
  static const std::string inactive = R"({"active":false})";
  auto keys = deps_.keys.snapshot();
  jose::jwt_check chk;
  chk.issuer = opts_.issuer;
  chk.now = deps_.clk.now();
  auto claims = jose::verify_jwt(*tok, keys->verify_keys, verify_algs(), chk);
  if (!claims) return ports::endpoint_reply{inactive, {}};
  std::string jti = str_claim(*claims, "jti");
  std::string token_client = str_claim(*claims, "client_id");
  auto rec = deps_.issuances.find_issuance_by_jti(jti);
  if (!rec || !*rec || (*rec)->revoked_at) return ports::endpoint_reply{inactive, {}};
  const auto& iss = **rec;
  // Tokens minted from a refresh family die with it (reuse detection, code replay, revocation),
  // and user tokens with their user (reference §2.5).
  if (deps_.refresh && (iss.grant_type == "authorization_code" || iss.grant_type == "refresh_token")) {
    auto fam = deps_.refresh->family_of_access_token(jti);
    if (!fam || (*fam && (*fam)->revoked_at)) return ports::endpoint_reply{inactive, {}};
  }
  if (!iss.subject_user_id.empty() && deps_.users) {
    auto u = deps_.users->find_user(iss.subject_user_id);
    if (!u || !*u || !(*u)->is_active()) return ports::endpoint_reply{inactive, {}};
  }
  // The issuing client must still be active.
  if (auto c = deps_.clients.find_client(token_client); !c || !*c || !(*c)->is_active())
    return ports::endpoint_reply{inactive, {}};
  // Entitlement (reference §2.5): the token's own client, or a client the resource named in
  // `aud` lists in policy.runtime.client_ids.
  bool entitled = caller.id == token_client;
  if (!entitled && !iss.resource_id.empty()) {
    if (auto r = deps_.catalog.by_id(iss.resource_id)) {
      for (const auto& id : r->runtime_client_ids) entitled = entitled || id == caller.id;
    }
  }
  if (!entitled) {
    domain::audit_event ev{random_token(16), "token.introspect_denied", caller.id, caller.id, req.remote_ip,
                           "jti=" + jti, "", chk.now};
    (void)deps_.audit.append_audit(ev);
    return ports::endpoint_reply{inactive, {}};
  }
  json::object out;
  out["active"] = true;
  if (auto* s = claims->if_contains("scope")) out["scope"] = *s;
  out["client_id"] = token_client;
  out["sub"] = str_claim(*claims, "sub");
  out["aud"] = iss.audience;
  out["iss"] = opts_.issuer;
  if (auto* v = claims->if_contains("exp")) out["exp"] = *v;
  if (auto* v = claims->if_contains("iat")) out["iat"] = *v;
  if (auto* v = claims->if_contains("nbf")) out["nbf"] = *v;
  out["jti"] = jti;
  out["token_type"] = iss.token_type;
  if (auto* v = claims->if_contains("cnf")) out["cnf"] = *v;
  return ports::endpoint_reply{json::serialize(out), {}};
}

ports::token_outcome oauth_service::revoke(const ports::introspection_request& req) {
  auto authed = authenticate(req.auth, req.form, /*allow_public=*/true);
  if (auto* e = std::get_if<oauth_error>(&authed)) return ports::endpoint_failure{std::move(*e), {}};
  const auto& caller = std::get<domain::client>(authed);
  const std::string* tok = find_param(req.form, "token");
  if (!tok || tok->empty()) return fail(oauth_errc::invalid_request, "token parameter is required");
  // Refresh tokens are opaque (no '.'): revoking one revokes its whole family and every access
  // token minted from it (reference §2.4). Another client's token is silently ignored.
  if (deps_.refresh && tok->find('.') == std::string::npos && tok->size() <= 512) {
    auto found = deps_.refresh->find_refresh(refresh_token_key(*tok));
    if (!found) return ports::endpoint_failure{oauth_error::internal("refresh lookup"), {}};
    if (*found && (*found)->family.client_id == caller.id && !(*found)->family.revoked_at) {
      const auto now = deps_.clk.now();
      auto n = deps_.refresh->revoke_family((*found)->family.id, now, "revoked_by_client");
      if (!n) return ports::endpoint_failure{oauth_error::internal("revoke family: " + n.error().message()), {}};
      domain::audit_event ev{random_token(16), "family.revoked", caller.id, caller.id, req.remote_ip,
                             "family=" + (*found)->family.id + " reason=revoked_by_client revoked_tokens=" +
                                 std::to_string(*n),
                             "", now};
      (void)deps_.audit.append_audit(ev);
    }
    return ports::endpoint_reply{{}, {}};
  }
  auto keys = deps_.keys.snapshot();
  jose::jwt_check chk;
  chk.issuer = opts_.issuer;
  chk.now = deps_.clk.now();
  auto claims = jose::verify_jwt(*tok, keys->verify_keys, verify_algs(), chk);
  // RFC 7009 §2.2: invalid or foreign tokens are not an error.
  if (!claims) return ports::endpoint_reply{{}, {}};
  std::string jti = str_claim(*claims, "jti");
  auto rec = deps_.issuances.find_issuance_by_jti(jti);
  if (!rec) return ports::endpoint_failure{oauth_error::internal("issuance lookup"), {}};
  if (!*rec || (*rec)->client_id != caller.id || (*rec)->revoked_at) return ports::endpoint_reply{{}, {}};
  if (auto r = deps_.issuances.revoke_issuance(jti, chk.now); !r)
    return ports::endpoint_failure{oauth_error::internal("revoke: " + r.error().message()), {}};
  domain::audit_event ev{random_token(16), "token.revoked", caller.id, caller.id, req.remote_ip,
                         "jti=" + jti + " reason=explicit_machine", "", chk.now};
  (void)deps_.audit.append_audit(ev);
  return ports::endpoint_reply{{}, {}};
}

}  // namespace authplane::services
