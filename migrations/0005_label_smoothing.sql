-- ViT Lab schema 5: label smoothing as a user-settable recipe field (src-shared/fields.ts).
-- NULL means "the recipe's own" (seed 0, improved 0.1): what every run stored before this used.

ALTER TABLE runs ADD COLUMN label_smoothing REAL CHECK (label_smoothing IS NULL OR (label_smoothing >= 0 AND label_smoothing < 1));

-- A group is the config without its seed (0003). A null field is unset and counts as absent, as in
-- src-shared/groups.ts, so a new run that leaves label smoothing empty joins the group of the
-- same config stored before the field existed.
DROP TRIGGER runs_group_key_insert;
DROP TRIGGER runs_group_key_update;

CREATE TRIGGER runs_group_key_insert AFTER INSERT ON runs
BEGIN
  UPDATE runs SET group_key = (
    SELECT json_group_object(key, value ORDER BY key) FROM json_each(new.config_json) WHERE key <> 'seed' AND type <> 'null'
  ) WHERE rowid = new.rowid;
END;

CREATE TRIGGER runs_group_key_update AFTER UPDATE OF config_json ON runs
BEGIN
  UPDATE runs SET group_key = (
    SELECT json_group_object(key, value ORDER BY key) FROM json_each(new.config_json) WHERE key <> 'seed' AND type <> 'null'
  ) WHERE rowid = new.rowid;
END;

UPDATE runs SET group_key = (
  SELECT json_group_object(key, value ORDER BY key) FROM json_each(runs.config_json) WHERE key <> 'seed' AND type <> 'null'
);
