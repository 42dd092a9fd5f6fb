import type { RunConfig } from './types.js';
import { FIELD_GROUPS, FIELD_KEYS as KEYS, FIELDS as REGISTRY, MODEL_KEYS as MODEL, type FieldDef, type FieldGroup, type FieldKey } from '../../../src-shared/fields.js';

/**
 * The config fields as the form, the filters and compare show them: a view of the one registry
 * (src-shared/fields.ts), so a field added there appears here without an edit.
 */
export type { FieldGroup, FieldKey };

// The registry and the engine's RunConfig must name the same fields (fails to compile otherwise).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _sameFields: Same<FieldKey, keyof RunConfig> = true;
void _sameFields;

export interface FieldSpec {
  key: FieldKey;
  label: string;
  group: FieldGroup;
  kind: FieldDef['kind'];
  options?: readonly string[];
  step?: string;
  min?: number;
  max?: number;
  hint?: string;
  /** May be left empty (null: the recipe's own value). */
  nullable?: boolean;
}

function specOf(key: FieldKey): FieldSpec {
  const f: FieldDef = REGISTRY[key];
  const base = { key, label: f.label, group: f.group, kind: f.kind, hint: f.hint };
  if (f.kind === 'enum') return { ...base, options: f.options };
  if (f.kind === 'int') return { ...base, min: f.min, max: f.max };
  return { ...base, min: f.min, max: f.max, step: f.step, nullable: f.nullable === true };
}

const specs = Object.fromEntries(KEYS.map((k) => [k, specOf(k)])) as Record<FieldKey, FieldSpec>;

export const FIELDS: readonly FieldSpec[] = KEYS.map((k) => specs[k]);
export const FIELD_KEYS: readonly FieldKey[] = KEYS;
export const fieldSpec = (k: string): FieldSpec | undefined => (Object.hasOwn(specs, k) ? specs[k as FieldKey] : undefined);
export const MODEL_KEYS: readonly FieldKey[] = MODEL;
export const GROUPS = FIELD_GROUPS;

/** A form value as the API wants it: numbers where the field is numeric and the text parses, null for an empty nullable field. */
export function coerce(spec: FieldSpec, raw: string): string | number | null {
  if (spec.kind === 'enum') return raw;
  const t = raw.trim();
  if (t === '') return spec.nullable ? null : '';
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
}

// The same rule as the CLI's sweep lists: one function serves both.
export { parseGridValues } from '../../../src-shared/grid-values.js';
