-- ViT Lab schema 1: runs, their per-epoch metrics, final results, cost and artifacts, and sweeps.
-- Applied once, inside a transaction, by src-main/store/db.ts. Never edit an applied migration:
-- add the next NNNN_name.sql instead (databases in the field already hold this one).

CREATE TABLE sweeps (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  grid_json   TEXT NOT NULL CHECK (json_valid(grid_json)),
  -- The config the grid's values are laid over.
  base_json   TEXT CHECK (base_json IS NULL OR json_valid(base_json)),
  created_at  TEXT NOT NULL
);

CREATE TABLE runs (
  id              TEXT PRIMARY KEY,
  name            TEXT NOT NULL,
  status          TEXT NOT NULL
                  CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted')),
  -- The whole config is the truth; the columns below copy the fields people sort and filter by.
  config_json     TEXT NOT NULL CHECK (json_valid(config_json)),
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
  dropout         REAL NOT NULL,
  epochs          INTEGER NOT NULL,
  batch           INTEGER NOT NULL,
  lr              REAL NOT NULL,
  recipe          TEXT NOT NULL,
  seed            INTEGER NOT NULL,
  -- The backend that actually ran (the config holds the one asked for, possibly 'auto').
  backend         TEXT,
  versions_json   TEXT CHECK (versions_json IS NULL OR json_valid(versions_json)),
  machine_json    TEXT CHECK (machine_json IS NULL OR json_valid(machine_json)),
  -- ISO 8601 UTC text: sorts as time and reads without conversion.
  created_at      TEXT NOT NULL,
  started_at      TEXT,
  finished_at     TEXT,
  heartbeat_at    TEXT,
  error           TEXT,
  notes           TEXT NOT NULL DEFAULT '',
  tags            TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags)),
  sweep_id        TEXT REFERENCES sweeps (id) ON DELETE SET NULL,
  params          INTEGER NOT NULL,
  macs_per_image  INTEGER NOT NULL,
  macs_per_batch  INTEGER NOT NULL,
  test_acc        REAL CHECK (test_acc IS NULL OR (test_acc >= 0 AND test_acc <= 1)),
  test_loss       REAL,
  epochs_done     INTEGER NOT NULL DEFAULT 0,
  checkpoint_path TEXT,
  -- Queue order: higher priority first, then first come first served.
  priority        INTEGER NOT NULL DEFAULT 0,
  queue_seq       INTEGER NOT NULL
);

-- Listing pages sort on one column; the rowid (in every index) breaks ties, so these single-column
-- indexes serve ORDER BY col, rowid without a sort step.
CREATE INDEX runs_created_at ON runs (created_at);
CREATE INDEX runs_status     ON runs (status, created_at);
CREATE INDEX runs_test_acc   ON runs (test_acc);
CREATE INDEX runs_params     ON runs (params);
CREATE INDEX runs_macs       ON runs (macs_per_image);
CREATE INDEX runs_sweep      ON runs (sweep_id, created_at);
-- name sorts the table; tags and id make it cover the search box, whose LIKE "%…%" must scan.
CREATE INDEX runs_name       ON runs (name COLLATE NOCASE, tags, id);
CREATE INDEX runs_queue_seq  ON runs (queue_seq);

CREATE TABLE epochs (
  run_id          TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  epoch           INTEGER NOT NULL CHECK (epoch >= 1),
  -- Losses are NULL when training diverged (NaN cannot be stored).
  train_loss      REAL,
  train_acc       REAL NOT NULL CHECK (train_acc >= 0 AND train_acc <= 1),
  test_loss       REAL,
  test_acc        REAL NOT NULL CHECK (test_acc >= 0 AND test_acc <= 1),
  seconds         REAL NOT NULL,
  samples_per_sec REAL NOT NULL,
  lr              REAL NOT NULL,
  PRIMARY KEY (run_id, epoch)
) WITHOUT ROWID;

CREATE TABLE class_results (
  run_id   TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  class    INTEGER NOT NULL CHECK (class >= 0),
  correct  INTEGER NOT NULL CHECK (correct >= 0),
  total    INTEGER NOT NULL CHECK (total >= correct),
  PRIMARY KEY (run_id, class)
) WITHOUT ROWID;

CREATE TABLE confusion (
  run_id       TEXT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
  matrix_json  TEXT NOT NULL CHECK (json_valid(matrix_json))
);

CREATE TABLE costs (
  run_id          TEXT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
  breakdown_json  TEXT NOT NULL CHECK (json_valid(breakdown_json))
);

CREATE TABLE artifacts (
  id          INTEGER PRIMARY KEY,
  run_id      TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  kind        TEXT NOT NULL,
  epoch       INTEGER,
  path        TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  UNIQUE (run_id, kind, path)
);
