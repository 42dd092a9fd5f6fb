-- ViT Lab schema 2 for PostgreSQL (as ../0002_comparisons.sql): saved comparisons.

CREATE TABLE comparisons (
  rowid            BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
  id               TEXT PRIMARY KEY,
  name             TEXT NOT NULL UNIQUE,
  run_ids_json     TEXT NOT NULL CHECK (jsonb_typeof(run_ids_json::jsonb) = 'array'),
  baseline_run_id  TEXT REFERENCES runs (id) ON DELETE SET NULL,
  settings_json    TEXT NOT NULL DEFAULT '{}' CHECK (settings_json::jsonb IS NOT NULL),
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL
);

CREATE INDEX comparisons_updated_at ON comparisons (updated_at);
