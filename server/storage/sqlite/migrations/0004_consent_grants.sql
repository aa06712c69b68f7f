-- 0004_consent_grants: what a user allowed a client to do on the /consent page. One row per
-- (user, client, resource); a new decision replaces the scopes. resource is the canonical URI,
-- '' when the authorization request named none. No foreign keys: a later rebuild of users or
-- clients (DROP + RENAME) must not cascade into this table; ids are random and never reused.

CREATE TABLE consent_grants (
  id          TEXT PRIMARY KEY NOT NULL,
  user_id     TEXT NOT NULL,
  client_id   TEXT NOT NULL,
  resource    TEXT NOT NULL DEFAULT '',
  scopes      TEXT NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL DEFAULT 0,
  updated_at  INTEGER NOT NULL DEFAULT 0,
  revoked_at  INTEGER
);
CREATE UNIQUE INDEX consent_grants_subject_idx ON consent_grants (user_id, client_id, resource);
CREATE INDEX consent_grants_client_idx ON consent_grants (client_id);
