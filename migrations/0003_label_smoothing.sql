-- ViT Lab schema 3: label smoothing as a user-settable recipe field (src-shared/fields.ts).
-- NULL means "the recipe's own" (seed 0, improved 0.1): what every run stored before this used.

ALTER TABLE runs ADD COLUMN label_smoothing REAL CHECK (label_smoothing IS NULL OR (label_smoothing >= 0 AND label_smoothing < 1));
