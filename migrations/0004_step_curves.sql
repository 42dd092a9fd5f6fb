-- ViT Lab schema 4: per-step training curves (about 20 points per epoch), one row per run and
-- epoch holding the points packed as little-endian Float32 triples (at, loss, acc): 12 bytes a
-- point, 240 bytes an epoch, so 10,000 runs of 10–30 epochs add about 36–72 MB and a run's
-- curve is read with one index range scan. Written by store/steps.ts only.

CREATE TABLE step_curves (
  run_id  TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  epoch   INTEGER NOT NULL CHECK (epoch >= 1),
  points  BLOB NOT NULL CHECK (length(points) % 12 = 0),
  PRIMARY KEY (run_id, epoch)
) WITHOUT ROWID;
