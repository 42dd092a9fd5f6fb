-- ViT Lab schema 5 for PostgreSQL (as ../0005_label_smoothing.sql): label smoothing as a
-- user-settable recipe field; NULL means "the recipe's own".

ALTER TABLE runs ADD COLUMN label_smoothing DOUBLE PRECISION
  CHECK (label_smoothing IS NULL OR (label_smoothing >= 0 AND label_smoothing < 1));

-- A null field is unset and counts as absent in a group key, as in src-shared/groups.ts.
CREATE OR REPLACE FUNCTION vitlab_group_key(config TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
  SELECT (jsonb_strip_nulls(config::jsonb) - 'seed')::text
$$;

UPDATE runs SET group_key = vitlab_group_key(config_json);
