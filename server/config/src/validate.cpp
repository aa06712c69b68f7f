// Boot validation: one line per problem, each naming the setting and its env var.
#include <authplane/config/config.hpp>
#include <authplane/core/ascii.hpp>
#include <authplane/core/scope.hpp>

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>

namespace authplane::config {
namespace {
std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

struct parsed_url {
  std::string scheme;  // lowercase
  std::string host;    // lowercase, IPv6 without brackets
  bool has_query = false;
  bool has_fragment = false;
};

// Absolute URL with a non-empty host; nullopt otherwise.
std::optional<parsed_url> parse_url(std::string_view text) {
  auto r = boost::urls::parse_absolute_uri(text);
  if (!r) {
    // parse_absolute_uri refuses fragments; retry as a URI to report them precisely.
    auto u = boost::urls::parse_uri(text);
    if (!u) return std::nullopt;
    parsed_url p{ascii_lower(u->scheme()), ascii_lower(u->host_address()), u->has_query(), u->has_fragment()};
    if (!u->has_authority() || p.host.empty()) return std::nullopt;
    return p;
  }
  if (!r->has_authority() || r->host_address().empty()) return std::nullopt;
  return parsed_url{ascii_lower(r->scheme()), ascii_lower(r->host_address()), r->has_query(), false};
}

bool is_local_host(std::string_view host) { return host == "localhost" || host == "127.0.0.1" || host == "::1"; }

bool is_http(const parsed_url& u) { return u.scheme == "http" || u.scheme == "https"; }

bool one_of(std::string_view v, std::initializer_list<std::string_view> allowed) {
  return std::find(allowed.begin(), allowed.end(), v) != allowed.end();
}

bool issuer_usable(const config& c) {
  auto u = parse_url(c.server.issuer);
  return u && is_http(*u);
}

class checker {
 public:
  // With an unusable issuer, only that error is reported for it: the localhost-dependent rules
  // would otherwise add noise ("required when the issuer is not localhost (issuer )").
  explicit checker(const config& c) : c_(c), localhost_(is_localhost_issuer(c) || !issuer_usable(c)) {}

  std::vector<std::string> run() {
    server();
    storage();
    signing();
    dcr();
    cimd();
    session();
    rate_limit();
    admin();
    oauth();
    oidc();
    grants();
    pepper();
    observability();
    encryption_and_connect();
    resources();
    durations_not_negative();
    return std::move(out_);
  }

 private:
  void add(std::string line) { out_.push_back(std::move(line)); }
  static std::string d(std::string_view key) { return describe(key); }

  void server() {
    const auto& issuer = c_.server.issuer;
    if (issuer.empty()) {
      add(d("server.issuer") + " is required");
    } else if (auto u = parse_url(issuer); !u || !is_http(*u)) {
      add(d("server.issuer") + " must be an absolute http(s) URL with a host, got " + quoted(issuer));
    } else {
      if (u->has_query) add(d("server.issuer") + " must not contain a query, got " + quoted(issuer));
      if (u->has_fragment) add(d("server.issuer") + " must not contain a fragment, got " + quoted(issuer));
    }
    if (c_.server.address.empty()) add(d("server.address") + " is required");
    for (const auto& o : c_.server.allowed_origins) {
      if (o == "*") continue;
      auto u = parse_url(o);
      if (!u || !is_http(*u) || o.find('/', o.find("://") + 3) != std::string::npos || u->has_query)
        add(d("server.allowed_origins") + " entries must be \"*\" or an origin like https://app.example.com, got " +
            quoted(o));
    }
  }

  void storage() {
    const auto& s = c_.storage;
    if (s.driver == "sqlite") {
      if (s.sqlite.path.empty()) add(d("storage.sqlite.path") + " is required when storage.driver is sqlite");
    } else if (s.driver == "postgres") {
      if (s.postgres.dsn.empty()) add(d("storage.postgres.dsn") + " is required when storage.driver is postgres");
    } else {
      add(d("storage.driver") + " must be sqlite or postgres, got " + quoted(s.driver));
    }
    if (s.postgres.max_conns < 1)
      add(d("storage.postgres.max_conns") + " must be at least 1, got " + std::to_string(s.postgres.max_conns));
    if (s.postgres.min_conns < 0)
      add(d("storage.postgres.min_conns") + " must not be negative, got " + std::to_string(s.postgres.min_conns));
    if (s.postgres.min_conns > s.postgres.max_conns)
      add(d("storage.postgres.min_conns") + " must not exceed " + d("storage.postgres.max_conns") + " (" +
          std::to_string(s.postgres.min_conns) + " > " + std::to_string(s.postgres.max_conns) + ")");
  }

  void signing() {
    const auto& s = c_.signing;
    if (!one_of(s.algorithm, {"ES256", "RS256", "EdDSA"}))
      add(d("signing.algorithm") + " must be ES256, RS256 or EdDSA, got " + quoted(s.algorithm));
    if (s.key_store == "keyfile") {
      if (s.key_path.empty()) add(d("signing.key_path") + " is required when signing.key_store is keyfile");
    } else if (s.key_store == "vault_transit" || s.key_store == "postgres_key") {
      add(d("signing.key_store") + " " + quoted(s.key_store) + " is not supported by this build (use keyfile)");
    } else {
      add(d("signing.key_store") + " must be keyfile, vault_transit or postgres_key, got " + quoted(s.key_store));
    }
  }

  void dcr() {
    const auto& s = c_.dcr;
    if (!one_of(s.mode, {"open", "approved_redirects", "admin_only"}))
      add(d("dcr.mode") + " must be open, approved_redirects or admin_only, got " + quoted(s.mode));
    if (s.mode == "approved_redirects" && s.approved_redirects.empty())
      add(d("dcr.approved_redirects") + " must list at least one redirect URI when dcr.mode is approved_redirects");
    for (const auto& r : s.approved_redirects)
      if (!boost::urls::parse_absolute_uri(r))
        add(d("dcr.approved_redirects") + " entries must be absolute URIs without a fragment, got " + quoted(r));
    if (s.rate_limit <= 0) add(d("dcr.rate_limit") + " must be greater than 0, got " + std::to_string(s.rate_limit));
    if (s.rate_limit_burst <= 0)
      add(d("dcr.rate_limit_burst") + " must be greater than 0, got " + std::to_string(s.rate_limit_burst));
    positive("dcr.default_token_expiry", s.default_token_expiry);
    positive("dcr.default_refresh_expiry", s.default_refresh_expiry);
  }

  void cimd() {
    const auto& s = c_.cimd;
    if (!s.require_https && !localhost_)
      add(d("cimd.require_https") + " may be false only with a localhost issuer (issuer " + c_.server.issuer + ")");
    if (s.allow_private_addresses && !localhost_)
      add(d("cimd.allow_private_addresses") + " may be true only with a localhost issuer (issuer " + c_.server.issuer +
          ")");
    if (s.enabled) {
      positive("cimd.cache_ttl", s.cache_ttl, "when CIMD is enabled");
      positive("cimd.fetch_timeout", s.fetch_timeout, "when CIMD is enabled");
    }
  }

  void secret_rules(std::string_view key, const std::string& value, std::size_t min_len, bool required,
                    bool enforce_length) {
    if (value.empty()) {
      if (required)
        add(d(key) + " is required when the issuer is not localhost (issuer " + c_.server.issuer + ")");
      return;
    }
    if (is_weak_secret(value)) add(d(key) + " is a well-known weak value; generate a random secret");
    if (enforce_length && value.size() < min_len)
      add(d(key) + " must be at least " + std::to_string(min_len) + " characters (got " + std::to_string(value.size()) +
          ")");
  }

  void session() {
    const auto& s = c_.session;
    secret_rules("session.secret", s.secret, 16, !localhost_, !localhost_);
    if (!localhost_ && !s.secure)
      add(d("session.secure") + " must be true when the issuer is not localhost (issuer " + c_.server.issuer + ")");
    if (!one_of(s.same_site, {"lax", "strict", "none"}))
      add(d("session.same_site") + " must be lax, strict or none, got " + quoted(s.same_site));
    if (s.same_site == "none" && !s.secure)
      add(d("session.same_site") + " none requires session.secure=true");
    if (s.cookie_name.empty()) add(d("session.cookie_name") + " is required");
    positive("session.max_age", s.max_age);
  }

  void rate_limit() {
    const auto& s = c_.rate_limit;
    if (s.enabled) {
      if (!(s.rps > 0)) add(d("rate_limit.rps") + " must be greater than 0 when rate limiting is enabled");
      if (s.burst <= 0) add(d("rate_limit.burst") + " must be greater than 0 when rate limiting is enabled");
    }
    if (s.auth_fail_max <= 0)
      add(d("rate_limit.auth_fail_max") + " must be greater than 0, got " + std::to_string(s.auth_fail_max));
    positive("rate_limit.auth_fail_window", s.auth_fail_window);
    positive("rate_limit.auth_lockout", s.auth_lockout);
    if (s.max_tracked_identities < 10000)
      add(d("rate_limit.max_tracked_identities") + " must be at least 10000, got " +
          std::to_string(s.max_tracked_identities));
  }

  void admin() {
    const auto& s = c_.admin;
    if (s.enabled) {
      secret_rules("admin.api_key", s.api_key, 16, !localhost_, !localhost_);
      if (s.address.empty()) add(d("admin.address") + " is required when the admin listener is enabled");
      else if (s.address == c_.server.address)
        add(d("admin.address") + " must differ from " + d("server.address") + " (both " + quoted(s.address) + ")");
    } else if (!s.api_key.empty() && is_weak_secret(s.api_key)) {
      add(d("admin.api_key") + " is a well-known weak value; generate a random secret");
    }
    positive("admin.audit_default_lookback", s.audit_default_lookback);
    positive("admin.audit_max_lookback", s.audit_max_lookback);
    if (s.audit_default_lookback > s.audit_max_lookback)
      add(d("admin.audit_default_lookback") + " must not exceed " + d("admin.audit_max_lookback"));
    if (s.requests_per_second < 0) add(d("admin.requests_per_second") + " must not be negative");
    if (s.burst < 0) add(d("admin.burst") + " must not be negative");
  }

  void oauth() {
    const auto& s = c_.oauth;
    for (const auto& sc : split_scopes(s.default_client_scope))
      if (!valid_scope_token(sc))
        add(d("oauth.default_client_scope") + " contains an invalid scope " + quoted(sc));
    positive("oauth.state_max_age", s.state_max_age);
  }

  void oidc() {
    const auto& s = c_.oidc;
    if (!s.connector_id.empty() &&
        !std::all_of(s.connector_id.begin(), s.connector_id.end(),
                     [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-'; }))
      add(d("oidc.connector_id") + " may contain only letters, digits and '-', got " + quoted(s.connector_id));
    if (!s.enabled) return;
    if (s.issuer.empty()) add(d("oidc.issuer") + " is required when OIDC login is enabled");
    if (s.client_id.empty()) add(d("oidc.client_id") + " is required when OIDC login is enabled");
    if (s.redirect_uri.empty()) add(d("oidc.redirect_uri") + " is required when OIDC login is enabled");
    for (auto key : {"oidc.issuer", "oidc.redirect_uri"}) {
      const std::string& v = std::string_view(key) == "oidc.issuer" ? s.issuer : s.redirect_uri;
      if (v.empty()) continue;
      auto u = parse_url(v);
      if (!u || !is_http(*u)) add(d(key) + " must be an absolute http(s) URL, got " + quoted(v));
      else if (!localhost_ && u->scheme != "https")
        add(d(key) + " must use https when the issuer is not localhost, got " + quoted(v));
    }
  }

  void grants() {
    if (c_.client_credentials.enabled)
      positive("client_credentials.token_expiry", c_.client_credentials.token_expiry, "when the grant is enabled");
    const auto& dp = c_.dpop;
    if (dp.enabled) {
      positive("dpop.nonce_ttl", dp.nonce_ttl, "when DPoP is enabled");
      if (dp.proof_lifetime < std::chrono::seconds(10) || dp.proof_lifetime > std::chrono::seconds(300))
        add(d("dpop.proof_lifetime") + " must be between 10s and 300s, got " + format_duration(dp.proof_lifetime));
    }
    const auto& te = c_.token_exchange;
    if (te.enabled) {
      positive("token_exchange.token_expiry", te.token_expiry, "when token exchange is enabled");
      if (te.max_chain_depth < 1 || te.max_chain_depth > 10)
        add(d("token_exchange.max_chain_depth") + " must be between 1 and 10, got " +
            std::to_string(te.max_chain_depth));
    }
    const auto& x = c_.xaa;
    if (!one_of(x.subject_mode, {"auto_map", "strict"}))
      add(d("xaa.subject_mode") + " must be auto_map or strict, got " + quoted(x.subject_mode));
    if (x.enabled) {
      positive("xaa.token_expiry", x.token_expiry, "when XAA is enabled");
      positive("xaa.max_assertion_age", x.max_assertion_age, "when XAA is enabled");
      positive("xaa.jwks_cache_ttl", x.jwks_cache_ttl, "when XAA is enabled");
    }
  }

  void pepper() { secret_rules("client_secret_pepper", c_.client_secret_pepper, 16, false, true); }

  void observability() {
    if (!one_of(ascii_lower(c_.log.level), {"debug", "info", "warn", "error"}))
      add(d("log.level") + " must be debug, info, warn or error, got " + quoted(c_.log.level));
    if (!one_of(ascii_lower(c_.log.format), {"json", "text"}))
      add(d("log.format") + " must be json or text, got " + quoted(c_.log.format));
    if (c_.log.otel && c_.log.otel_endpoint.empty())
      add(d("log.otel_endpoint") + " is required when log.otel is true");
    const auto& m = c_.metrics;
    if (!one_of(m.provider, {"prometheus", "otel", "both", "none"}))
      add(d("metrics.provider") + " must be prometheus, otel, both or none, got " + quoted(m.provider));
    if ((m.provider == "otel" || m.provider == "both") && m.otel_endpoint.empty())
      add(d("metrics.otel_endpoint") + " is required when metrics.provider is " + m.provider);
    if ((m.provider == "prometheus" || m.provider == "both") && (m.path.empty() || m.path.front() != '/'))
      add(d("metrics.path") + " must start with '/', got " + quoted(m.path));
    const auto& t = c_.tracing;
    if (!(t.sample_rate >= 0.0 && t.sample_rate <= 1.0)) {
      std::ostringstream o;
      o << t.sample_rate;
      add(d("tracing.sample_rate") + " must be between 0 and 1, got " + o.str());
    }
    if (t.enabled && t.endpoint.empty()) add(d("tracing.endpoint") + " is required when tracing is enabled");
  }

  void encryption_and_connect() {
    const auto& e = c_.data_encryption;
    if (!one_of(e.driver, {"", "aes_master", "vault_transit_encrypt"}))
      add(d("data_encryption.driver") + " must be aes_master or vault_transit_encrypt, got " + quoted(e.driver));
    if (e.driver == "aes_master" && e.key_env.empty())
      add(d("data_encryption.aes_master.key_env") + " is required when data_encryption.driver is aes_master");
    if (!e.key_env.empty() && e.key_env == e.old_key_env)
      add(d("data_encryption.aes_master.old_key_env") + " must name a different variable than the current key");
    if (e.driver == "vault_transit_encrypt" && !one_of(e.vault.auth_method, {"token", "approle"}))
      add(d("data_encryption.vault.auth_method") + " must be token or approle, got " + quoted(e.vault.auth_method));
    const auto& cn = c_.connect;
    if (!cn.state_secret.empty()) {
      if (cn.state_secret.size() < 32)
        add(d("connect.state_secret") + " must be at least 32 characters (got " +
            std::to_string(cn.state_secret.size()) + ")");
      if (is_weak_secret(cn.state_secret))
        add(d("connect.state_secret") + " is a well-known weak value; generate a random secret");
    }
    if (!cn.redirect_base_url.empty()) {
      auto u = parse_url(cn.redirect_base_url);
      if (!u || !is_http(*u) || (u->scheme == "http" && !is_local_host(u->host)))
        add(d("connect.redirect_base_url") + " must be an https URL (http only for localhost), got " +
            quoted(cn.redirect_base_url));
    }
  }

  void resources() {
    const auto& r = c_.resource;
    if (!r.uri.empty()) {
      auto u = parse_url(r.uri);
      if (!u || !is_http(*u) || u->has_fragment)
        add(d("AUTHPLANE_RESOURCE_URI") + " must be an absolute http(s) URL with a host, got " + quoted(r.uri));
    } else if (!r.scopes.empty()) {
      add(d("AUTHPLANE_RESOURCE_SCOPES") + " is set but AUTHPLANE_RESOURCE_URI is not");
    }
    for (const auto& s : r.scopes)
      if (!valid_scope_token(s)) add(d("AUTHPLANE_RESOURCE_SCOPES") + " contains an invalid scope " + quoted(s));

    std::set<std::string> slugs;
    for (std::size_t i = 0; i < c_.resources.size(); ++i) {
      const auto& e = c_.resources[i];
      std::string what = "resources[" + std::to_string(i) + "]";
      if (e.slug.empty()) add(what + ".slug is required");
      else if (!slugs.insert(e.slug).second) add(what + ".slug " + quoted(e.slug) + " is listed twice");
      if (e.uri.empty()) {
        add(what + ".uri is required");
      } else if (auto u = parse_url(e.uri); !u || !is_http(*u) || u->has_fragment) {
        add(what + ".uri must be an absolute http(s) URL with a host, got " + quoted(e.uri));
      }
      if (!one_of(e.backend_kind, {"mint", "broker"}))
        add(what + ".backend_kind must be mint or broker, got " + quoted(e.backend_kind));
      if (e.backend_kind == "broker" && e.broker_provider_slug.empty())
        add(what + ".broker_provider_slug is required when backend_kind is broker");
      for (const auto& sc : e.scopes)
        if (!valid_scope_token(sc.name)) add(what + ".scopes contains an invalid scope " + quoted(sc.name));
    }
  }

  // Durations never make sense negative; the specific rules above cover "must be positive".
  void durations_not_negative() {
    for (const auto& s : settings()) {
      auto f = s.field(const_cast<config&>(c_));
      if (auto* p = std::get_if<duration*>(&f); p && (*p)->count() < 0)
        add(d(s.key.empty() ? s.env : s.key) + " must not be negative, got " + format_duration(**p));
    }
  }

  void positive(std::string_view key, duration v, std::string_view when = {}) {
    if (v.count() > 0) return;
    if (v.count() < 0) return;  // reported by durations_not_negative
    std::string line = d(key) + " must be greater than 0";
    if (!when.empty()) line += " " + std::string(when);
    add(line);
  }

  const config& c_;
  bool localhost_;
  std::vector<std::string> out_;
};
}  // namespace

bool is_localhost_issuer(const config& c) {
  auto u = parse_url(c.server.issuer);
  return u && is_local_host(u->host);
}

bool is_weak_secret(std::string_view value) {
  static const std::set<std::string, std::less<>> blocklist = {
      "dev-secret-change-me", "dev-admin-key", "changeme", "change-me", "change_me", "secret",
      "password", "admin", "default", "test", "changeit", "letmein", "qwerty",
  };
  std::string v = ascii_lower(value);
  if (blocklist.count(v)) return true;
  // Ascending digit runs: 12345678, 123456789, 1234567890, 12345678901234567890, ...
  if (v.size() >= 8) {
    bool run = true;
    for (std::size_t i = 0; i < v.size() && run; ++i) run = v[i] == "1234567890"[i % 10];
    if (run) return true;
  }
  // One repeated character ("aaaaaaaaaaaaaaaa", "0000000000000000").
  if (!v.empty() && std::all_of(v.begin(), v.end(), [&](char ch) { return ch == v.front(); }) && v.size() > 1)
    return true;
  return false;
}

std::vector<std::string> validate(const config& c) { return checker(c).run(); }
}  // namespace authplane::config
