-- ViT Lab schema 2: saved comparisons (a named set of runs, an optional baseline, view settings).

CREATE TABLE comparisons (
  id               TEXT PRIMARY KEY,
  name             TEXT NOT NULL UNIQUE,
  run_ids_json     TEXT NOT NULL CHECK (json_valid(run_ids_json) AND json_type(run_ids_json) = 'array'),
  baseline_run_id  TEXT REFERENCES runs (id) ON DELETE SET NULL,
  settings_json    TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(settings_json)),
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL
);

CREATE INDEX comparisons_updated_at ON comparisons (updated_at);
