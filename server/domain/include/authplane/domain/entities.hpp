// Entities of the authorization server. Plain values: no I/O, no OpenSSL, no Asio.
// Times are seconds since the Unix epoch; 0 means "unset".
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace authplane::domain {

namespace client_status {
inline constexpr const char* active = "active";
inline constexpr const char* suspended = "suspended";
inline constexpr const char* revoked = "revoked";
}  // namespace client_status

struct client {
  std::string id;                          // 16 random bytes base64url (22 chars); a URL for CIMD clients
  std::string name;
  std::vector<std::string> redirect_uris;
  std::vector<std::string> grant_types;
  std::vector<std::string> response_types;
  std::string token_endpoint_auth_method;  // none | client_secret_basic | client_secret_post
  std::string secret_hash;                 // "hs256$<base64url HMAC-SHA256(pepper, secret)>"; empty for public clients
  std::string scope;                       // scope ceiling, space-delimited
  std::string status = client_status::active;
  std::string registration_source = "admin";  // admin | dcr | cimd
  std::string cimd_url;
  bool agent = false;
  std::string agent_description;
  std::string application_type = "web";
  std::int64_t issued_at = 0;
  std::int64_t updated_at = 0;
  std::int64_t version = 1;                // optimistic lock

  bool is_public() const { return token_endpoint_auth_method == "none"; }
  bool is_active() const { return status == client_status::active; }
  bool has_grant(const std::string& g) const {
    for (const auto& x : grant_types)
      if (x == g) return true;
    return false;
  }
};

namespace user_status {
inline constexpr const char* active = "active";
inline constexpr const char* disabled = "disabled";
}  // namespace user_status

namespace user_role {
inline constexpr const char* admin = "admin";  // informational: the admin API uses its API key
inline constexpr const char* user = "user";
}  // namespace user_role

// A person who signs in interactively. Local users are keyed by email (unique, compared
// case-insensitively); federated users by (provider, provider_sub) and may have no email.
struct user {
  std::string id;                 // 16 random bytes base64url (22 chars)
  std::string email;
  std::string name;               // display name, may be empty
  std::string password_hash;      // PHC string "$argon2id$v=19$m=...,t=...,p=1$salt$hash"; empty = no local password
  std::string role = user_role::user;
  std::string status = user_status::active;
  std::string provider = "local";  // local | oidc
  std::string provider_sub;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
  // Bumped by force-logout, disable and password change. A session records the generation it
  // was created under and is void once the user's generation moved on.
  std::int64_t session_generation = 0;
  std::int64_t version = 1;       // optimistic lock

  bool is_active() const { return status == user_status::active; }
};

struct scope_def {
  std::string name;
  std::string description;
  std::string upstream;
};

struct resource {
  std::string id;
  std::string slug;            // ^[a-z0-9][a-z0-9-]{0,63}$
  std::string uri;             // absolute http(s) URI, compared byte-for-byte; may be empty
  std::string backend_kind = "mint";
  std::string broker_provider_id;
  std::string display_name;
  std::vector<scope_def> scopes;
  std::vector<std::string> exchange_allowed_client_ids;
  std::vector<std::string> runtime_client_ids;  // clients allowed to act as this resource (introspection)
  std::vector<std::string> connect_allowed_return_urls;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;

  bool has_scope(const std::string& s) const {
    for (const auto& d : scopes)
      if (d.name == s) return true;
    return false;
  }
};

// One issued access token (the reference's machine_tokens + issuances rows in one record).
struct issuance {
  std::string id;
  std::string jti;
  std::string subject_user_id;   // empty for machine tokens
  std::string client_id;
  std::string resource_id;       // empty when aud fell back to the issuer
  std::string audience;          // the aud value
  std::string scopes;            // space-delimited
  std::string grant_type;
  std::string token_type = "Bearer";  // Bearer | DPoP
  std::string backend_kind = "mint";
  bool revocable = true;
  std::int64_t issued_at = 0;
  std::int64_t expires_at = 0;
  std::optional<std::int64_t> revoked_at;
  std::string dpop_jkt;
  std::string agent_id;
  std::string parent_jti;
  std::string consent_client_id;
};

struct audit_event {
  std::string id;
  std::string action;      // e.g. "client.created_admin", "client_credentials.issued"
  std::string actor_id;
  std::string client_id;
  std::string ip;
  std::string detail;      // "k=v k=v"; never secrets
  std::string trace_id;
  std::int64_t created_at = 0;
};

struct signing_key {
  std::string kid;
  std::string alg;          // ES256 | RS256 | EdDSA
  std::string private_pem;  // PKCS#8 PEM
  std::int64_t created_at = 0;
  bool current = false;
};

// A user's standing consent for one client to act on one resource with some scopes. One row
// per (user, client, resource); granting again replaces the scopes.
struct consent_grant {
  std::string id;
  std::string user_id;
  std::string client_id;
  std::string resource;   // canonical resource URI (RFC 8707); empty when none was asked for
  std::string scopes;     // space-delimited
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
  std::optional<std::int64_t> revoked_at;
};

}  // namespace authplane::domain
