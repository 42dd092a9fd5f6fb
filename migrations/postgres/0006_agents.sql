-- ViT Lab schema 6 for PostgreSQL (as ../0006_agents.sql): agents, runs.agent, checkpoints as
-- chunked rows. Types follow SQLite's as in 0001 (ISO text timestamps; BLOB is BYTEA here).
-- Written by store/agents.ts and store/checkpoint-blobs.ts only.

CREATE TABLE agents (
  name          TEXT PRIMARY KEY,
  host          TEXT NOT NULL,
  pid           INTEGER NOT NULL,
  started_at    TEXT NOT NULL,
  heartbeat_at  TEXT NOT NULL,
  concurrency   INTEGER NOT NULL CHECK (concurrency >= 1),
  accepts_json  TEXT NOT NULL CHECK (accepts_json::jsonb IS NOT NULL)
);

ALTER TABLE runs ADD COLUMN agent TEXT;
ALTER TABLE runs ADD COLUMN agent_claims INTEGER NOT NULL DEFAULT 0;
CREATE INDEX runs_agent ON runs (agent) WHERE agent IS NOT NULL;

CREATE TABLE checkpoint_blobs (
  run_id      TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  epoch       INTEGER NOT NULL CHECK (epoch >= 1),
  chunks      INTEGER NOT NULL CHECK (chunks >= 1),
  size        BIGINT NOT NULL CHECK (size >= 0),
  sha256      TEXT NOT NULL CHECK (length(sha256) = 64),
  agent       TEXT,
  created_at  TEXT NOT NULL,
  PRIMARY KEY (run_id, epoch)
);

CREATE TABLE checkpoint_chunks (
  run_id  TEXT NOT NULL,
  epoch   INTEGER NOT NULL,
  seq     INTEGER NOT NULL CHECK (seq >= 0),
  bytes   BYTEA NOT NULL,
  PRIMARY KEY (run_id, epoch, seq),
  FOREIGN KEY (run_id, epoch) REFERENCES checkpoint_blobs (run_id, epoch) ON DELETE CASCADE
);

-- The live dashboard (api/run-feed.ts): every change of a run row that a reader can see is
-- announced on channel vitlab_runs with the run's id, inside the writing transaction (a NOTIFY is
-- delivered at COMMIT, never for a rolled-back write), whoever wrote it — an agent, serve, the CLI.
-- A heartbeat alone changes nothing a reader shows, so it is not announced (a running run
-- heartbeats every 2 s). PostgreSQL folds equal notifications of one transaction into one.
-- Agents coming and going (not their heartbeats) likewise on vitlab_agents, with the agent's name.
-- One function for both: TG_ARGV is (channel, key column).
CREATE FUNCTION vitlab_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed jsonb;
BEGIN
  IF TG_OP = 'DELETE' THEN
    changed := to_jsonb(OLD);
  ELSIF TG_OP = 'INSERT' OR (to_jsonb(OLD) - 'heartbeat_at') IS DISTINCT FROM (to_jsonb(NEW) - 'heartbeat_at') THEN
    changed := to_jsonb(NEW);
  ELSE
    RETURN NULL;
  END IF;
  PERFORM pg_notify(TG_ARGV[0], changed ->> TG_ARGV[1]);
  RETURN NULL;
END $$;

CREATE TRIGGER runs_notify AFTER INSERT OR UPDATE OR DELETE ON runs FOR EACH ROW EXECUTE FUNCTION vitlab_notify('vitlab_runs', 'id');
CREATE TRIGGER agents_notify AFTER INSERT OR UPDATE OR DELETE ON agents FOR EACH ROW EXECUTE FUNCTION vitlab_notify('vitlab_agents', 'name');
