-- ViT Lab schema 6: agents that drain one shared queue from several machines (`vitlab agent`),
-- which agent ran each run, and checkpoints stored in the database so that a run interrupted on
-- one machine resumes on another. migrations/postgres/0006_agents.sql says the same for PostgreSQL.
-- Written by store/agents.ts and store/checkpoint-blobs.ts only.

-- One row per live (or dead but not yet replaced) agent. A clean stop deletes its row; a killed
-- agent's row stays with a stale heartbeat, which readers show as gone (the rule of liveness.ts).
-- What it runs now is not stored here: it is runs.agent of its running runs.
CREATE TABLE agents (
  name          TEXT PRIMARY KEY,
  host          TEXT NOT NULL,
  pid           INTEGER NOT NULL,
  started_at    TEXT NOT NULL,
  heartbeat_at  TEXT NOT NULL,
  concurrency   INTEGER NOT NULL CHECK (concurrency >= 1),
  -- What it takes: { maxMemoryMB?: number, accept?: { field: [values] } } (agent/accept.ts).
  accepts_json  TEXT NOT NULL CHECK (json_valid(accepts_json))
);

-- The agent that last claimed the run (NULL: a local supervisor ran it), and how often agents
-- claimed it: a run interrupted on an agent is resumed by another one only a few times, so that a
-- config that kills its worker (out of memory) does not go round the agents forever.
ALTER TABLE runs ADD COLUMN agent TEXT;
ALTER TABLE runs ADD COLUMN agent_claims INTEGER NOT NULL DEFAULT 0;
CREATE INDEX runs_agent ON runs (agent) WHERE agent IS NOT NULL;

-- A checkpoint folder packed into one archive (agent/checkpoint-archive.ts), split into chunks.
-- The header row and all its chunks are written in one transaction; a reader also checks the
-- chunk count, the length and the SHA-256 before it uses one, so an incomplete set is never used.
CREATE TABLE checkpoint_blobs (
  run_id      TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  epoch       INTEGER NOT NULL CHECK (epoch >= 1),
  chunks      INTEGER NOT NULL CHECK (chunks >= 1),
  size        INTEGER NOT NULL CHECK (size >= 0),
  sha256      TEXT NOT NULL CHECK (length(sha256) = 64),
  agent       TEXT,
  created_at  TEXT NOT NULL,
  PRIMARY KEY (run_id, epoch)
);

CREATE TABLE checkpoint_chunks (
  run_id  TEXT NOT NULL,
  epoch   INTEGER NOT NULL,
  seq     INTEGER NOT NULL CHECK (seq >= 0),
  bytes   BLOB NOT NULL,
  PRIMARY KEY (run_id, epoch, seq),
  FOREIGN KEY (run_id, epoch) REFERENCES checkpoint_blobs (run_id, epoch) ON DELETE CASCADE
) WITHOUT ROWID;
