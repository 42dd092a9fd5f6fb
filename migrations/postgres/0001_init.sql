-- ViT Lab schema 1 for PostgreSQL: the same tables, columns and meaning as ../0001_init.sql.
-- Applied once, inside one transaction holding an advisory lock, by src-main/store/pg-migrate.ts.
-- Never edit an applied migration: add the next NNNN_name.sql here AND in ../ (same number and name).
--
-- Column types follow SQLite's on purpose: timestamps are ISO-8601 UTC text (they sort as time, so
-- the heartbeat rule of store/liveness.ts compares text on both engines), JSON is text (checked
-- by a cast to jsonb), REAL is double precision, INTEGER is bigint where it can pass 2^31 (MACs).
-- What really differs between the engines is in store/dialect.ts (placeholders, case-insensitive
-- matching, JSON functions, upsert), not in the data.
--
-- SQLite breaks sort ties by the implicit rowid (insertion order). PostgreSQL has none, so the
-- tables that listings sort (runs, sweeps, comparisons) get an identity column named rowid that
-- plays the same part, and the shared ORDER BY clauses read the same on both.

CREATE TABLE sweeps (
  rowid       BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  grid_json   TEXT NOT NULL CHECK (grid_json::jsonb IS NOT NULL),
  base_json   TEXT CHECK (base_json IS NULL OR base_json::jsonb IS NOT NULL),
  created_at  TEXT NOT NULL
);

CREATE TABLE runs (
  rowid           BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
  id              TEXT PRIMARY KEY,
  name            TEXT NOT NULL,
  status          TEXT NOT NULL
                  CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted')),
  config_json     TEXT NOT NULL CHECK (config_json::jsonb IS NOT NULL),
  dataset         TEXT NOT NULL,
  image           INTEGER NOT NULL,
  channels        INTEGER NOT NULL,
  classes         INTEGER NOT NULL,
  patch           INTEGER NOT NULL,
  dim             INTEGER NOT NULL,
  depth           INTEGER NOT NULL,
  heads           INTEGER NOT NULL,
  mlp             INTEGER NOT NULL,
  activation      TEXT NOT NULL,
  dropout         DOUBLE PRECISION NOT NULL,
  epochs          INTEGER NOT NULL,
  batch           INTEGER NOT NULL,
  lr              DOUBLE PRECISION NOT NULL,
  recipe          TEXT NOT NULL,
  seed            BIGINT NOT NULL,
  backend         TEXT,
  versions_json   TEXT CHECK (versions_json IS NULL OR versions_json::jsonb IS NOT NULL),
  machine_json    TEXT CHECK (machine_json IS NULL OR machine_json::jsonb IS NOT NULL),
  created_at      TEXT NOT NULL,
  started_at      TEXT,
  finished_at     TEXT,
  heartbeat_at    TEXT,
  error           TEXT,
  notes           TEXT NOT NULL DEFAULT '',
  tags            TEXT NOT NULL DEFAULT '[]' CHECK (tags::jsonb IS NOT NULL),
  sweep_id        TEXT REFERENCES sweeps (id) ON DELETE SET NULL,
  params          BIGINT NOT NULL,
  macs_per_image  BIGINT NOT NULL,
  macs_per_batch  BIGINT NOT NULL,
  test_acc        DOUBLE PRECISION CHECK (test_acc IS NULL OR (test_acc >= 0 AND test_acc <= 1)),
  test_loss       DOUBLE PRECISION,
  epochs_done     INTEGER NOT NULL DEFAULT 0,
  checkpoint_path TEXT,
  priority        INTEGER NOT NULL DEFAULT 0,
  queue_seq       BIGINT NOT NULL
);

CREATE INDEX runs_created_at ON runs (created_at, rowid);
CREATE INDEX runs_status     ON runs (status, created_at);
CREATE INDEX runs_test_acc   ON runs (test_acc, rowid);
CREATE INDEX runs_params     ON runs (params, rowid);
CREATE INDEX runs_macs       ON runs (macs_per_image, rowid);
CREATE INDEX runs_sweep      ON runs (sweep_id, created_at);
CREATE INDEX runs_name       ON runs (lower(name), rowid);
CREATE INDEX runs_queue_seq  ON runs (queue_seq);
-- The queue as claimNext reads it (FOR UPDATE SKIP LOCKED walks it in order).
CREATE INDEX runs_queue      ON runs (priority DESC, queue_seq, rowid) WHERE status = 'queued';

CREATE TABLE epochs (
  run_id          TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  epoch           INTEGER NOT NULL CHECK (epoch >= 1),
  train_loss      DOUBLE PRECISION,
  train_acc       DOUBLE PRECISION NOT NULL CHECK (train_acc >= 0 AND train_acc <= 1),
  test_loss       DOUBLE PRECISION,
  test_acc        DOUBLE PRECISION NOT NULL CHECK (test_acc >= 0 AND test_acc <= 1),
  seconds         DOUBLE PRECISION NOT NULL,
  samples_per_sec DOUBLE PRECISION NOT NULL,
  lr              DOUBLE PRECISION NOT NULL,
  PRIMARY KEY (run_id, epoch)
);

CREATE TABLE class_results (
  run_id   TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  class    INTEGER NOT NULL CHECK (class >= 0),
  correct  INTEGER NOT NULL CHECK (correct >= 0),
  total    INTEGER NOT NULL CHECK (total >= correct),
  PRIMARY KEY (run_id, class)
);

CREATE TABLE confusion (
  run_id       TEXT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
  matrix_json  TEXT NOT NULL CHECK (matrix_json::jsonb IS NOT NULL)
);

CREATE TABLE costs (
  run_id          TEXT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
  breakdown_json  TEXT NOT NULL CHECK (breakdown_json::jsonb IS NOT NULL)
);

CREATE TABLE artifacts (
  id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  run_id      TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  kind        TEXT NOT NULL,
  epoch       INTEGER,
  path        TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  UNIQUE (run_id, kind, path)
);
