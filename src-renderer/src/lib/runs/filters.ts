// Imported with .js from the engine's types (not ../types): the unit tests type-check this module
// under the engine's tsconfig (node16 resolution).
import type { FilterValue } from '../../../../src-main/store/types.js';

/**
 * The runs table's filter builder as data: a filter row (field, operator, typed value) and how a
 * list of rows becomes the store's filter record. The fields offered are in RunsFilterBar.svelte.
 */

export const FILTER_OPS = ['=', 'in', '≥', '≤'] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

export interface FieldFilter {
  field: string;
  op: FilterOp;
  value: string;
}

const isBound = (op: FilterOp): op is '≥' | '≤' => op === '≥' || op === '≤';

/** What was typed, as the store compares it: a number where it reads as one, else the trimmed text. */
export function filterValue(s: string): string | number {
  const t = s.trim();
  return t !== '' && Number.isFinite(Number(t)) ? Number(t) : t;
}

/** The rows as the store's filters: `=` a value, `in` a list, `≥`/`≤` one range per field. */
export function filterRecord(filters: readonly FieldFilter[]): Record<string, FilterValue> {
  const out: Record<string, FilterValue> = {};
  for (const f of filters) {
    const prev = out[f.field];
    if (f.op === '=') out[f.field] = filterValue(f.value);
    else if (f.op === 'in') out[f.field] = f.value.split(',').map((v) => filterValue(v)).filter((v) => v !== '');
    else {
      const range = prev && typeof prev === 'object' && !Array.isArray(prev) ? { ...prev } : {};
      if (f.op === '≥') range.min = Number(f.value);
      else range.max = Number(f.value);
      out[f.field] = range;
    }
  }
  return out;
}

/**
 * The list with `added` in it: it replaces a row of the same field that it would contradict (the
 * same operator, or either one not a bound), so `depth ≥ 2` and `depth ≤ 6` stay together.
 * Null when nothing was typed; an error when a bound is not a number.
 */
export function withFilter(filters: readonly FieldFilter[], added: FieldFilter): { ok: true; filters: FieldFilter[] } | { ok: false; error: string } | null {
  if (!added.value.trim()) return null;
  if (isBound(added.op) && !Number.isFinite(Number(added.value))) return { ok: false, error: `${added.op} needs a number` };
  const kept = filters.filter((f) => !(f.field === added.field && (f.op === added.op || !isBound(f.op) || !isBound(added.op))));
  return { ok: true, filters: [...kept, { ...added }] };
}

export const filterLabel = (f: FieldFilter): string => `${f.field} ${f.op} ${f.value}`;
