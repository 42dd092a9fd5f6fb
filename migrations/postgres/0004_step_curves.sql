-- ViT Lab schema 4 for PostgreSQL (as ../0004_step_curves.sql): per-step training curves, one
-- row per run and epoch, the points packed as little-endian Float32 triples (store/steps.ts).

CREATE TABLE step_curves (
  run_id  TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  epoch   INTEGER NOT NULL CHECK (epoch >= 1),
  points  BYTEA NOT NULL CHECK (octet_length(points) % 12 = 0),
  PRIMARY KEY (run_id, epoch)
);
