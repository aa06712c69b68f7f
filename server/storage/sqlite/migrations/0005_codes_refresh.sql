-- 0005_codes_refresh: the token side of the authorization code flow.
-- authorization_codes: one row per issued code, keyed by SHA-256(code) (base64url); the code
-- itself is never stored. consumed_at is set by the single atomic UPDATE that redeems it;
-- family_id names what the redemption produced; replayed_at marks a replay that revoked it.
-- refresh_families: one per code redemption (client, user, scope, resource, DPoP key).
-- refresh_tokens: SHA-256 of each opaque refresh token; consumed_at set on rotation.
-- family_access_tokens: jti of every access token minted from a family, so revoking a family
-- revokes (and introspection refuses) them. Independent of 0004 (consent grants).

CREATE TABLE authorization_codes (
  code_hash         TEXT PRIMARY KEY NOT NULL,
  client_id         TEXT NOT NULL,
  user_id           TEXT NOT NULL,
  redirect_uri      TEXT NOT NULL,
  code_challenge    TEXT NOT NULL,
  scope             TEXT NOT NULL DEFAULT '',
  resource          TEXT NOT NULL DEFAULT '',
  consent_grant_id  TEXT NOT NULL DEFAULT '',
  created_at        INTEGER NOT NULL,
  expires_at        INTEGER NOT NULL,
  consumed_at       INTEGER,
  family_id         TEXT NOT NULL DEFAULT '',
  replayed_at       INTEGER
);
CREATE INDEX authorization_codes_expires_idx ON authorization_codes (expires_at);

CREATE TABLE refresh_families (
  id                TEXT PRIMARY KEY NOT NULL,
  client_id         TEXT NOT NULL,
  user_id           TEXT NOT NULL,
  scope             TEXT NOT NULL DEFAULT '',
  resource          TEXT NOT NULL DEFAULT '',
  resource_id       TEXT NOT NULL DEFAULT '',
  dpop_jkt          TEXT NOT NULL DEFAULT '',
  code_hash         TEXT NOT NULL DEFAULT '',
  consent_grant_id  TEXT NOT NULL DEFAULT '',
  created_at        INTEGER NOT NULL,
  revoked_at        INTEGER,
  revoke_reason     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX refresh_families_user_idx ON refresh_families (user_id);
CREATE INDEX refresh_families_client_idx ON refresh_families (client_id);

CREATE TABLE refresh_tokens (
  token_hash   TEXT PRIMARY KEY NOT NULL,
  family_id    TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  consumed_at  INTEGER
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);

CREATE TABLE family_access_tokens (
  jti        TEXT PRIMARY KEY NOT NULL,
  family_id  TEXT NOT NULL
);
CREATE INDEX family_access_tokens_family_idx ON family_access_tokens (family_id);
