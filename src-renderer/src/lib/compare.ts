/**
 * Pure helpers of the compare view (no Svelte, no DOM): which config fields differ, effect
 * groups (mean and spread of accuracy per value of a field), deltas against a baseline.
 */

import { meanInterval, summarize, type Interval } from '../../../src-shared/stats.js';

export interface CompareRun {
  id: string;
  name: string;
  config: Record<string, unknown>;
  testAcc: number | null;
  params: number;
  macsPerImage: number;
}

/** Fields whose value is not the same in every run (in the given field order). */
export function differingFields(runs: readonly CompareRun[], fields: readonly string[]): string[] {
  if (runs.length < 2) return [];
  return fields.filter((f) => {
    const first = JSON.stringify(runs[0]!.config[f]);
    return runs.some((r) => JSON.stringify(r.config[f]) !== first);
  });
}

/** A config value's identity: by content, a missing value the same as null. */
const keyOf = (v: unknown): string => JSON.stringify(v ?? null);
/** How a value is shown: numbers and strings as they are, anything else as text ("null", "true"). */
const labelOf = (v: unknown): string | number => (typeof v === 'number' || typeof v === 'string' ? v : String(v ?? null));

/** Distinct values of a field with their keys, numbers ascending, then strings. */
function distinct(runs: readonly CompareRun[], field: string): { key: string; value: string | number }[] {
  const byKey = new Map<string, string | number>();
  for (const r of runs) byKey.set(keyOf(r.config[field]), labelOf(r.config[field]));
  return [...byKey.entries()]
    .map(([key, value]) => ({ key, value }))
    .sort(({ value: a }, { value: b }) =>
      typeof a === 'number' && typeof b === 'number' ? a - b : typeof a === 'number' ? -1 : typeof b === 'number' ? 1 : String(a).localeCompare(String(b)),
    );
}

/** Distinct values of a field, numbers ascending, then strings. */
export function distinctValues(runs: readonly CompareRun[], field: string): (string | number)[] {
  return distinct(runs, field).map((d) => d.value);
}

export interface EffectGroup {
  value: string | number;
  n: number;
  /** Runs with an accuracy. */
  nAcc: number;
  meanAcc: number | null;
  minAcc: number | null;
  maxAcc: number | null;
  sdAcc: number | null;
  /** 95 % t interval of the mean accuracy (src-shared/stats.ts), null below two runs. */
  ciAcc: Interval | null;
  meanMacs: number;
  meanParams: number;
}

/** Accuracy per value of `field`: mean over the runs (seeds) that share it, with min, max and SD. */
export function effectGroups(runs: readonly CompareRun[], field: string): EffectGroup[] {
  // Grouped by the same key distinctValues uses, so every run lands in exactly one group (a
  // number 4 and a string "4" are two groups; a missing value and null are one).
  return distinct(runs, field).map(({ key, value }) => {
    const rs = runs.filter((r) => keyOf(r.config[field]) === key);
    // The same statistics as the group views and the reports.
    const s = summarize(rs.map((r) => r.testAcc));
    return {
      value,
      n: rs.length,
      nAcc: s?.n ?? 0,
      meanAcc: s?.mean ?? null,
      minAcc: s?.min ?? null,
      maxAcc: s?.max ?? null,
      sdAcc: s?.std ?? null,
      ciAcc: s ? meanInterval(s) : null,
      meanMacs: rs.reduce((s, r) => s + r.macsPerImage, 0) / Math.max(1, rs.length),
      meanParams: rs.reduce((s, r) => s + r.params, 0) / Math.max(1, rs.length),
    };
  });
}

export interface Delta {
  id: string;
  /** Percentage points as a fraction (0.0123 = +1.23 pt); null without both accuracies. */
  dAcc: number | null;
  xParams: number | null;
  xMacs: number | null;
}

export function deltaAgainst(run: CompareRun, base: CompareRun | undefined): Delta {
  if (!base) return { id: run.id, dAcc: null, xParams: null, xMacs: null };
  return {
    id: run.id,
    dAcc: run.testAcc != null && base.testAcc != null ? run.testAcc - base.testAcc : null,
    xParams: base.params > 0 ? run.params / base.params : null,
    xMacs: base.macsPerImage > 0 ? run.macsPerImage / base.macsPerImage : null,
  };
}
