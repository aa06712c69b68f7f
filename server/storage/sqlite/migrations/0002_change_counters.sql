-- Change counters let a running server notice changes another process (the `authserver admin`
-- CLI) made to clients and resources, so its in-memory caches never serve stale rows for long.
CREATE TABLE change_counters (
  name     TEXT PRIMARY KEY NOT NULL,
  version  INTEGER NOT NULL DEFAULT 0
);
INSERT INTO change_counters (name, version) VALUES ('clients', 0), ('resources', 0);

CREATE TRIGGER clients_changed_insert AFTER INSERT ON clients
BEGIN UPDATE change_counters SET version = version + 1 WHERE name = 'clients'; END;
CREATE TRIGGER clients_changed_update AFTER UPDATE ON clients
BEGIN UPDATE change_counters SET version = version + 1 WHERE name = 'clients'; END;
CREATE TRIGGER clients_changed_delete AFTER DELETE ON clients
BEGIN UPDATE change_counters SET version = version + 1 WHERE name = 'clients'; END;

CREATE TRIGGER resources_changed_insert AFTER INSERT ON resources
BEGIN UPDATE change_counters SET version = version + 1 WHERE name = 'resources'; END;
CREATE TRIGGER resources_changed_update AFTER UPDATE ON resources
BEGIN UPDATE change_counters SET version = version + 1 WHERE name = 'resources'; END;
CREATE TRIGGER resources_changed_delete AFTER DELETE ON resources
BEGIN UPDATE change_counters SET version = version + 1 WHERE name = 'resources'; END;
