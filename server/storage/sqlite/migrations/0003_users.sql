-- 0003_users: users become manageable (admin API and CLI). The 0001 table is rebuilt because
-- SQLite cannot change a column's collation in place: emails are now unique case-insensitively
-- (COLLATE NOCASE folds ASCII letters, which is what email domains and nearly all local parts
-- use). New columns: updated_at, provider_sub (federated identities), session_generation
-- (force-logout, disable and password change void existing sessions) and version (optimistic
-- lock, as for clients). Existing rows keep their values; updated_at starts at created_at.

CREATE TABLE users_v3 (
  id                  TEXT PRIMARY KEY NOT NULL,
  email               TEXT COLLATE NOCASE UNIQUE,   -- nullable: federated users may have none
  name                TEXT NOT NULL DEFAULT '',
  password_hash       TEXT NOT NULL DEFAULT '',     -- Argon2id PHC string; '' = no local password
  role                TEXT NOT NULL DEFAULT 'user',
  status              TEXT NOT NULL DEFAULT 'active',
  provider            TEXT NOT NULL DEFAULT 'local',
  provider_sub        TEXT NOT NULL DEFAULT '',
  created_at          INTEGER NOT NULL DEFAULT 0,
  updated_at          INTEGER NOT NULL DEFAULT 0,
  session_generation  INTEGER NOT NULL DEFAULT 0,
  version             INTEGER NOT NULL DEFAULT 1
);
INSERT INTO users_v3 (id, email, name, password_hash, role, status, provider, created_at, updated_at)
  SELECT id, email, name, password_hash, role, status, provider, created_at, created_at FROM users;
DROP TABLE users;
ALTER TABLE users_v3 RENAME TO users;
CREATE INDEX users_created_at_idx ON users (created_at);
CREATE UNIQUE INDEX users_provider_sub_idx ON users (provider, provider_sub) WHERE provider_sub <> '';

-- Sessions will be checked against the user row; the counter lets a running server notice a
-- disable or force-logout made by the CLI from another process (as for clients, migration 0002).
INSERT INTO change_counters (name, version) VALUES ('users', 0);
CREATE TRIGGER users_changed_insert AFTER INSERT ON users
BEGIN UPDATE change_counters SET version = version + 1 WHERE name = 'users'; END;
CREATE TRIGGER users_changed_update AFTER UPDATE ON users
BEGIN UPDATE change_counters SET version = version + 1 WHERE name = 'users'; END;
CREATE TRIGGER users_changed_delete AFTER DELETE ON users
BEGIN UPDATE change_counters SET version = version + 1 WHERE name = 'users'; END;
