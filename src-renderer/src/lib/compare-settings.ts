/**
 * The compare view's display settings: those saved with a comparison, else defaults chosen from
 * the runs (what to colour by, whether the cost axis is logarithmic, which field's effect to show,
 * the baseline). Pure: unit-tested from test/unit/compare-settings.test.ts.
 */

import { FIELDS } from '../../../src-shared/fields.js';
import { differingFields, type CompareRun } from './compare.js';
import { FIELD_KEYS, fieldSpec } from './fields.js';

export interface CompareSettings {
  colourBy: string;
  logAxis: boolean;
  onlyDiffers: boolean;
  effectField: string;
}

/** Fields worth colouring by first (the model's shape), then worth showing the effect of. */
const COLOUR_FIRST = ['depth', 'heads', 'patch', 'dim', 'mlp'];
const EFFECT_FIRST = ['depth', 'heads', 'patch'];
/** Costs spanning more than this factor read better on a log axis. */
const LOG_AXIS_SPAN = 8;

/** Saved settings where they are of the right type; otherwise defaults for these runs (`onlyDiffers` kept as it is). */
export function settingsFor(runs: readonly CompareRun[], saved: Record<string, unknown>, onlyDiffers: boolean): CompareSettings {
  const diff = differingFields(runs, FIELD_KEYS);
  const numericDiff = diff.filter((f) => fieldSpec(f)?.kind !== 'enum');
  const ps = runs.map((r) => r.params).filter((p) => p > 0);
  return {
    colourBy: typeof saved.colourBy === 'string' ? saved.colourBy : (diff.find((f) => COLOUR_FIRST.includes(f)) ?? diff[0] ?? 'status'),
    logAxis: typeof saved.logAxis === 'boolean' ? saved.logAxis : ps.length > 1 && Math.max(...ps) / Math.min(...ps) > LOG_AXIS_SPAN,
    onlyDiffers: typeof saved.onlyDiffers === 'boolean' ? saved.onlyDiffers : onlyDiffers,
    effectField: typeof saved.effectField === 'string' ? saved.effectField : (numericDiff.find((f) => EFFECT_FIRST.includes(f)) ?? numericDiff[0] ?? ''),
  };
}

/** The seed report's model shape (the registry's defaults): the natural baseline when a run has it. */
const SEED_SHAPE = (['patch', 'dim', 'depth', 'heads', 'mlp'] as const).map((k) => [k, FIELDS[k].default] as const);

/** The baseline: the current one while it is among the runs; else a finished run of the seed's shape, else the first finished run, else the first. */
export function baselineFor(runs: readonly CompareRun[], current: string): string {
  if (current && runs.some((r) => r.id === current)) return current;
  const seed = runs.find((r) => SEED_SHAPE.every(([k, v]) => r.config[k] === v) && r.testAcc != null);
  return seed?.id ?? runs.find((r) => r.testAcc != null)?.id ?? runs[0]?.id ?? '';
}
