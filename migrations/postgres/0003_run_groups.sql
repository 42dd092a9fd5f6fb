-- ViT Lab schema 3 for PostgreSQL (as ../0003_run_groups.sql): a run's group key, the config
-- without its seed, kept by a trigger so no writer has to remember it. jsonb's text form is
-- canonical (keys sorted), so equal configs give equal keys whatever their stored field order.
-- The key's text differs from SQLite's (spacing, key order); it is only ever compared with keys of
-- the same database, and the groups' shown key is recomputed by src-shared/groups.ts.

ALTER TABLE runs ADD COLUMN group_key TEXT;

CREATE FUNCTION vitlab_group_key(config TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
  SELECT (config::jsonb - 'seed')::text
$$;

UPDATE runs SET group_key = vitlab_group_key(config_json);

CREATE INDEX runs_group_key ON runs (group_key, status, test_acc, test_loss, created_at, params, macs_per_image);

CREATE FUNCTION vitlab_runs_group_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.group_key := vitlab_group_key(NEW.config_json);
  RETURN NEW;
END;
$$;

CREATE TRIGGER runs_group_key BEFORE INSERT OR UPDATE OF config_json ON runs
  FOR EACH ROW EXECUTE FUNCTION vitlab_runs_group_key();
