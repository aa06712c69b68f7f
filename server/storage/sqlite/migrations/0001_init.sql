-- 0001_init: the first AuthPlane schema (SQLite). Names follow the reference server's schema
-- (clients, resources, issuances, audit_events, runtime_settings, users). Lists are JSON text.
-- Applied once by the migration runner inside one transaction; recorded in schema_migrations.

CREATE TABLE clients (
  id                          TEXT PRIMARY KEY NOT NULL,
  name                        TEXT NOT NULL DEFAULT '',
  redirect_uris               TEXT NOT NULL DEFAULT '[]',   -- JSON array of strings
  grant_types                 TEXT NOT NULL DEFAULT '[]',   -- JSON array of strings
  response_types              TEXT NOT NULL DEFAULT '[]',   -- JSON array of strings
  token_endpoint_auth_method  TEXT NOT NULL DEFAULT '',
  secret_hash                 TEXT NOT NULL DEFAULT '',
  scope                       TEXT NOT NULL DEFAULT '',
  status                      TEXT NOT NULL DEFAULT 'active',
  registration_source         TEXT NOT NULL DEFAULT 'admin',
  cimd_url                    TEXT NOT NULL DEFAULT '',
  is_agent                    INTEGER NOT NULL DEFAULT 0,
  agent_description           TEXT NOT NULL DEFAULT '',
  application_type            TEXT NOT NULL DEFAULT 'web',
  issued_at                   INTEGER NOT NULL DEFAULT 0,
  updated_at                  INTEGER NOT NULL DEFAULT 0,
  version                     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX clients_status_idx ON clients (status);
CREATE INDEX clients_source_idx ON clients (registration_source);
CREATE INDEX clients_issued_at_idx ON clients (issued_at);

CREATE TABLE users (
  id             TEXT PRIMARY KEY NOT NULL,
  email          TEXT UNIQUE,                -- nullable: federated users may have none
  name           TEXT NOT NULL DEFAULT '',
  password_hash  TEXT NOT NULL DEFAULT '',
  role           TEXT NOT NULL DEFAULT 'user',
  status         TEXT NOT NULL DEFAULT 'active',
  provider       TEXT NOT NULL DEFAULT 'local',
  created_at     INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE resources (
  id                           TEXT PRIMARY KEY NOT NULL,
  slug                         TEXT NOT NULL UNIQUE,
  uri                          TEXT NOT NULL DEFAULT '',
  backend_kind                 TEXT NOT NULL DEFAULT 'mint' CHECK (backend_kind IN ('mint', 'broker')),
  broker_provider_id           TEXT NOT NULL DEFAULT '',
  display_name                 TEXT NOT NULL DEFAULT '',
  scopes                       TEXT NOT NULL DEFAULT '[]',  -- JSON [{"name","description","upstream"}]
  exchange_allowed_client_ids  TEXT NOT NULL DEFAULT '[]',  -- JSON array of strings
  runtime_client_ids           TEXT NOT NULL DEFAULT '[]',  -- JSON array of strings
  connect_allowed_return_urls  TEXT NOT NULL DEFAULT '[]',  -- JSON array of strings
  created_at                   INTEGER NOT NULL DEFAULT 0,
  updated_at                   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX resources_uri_idx ON resources (uri);

-- One row per issued access token. No foreign key to clients: recording a token must never fail
-- on a client-row race; delete_client removes a client's issuances in the same transaction.
-- Write path: this table and audit_events take tens of thousands of inserts per second through
-- group commit. Every index keyed by a random value (ids, jti are 16 random bytes) costs about
-- one B-tree page written to the WAL per insert, so only jti (looked up by introspection and
-- revocation) gets one; `id` is random and unique by construction and is not indexed (add an
-- index in a later migration when a port looks issuances up by id).
CREATE TABLE issuances (
  seq                INTEGER PRIMARY KEY,     -- insertion order (rowid)
  id                 TEXT NOT NULL,
  jti                TEXT NOT NULL UNIQUE,
  subject_user_id    TEXT NOT NULL DEFAULT '',
  client_id          TEXT NOT NULL,
  resource_id        TEXT NOT NULL DEFAULT '',
  audience           TEXT NOT NULL DEFAULT '',
  scopes             TEXT NOT NULL DEFAULT '',
  grant_type         TEXT NOT NULL DEFAULT '',
  token_type         TEXT NOT NULL DEFAULT 'Bearer',
  backend_kind       TEXT NOT NULL DEFAULT 'mint',
  revocable          INTEGER NOT NULL DEFAULT 1,
  issued_at          INTEGER NOT NULL,
  expires_at         INTEGER NOT NULL,
  revoked_at         INTEGER,                 -- NULL while not revoked
  dpop_jkt           TEXT NOT NULL DEFAULT '',
  agent_id           TEXT NOT NULL DEFAULT '',
  parent_jti         TEXT NOT NULL DEFAULT '',
  consent_client_id  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX issuances_client_issued_idx ON issuances (client_id, issued_at);
CREATE INDEX issuances_issued_at_idx ON issuances (issued_at);
CREATE INDEX issuances_subject_idx ON issuances (subject_user_id) WHERE subject_user_id <> '';
CREATE INDEX issuances_revoked_idx ON issuances (revoked_at) WHERE revoked_at IS NOT NULL;

-- Append-only audit trail (never purged by housekeeping). detail is "k=v k=v", never secrets.
-- id: 16 random bytes, unique by construction, not indexed (see issuances).
CREATE TABLE audit_events (
  seq         INTEGER PRIMARY KEY,            -- insertion order (rowid)
  id          TEXT NOT NULL,
  action      TEXT NOT NULL,
  actor_id    TEXT NOT NULL DEFAULT '',
  client_id   TEXT NOT NULL DEFAULT '',
  ip          TEXT NOT NULL DEFAULT '',
  detail      TEXT NOT NULL DEFAULT '',
  trace_id    TEXT NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL
);
CREATE INDEX audit_events_created_at_idx ON audit_events (created_at);
CREATE INDEX audit_events_action_idx ON audit_events (action, created_at);

CREATE TABLE runtime_settings (
  key         TEXT PRIMARY KEY NOT NULL,
  value       TEXT NOT NULL,
  updated_at  INTEGER NOT NULL
);
