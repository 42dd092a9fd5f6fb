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
  /** The seed report's value: SEED_CONFIG is these defaults. */
  default: number;
  min: number;
  max: number;
}

export interface FloatField extends FieldBase {
  kind: 'float';
  /** The seed report's value; null for a nullable field means "the recipe's own". */
  default: number | null;
  /** May be left empty (null): the value then comes from the recipe. Configs stored before the field existed read as null. */
  nullable?: true;
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
  default: string;
  options: readonly string[];
}

export type FieldDef = IntField | FloatField | EnumField;

// The upper bounds are far beyond what trains in reasonable time on a CPU (the seed model is
// 28 px, dim 64, depth 4) but keep every size later allocated from a config (per-class arrays, a
// classes² confusion matrix, patch buffers) finite and small; the memory estimate
// (src-main/vit/memory.ts) then refuses what is inside the bounds yet too big. classes ≤ 1000:
// ImageNet-1k is the largest head anyone trains a small ViT for.

export const FIELDS = {
  image: { kind: 'int', default: 28, label: 'Image side', noun: 'image side', group: 'data', part: 'model', min: 1, max: 1024, hint: 'pixels (square images)', column: 'image' },
  channels: { kind: 'int', default: 1, label: 'Channels', group: 'data', part: 'model', min: 1, max: 16, column: 'channels' },
  classes: { kind: 'int', default: 10, label: 'Classes', group: 'data', part: 'model', min: 2, max: 1000, column: 'classes' },
  patch: { kind: 'int', default: 4, label: 'Patch size', group: 'model', part: 'model', min: 1, max: 1024, hint: 'must divide the image side', column: 'patch' },
  dim: { kind: 'int', default: 64, label: 'Width (dim)', group: 'model', part: 'model', min: 1, max: 4096, column: 'dim' },
  depth: { kind: 'int', default: 4, label: 'Depth', reportLabel: 'Depth (encoder layers)', group: 'model', part: 'model', min: 1, max: 64, hint: 'encoder layers', column: 'depth' },
  heads: { kind: 'int', default: 4, label: 'Heads', group: 'model', part: 'model', min: 1, max: 64, hint: 'must divide dim', column: 'heads' },
  mlp: { kind: 'int', default: 256, label: 'MLP width', group: 'model', part: 'model', min: 1, max: 16_384, column: 'mlp' },
  activation: { kind: 'enum', default: 'relu', label: 'Activation', group: 'model', part: 'model', options: ACTIVATIONS, column: 'activation' },
  dropout: { kind: 'float', default: 0, label: 'Dropout', group: 'model', part: 'model', min: 0, max: 1, maxExclusive: true, step: '0.05', column: 'dropout' },
  dataset: { kind: 'enum', default: 'fashion-mnist', label: 'Dataset', group: 'data', part: 'train', options: DATASETS, column: 'dataset' },
  epochs: { kind: 'int', default: 10, label: 'Epochs', group: 'training', part: 'train', min: 1, max: 1000, column: 'epochs' },
  batch: { kind: 'int', default: 100, label: 'Batch size', group: 'training', part: 'train', min: 1, max: 4096, column: 'batch' },
  lr: { kind: 'float', default: 1e-3, label: 'Learning rate', group: 'training', part: 'train', min: 0, minExclusive: true, max: 1, step: 'any', column: 'lr' },
  recipe: { kind: 'enum', default: 'seed', label: 'Recipe', group: 'training', part: 'train', options: RECIPES, column: 'recipe' },
  seed: { kind: 'int', default: 0, label: 'Seed', group: 'training', part: 'train', min: 0, max: 2 ** 31 - 1, column: 'seed' },
  backend: { kind: 'enum', default: 'auto', label: 'Backend', reportLabel: 'Backend requested', group: 'training', part: 'train', options: BACKENDS },
  limitTrain: { kind: 'int', default: 0, label: 'Train images', group: 'data', part: 'train', min: 0, max: 100_000_000, hint: '0 = the whole split' },
  limitTest: { kind: 'int', default: 0, label: 'Test images', group: 'data', part: 'train', min: 0, max: 100_000_000, hint: '0 = the whole split' },
  labelSmoothing: {
    kind: 'float',
    default: null,
    nullable: true,
    label: 'Label smoothing',
    group: 'training',
    part: 'train',
    min: 0,
    max: 1,
    maxExclusive: true,
    step: '0.05',
    hint: "empty = the recipe's own",
    column: 'label_smoothing',
  },
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

/**
 * A stored config with the fields added after it was written: a nullable field reads as null
 * (the recipe's own value, which is what such a run used). Other fields were there from the start.
 */
export function withNewFields<C extends object>(stored: C): C {
  const out = { ...stored } as Record<string, unknown>;
  for (const k of FIELD_KEYS) {
    if (!(k in out) && nullableField(k)) out[k] = null;
  }
  return out as C;
}

/** Left empty means "the recipe's own" (see FloatField.nullable). */
export function nullableField(key: string): boolean {
  const f = fieldDef(key);
  return f?.kind === 'float' && f.nullable === true;
}

export const isNumeric = (k: FieldKey): boolean => FIELDS[k].kind !== 'enum';
