/**
 * The run config's fields, declared once. Everything that lists fields derives from this table:
 * the zod schema (src-main/vit/config.ts), the CLI's flags (src-main/cli/args.ts), the store's
 * columns and inserts (src-main/store/runs.ts), the API's sort and filter lists
 * (src-main/api/contract.ts), the report tables (src-main/report/data.ts) and the dashboard's
 * form, filters and compare rows (src-renderer/src/lib/fields.ts).
 *
 * Adding a field: one entry here (plus a migration when it gets a column, and the model or trainer
 * code that reads it). The order of entries is the order of every table and of the CSV columns.
 */

export const ACTIVATIONS = ['relu', 'gelu'] as const;
export const RECIPES = ['seed', 'improved'] as const;
export const BACKENDS = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export const DATASETS = ['fashion-mnist', 'mnist'] as const;

/** Where a field shows in the form and the reports. */
export type FieldGroup = 'model' | 'training' | 'data';
export const FIELD_GROUPS: readonly { id: FieldGroup; title: string }[] = [
  { id: 'model', title: 'Model' },
  { id: 'training', title: 'Training' },
  { id: 'data', title: 'Data' },
];

interface FieldBase {
  label: string;
  /** The reports' row label, where it says more than the form's. */
  reportLabel?: string;
  group: FieldGroup;
  /** `model`: part of the network (cost model, summary, checkpoints); `train`: how it is trained. */
  part: 'model' | 'train';
  /** The noun in validation messages; default the key. */
  noun?: string;
  hint?: string;
  /** The runs table's column (sortable, filterable); fields without one live in config_json only. */
  column?: string;
}

export interface IntField extends FieldBase {
  kind: 'int';
  min: number;
  max: number;
}

export interface FloatField extends FieldBase {
  kind: 'float';
  min: number;
  max: number;
  /** The bound itself is not allowed (lr > 0, dropout < 1). */
  minExclusive?: boolean;
  maxExclusive?: boolean;
  /** The form's step attribute. */
  step: string;
}

export interface EnumField extends FieldBase {
  kind: 'enum';
  options: readonly string[];
}

export type FieldDef = IntField | FloatField | EnumField;

export const FIELDS = {
  image: { kind: 'int', label: 'Image side', noun: 'image side', group: 'data', part: 'model', min: 1, max: 4096, hint: 'pixels (square images)', column: 'image' },
  channels: { kind: 'int', label: 'Channels', group: 'data', part: 'model', min: 1, max: 64, column: 'channels' },
  classes: { kind: 'int', label: 'Classes', group: 'data', part: 'model', min: 2, max: 100_000, column: 'classes' },
  patch: { kind: 'int', label: 'Patch size', group: 'model', part: 'model', min: 1, max: 4096, hint: 'must divide the image side', column: 'patch' },
  dim: { kind: 'int', label: 'Width (dim)', group: 'model', part: 'model', min: 1, max: 65_536, column: 'dim' },
  depth: { kind: 'int', label: 'Depth', reportLabel: 'Depth (encoder layers)', group: 'model', part: 'model', min: 1, max: 1000, hint: 'encoder layers', column: 'depth' },
  heads: { kind: 'int', label: 'Heads', group: 'model', part: 'model', min: 1, max: 65_536, hint: 'must divide dim', column: 'heads' },
  mlp: { kind: 'int', label: 'MLP width', group: 'model', part: 'model', min: 1, max: 1_048_576, column: 'mlp' },
  activation: { kind: 'enum', label: 'Activation', group: 'model', part: 'model', options: ACTIVATIONS, column: 'activation' },
  dropout: { kind: 'float', label: 'Dropout', group: 'model', part: 'model', min: 0, max: 1, maxExclusive: true, step: '0.05', column: 'dropout' },
  dataset: { kind: 'enum', label: 'Dataset', group: 'data', part: 'train', options: DATASETS, column: 'dataset' },
  epochs: { kind: 'int', label: 'Epochs', group: 'training', part: 'train', min: 1, max: 1000, column: 'epochs' },
  batch: { kind: 'int', label: 'Batch size', group: 'training', part: 'train', min: 1, max: 4096, column: 'batch' },
  lr: { kind: 'float', label: 'Learning rate', group: 'training', part: 'train', min: 0, minExclusive: true, max: 1, step: 'any', column: 'lr' },
  recipe: { kind: 'enum', label: 'Recipe', group: 'training', part: 'train', options: RECIPES, column: 'recipe' },
  seed: { kind: 'int', label: 'Seed', group: 'training', part: 'train', min: 0, max: 2 ** 31 - 1, column: 'seed' },
  backend: { kind: 'enum', label: 'Backend', reportLabel: 'Backend requested', group: 'training', part: 'train', options: BACKENDS },
  limitTrain: { kind: 'int', label: 'Train images', group: 'data', part: 'train', min: 0, max: 10_000_000, hint: '0 = the whole split' },
  limitTest: { kind: 'int', label: 'Test images', group: 'data', part: 'train', min: 0, max: 10_000_000, hint: '0 = the whole split' },
} as const satisfies Record<string, FieldDef>;

export type FieldKey = keyof typeof FIELDS;
export const FIELD_KEYS = Object.keys(FIELDS) as FieldKey[];
export const MODEL_KEYS = FIELD_KEYS.filter((k) => FIELDS[k].part === 'model') as ModelKey[];
export const TRAIN_KEYS = FIELD_KEYS.filter((k) => FIELDS[k].part === 'train') as TrainKey[];
export type ModelKey = { [K in FieldKey]: (typeof FIELDS)[K]['part'] extends 'model' ? K : never }[FieldKey];
export type TrainKey = Exclude<FieldKey, ModelKey>;

/** Fields with a column in the runs table, and the column of each. */
export type ColumnKey = { [K in FieldKey]: (typeof FIELDS)[K] extends { column: string } ? K : never }[FieldKey];
export const COLUMN_KEYS = FIELD_KEYS.filter((k) => 'column' in FIELDS[k]) as ColumnKey[];
export const columnOf = (k: ColumnKey): string => (FIELDS[k] as { column: string }).column;

export function fieldDef(key: string): FieldDef | undefined {
  return Object.hasOwn(FIELDS, key) ? (FIELDS as Record<string, FieldDef>)[key] : undefined;
}

/** The CLI flag of a field: kebab-case (`limitTrain` → `limit-train`). */
export const flagOf = (k: FieldKey): string => k.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`);

/** The label a report row uses: the longer one where the field has it. */
export function reportLabelOf(k: FieldKey): string {
  const f: FieldDef = FIELDS[k];
  return f.reportLabel ?? f.label;
}

export const isNumeric = (k: FieldKey): boolean => FIELDS[k].kind !== 'enum';
