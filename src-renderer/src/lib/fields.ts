import type { RunConfig } from './types';

/**
 * The config fields as the form shows them. Kept in step with src-main/vit/config.ts by the type
 * check: `satisfies` below fails when a field is added there and not here.
 */
export type FieldKey = keyof RunConfig;
export type FieldGroup = 'model' | 'training' | 'data';

export interface FieldSpec {
  key: FieldKey;
  label: string;
  group: FieldGroup;
  kind: 'int' | 'float' | 'enum';
  options?: readonly string[];
  step?: string;
  min?: number;
  hint?: string;
}

export const ACTIVATIONS = ['relu', 'gelu'] as const;
export const RECIPES = ['seed', 'improved'] as const;
export const BACKENDS = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export const DATASETS = ['fashion-mnist', 'mnist'] as const;

const specs = {
  image: { key: 'image', label: 'Image side', group: 'data', kind: 'int', min: 1, hint: 'pixels (square images)' },
  channels: { key: 'channels', label: 'Channels', group: 'data', kind: 'int', min: 1 },
  classes: { key: 'classes', label: 'Classes', group: 'data', kind: 'int', min: 2 },
  patch: { key: 'patch', label: 'Patch size', group: 'model', kind: 'int', min: 1, hint: 'must divide the image side' },
  dim: { key: 'dim', label: 'Width (dim)', group: 'model', kind: 'int', min: 1 },
  depth: { key: 'depth', label: 'Depth', group: 'model', kind: 'int', min: 1, hint: 'encoder layers' },
  heads: { key: 'heads', label: 'Heads', group: 'model', kind: 'int', min: 1, hint: 'must divide dim' },
  mlp: { key: 'mlp', label: 'MLP width', group: 'model', kind: 'int', min: 1 },
  activation: { key: 'activation', label: 'Activation', group: 'model', kind: 'enum', options: ACTIVATIONS },
  dropout: { key: 'dropout', label: 'Dropout', group: 'model', kind: 'float', step: '0.05', min: 0 },
  dataset: { key: 'dataset', label: 'Dataset', group: 'data', kind: 'enum', options: DATASETS },
  epochs: { key: 'epochs', label: 'Epochs', group: 'training', kind: 'int', min: 1 },
  batch: { key: 'batch', label: 'Batch size', group: 'training', kind: 'int', min: 1 },
  lr: { key: 'lr', label: 'Learning rate', group: 'training', kind: 'float', step: 'any', min: 0 },
  recipe: { key: 'recipe', label: 'Recipe', group: 'training', kind: 'enum', options: RECIPES },
  seed: { key: 'seed', label: 'Seed', group: 'training', kind: 'int', min: 0 },
  limitTrain: { key: 'limitTrain', label: 'Train images', group: 'data', kind: 'int', min: 0, hint: '0 = the whole split' },
  limitTest: { key: 'limitTest', label: 'Test images', group: 'data', kind: 'int', min: 0, hint: '0 = the whole split' },
  backend: { key: 'backend', label: 'Backend', group: 'training', kind: 'enum', options: BACKENDS },
} as const satisfies { [K in FieldKey]: FieldSpec & { key: K } };

export const FIELDS: readonly FieldSpec[] = Object.values(specs);
export const FIELD_KEYS = FIELDS.map((f) => f.key);
export const fieldSpec = (k: string): FieldSpec | undefined => (specs as Record<string, FieldSpec>)[k];

export const MODEL_KEYS: FieldKey[] = ['image', 'channels', 'classes', 'patch', 'dim', 'depth', 'heads', 'mlp', 'activation', 'dropout'];

export const GROUPS: { id: FieldGroup; title: string }[] = [
  { id: 'model', title: 'Model' },
  { id: 'training', title: 'Training' },
  { id: 'data', title: 'Data' },
];

/** A form value as the API wants it: numbers where the field is numeric and the text parses. */
export function coerce(spec: FieldSpec, raw: string): string | number {
  if (spec.kind === 'enum') return raw;
  const t = raw.trim();
  if (t === '') return '';
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
}

// The same rule as the CLI's sweep lists: one function serves both.
export { parseGridValues } from '../../../src-shared/grid-values';
