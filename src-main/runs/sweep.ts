import { DomainError } from '../../src-shared/errors.js';
import { MODEL_KEYS, TRAIN_KEYS, validateConfig, type RunConfig } from '../vit/config.js';
import { computeCost } from '../vit/cost.js';

/** Values per config field, e.g. { depth: [2, 4, 6], heads: [2, 4], patch: [4, 7] }. */
export type SweepGrid = Partial<Record<keyof RunConfig, (string | number)[]>>;

export interface SweepPlan {
  /** Valid combinations, in grid order, each a full config. */
  runs: { values: Partial<RunConfig>; config: RunConfig; macsPerImage: number; params: number }[];
  /** Combinations the config rules refuse, with why: listed, never silently dropped. */
  skipped: { values: Partial<RunConfig>; issues: { field: string; message: string }[] }[];
  totalMacsPerImage: number;
  /** MACs of all training steps of all valid runs (forward only, per the cost convention). */
  totalTrainingMacs: number;
}

const SWEEPABLE = new Set<string>([...MODEL_KEYS, ...TRAIN_KEYS]);
export const MAX_SWEEP_RUNS = 1000;

/**
 * Expands a grid over a base config (cartesian product, first field varying slowest). Each
 * combination passes `validate`: the config rules by default; the callers that queue runs pass
 * the whole run validation (runs/admission.ts validateRun: data set, this machine's memory), so
 * that what is planned is what enqueue accepts. Injected, so that this module stays pure (the
 * dashboard's type check reads it through the contract).
 */
export function planSweep(
  base: RunConfig,
  grid: SweepGrid,
  opts: { trainSize?: number; validate?: (input: unknown) => ReturnType<typeof validateConfig> } = {},
): SweepPlan {
  const trainSize = opts.trainSize ?? 60_000;
  const validate = opts.validate ?? validateConfig;
  const fields = Object.entries(grid).filter(([, vs]) => vs && vs.length > 0) as [keyof RunConfig, (string | number)[]][];
  for (const [f] of fields) if (!SWEEPABLE.has(f)) throw new DomainError('invalid_input', `sweep: "${f}" is not a config field`);
  const count = fields.reduce((n, [, vs]) => n * vs.length, 1);
  if (count > MAX_SWEEP_RUNS) throw new DomainError('invalid_input', `sweep: ${count} combinations is more than the ${MAX_SWEEP_RUNS} a sweep may queue`);
  const plan: SweepPlan = { runs: [], skipped: [], totalMacsPerImage: 0, totalTrainingMacs: 0 };
  const combos: Partial<RunConfig>[] = [{}];
  for (const [f, vs] of fields) {
    const next: Partial<RunConfig>[] = [];
    for (const c of combos) for (const v of vs) next.push({ ...c, [f]: v });
    combos.splice(0, combos.length, ...next);
  }
  for (const values of combos) {
    const r = validate({ ...base, ...values });
    if (!r.ok) {
      plan.skipped.push({ values, issues: r.issues });
      continue;
    }
    const cost = computeCost(r.config, 1);
    const samples = (r.config.limitTrain || trainSize) * r.config.epochs;
    plan.runs.push({ values, config: r.config, macsPerImage: cost.macs.perImage, params: cost.params.total });
    plan.totalMacsPerImage += cost.macs.perImage;
    plan.totalTrainingMacs += cost.macs.perImage * samples;
  }
  return plan;
}

/** A readable run name from the swept values, e.g. "depth=2 heads=4 patch=7". */
export function sweepRunName(values: Partial<RunConfig>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

export { parseGridValues } from '../../src-shared/grid-values.js';

/** A sweep's name when none is given: when it was queued, to the minute. */
export function defaultSweepName(now = new Date()): string {
  return `sweep ${now.toISOString().slice(0, 16)}`;
}
