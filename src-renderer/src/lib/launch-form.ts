/**
 * The launch form's values and what they mean, as pure functions over the field registry
 * (lib/fields.ts, a view of src-shared/fields.ts): a field added there gets a form input, a sweep
 * input and a place in the request without an edit here. No Svelte, no DOM: unit-tested from
 * test/unit/launch-form.test.ts; the runes live in launch-state.svelte.ts.
 */

import { coerce, FIELDS, parseGridValues, type FieldKey, type FieldSpec } from './fields.js';
import type { RunConfig } from './types.js';

/** What the user typed, per field: the form and the sweep grid both hold text. */
export type FormValues = Record<FieldKey, string>;

/** A config as the API takes it: numbers where they parse, the raw text otherwise (so the server names the field). */
export type FormConfig = Record<string, string | number | null>;

export type GridValues = Record<string, (string | number)[]>;

export type Issue = { field: string; message: string };

export function emptyValues(): FormValues {
  return Object.fromEntries(FIELDS.map((f) => [f.key, ''])) as FormValues;
}

/** A preset's config as form text (a null field as an empty input). */
export function valuesOf(c: RunConfig): FormValues {
  return Object.fromEntries(FIELDS.map((f) => [f.key, c[f.key] == null ? '' : String(c[f.key])])) as FormValues;
}

export function configOf(values: FormValues): FormConfig {
  return Object.fromEntries(FIELDS.map((f) => [f.key, coerce(f, values[f.key])]));
}

/** The sweep grid: each field's comma-separated values, fields left empty omitted. */
export function gridOf(grid: FormValues): GridValues {
  const g: GridValues = {};
  for (const f of FIELDS) {
    const vs = parseGridValues(grid[f.key]);
    if (vs.length) g[f.key] = vs;
  }
  return g;
}

/** Whether a field's text differs from the preset's value (a null preset value reads as empty). */
export const modifiedFrom = (preset: RunConfig | null, f: FieldSpec, text: string): boolean => preset !== null && String(preset[f.key] ?? '') !== text;

/**
 * Arrow up/down on a numeric field, as a number input would step it: by 1 for an int, by the
 * field's step for a float (a tenth of the value when it has none), kept within the bounds.
 * Null when the text is not a number (left as it is).
 */
export function stepValue(f: FieldSpec, text: string, direction: 1 | -1): string | null {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) return null;
  const by = f.kind === 'int' ? 1 : Number(f.step) || (n === 0 ? 0.001 : Math.abs(n) / 10);
  let next = n + direction * by;
  if (f.min !== undefined) next = Math.max(f.min, next);
  if (f.max !== undefined) next = Math.min(f.max, next);
  return String(f.kind === 'int' ? Math.round(next) : Number(next.toPrecision(6)));
}

export const splitTags = (s: string): string[] =>
  s
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);

/** A sweep run's values as `key=value` pairs. */
export const describeValues = (v: Partial<RunConfig>): string =>
  Object.entries(v)
    .map(([k, x]) => `${k}=${x}`)
    .join(' ');

/** Field → message, the first message per field winning, the lists in order of priority. */
export function issuesByField(...lists: readonly (readonly Issue[])[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const list of lists) for (const i of list) if (!m.has(i.field)) m.set(i.field, i.message);
  return m;
}

/** The form's own inputs besides the config fields: their messages show under them. */
const FORM_INPUTS = new Set<string>([...FIELDS.map((f) => f.key), 'name', 'tags', 'notes']);

/** Messages about no input of the form (shown together above the Start button). */
export const otherIssues = (issues: ReadonlyMap<string, string>): [string, string][] => [...issues].filter(([f]) => !FORM_INPUTS.has(f));
