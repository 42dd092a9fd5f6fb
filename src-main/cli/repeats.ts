import { openEngine } from '../app/engine.js';
import { parseSeedList, repeatName, repeatSeeds, withSeeds } from '../../src-shared/groups.js';
import { meanInterval, summarize } from '../../src-shared/stats.js';
import { pct } from '../report/format.js';
import type { RunConfig } from '../vit/config.js';
import { numberFlag, UsageError, type FlagValues } from './args.js';
import { describeModel } from './cost.js';
import { watchRuns } from './watch.js';

/** `--repeats N` or `--seeds 0,1,2`: the same config trained once per seed (train and sweep). */
export const REPEAT_FLAGS = { repeats: { type: 'string' as const }, seeds: { type: 'string' as const } };

/** The seeds the flags ask for, or null when they ask for no repeats. Usage errors name the flag. */
export function seedsFromFlags(values: FlagValues, first: number): number[] | null {
  const repeats = values.repeats as string | undefined;
  const seeds = values.seeds as string | undefined;
  if (repeats === undefined && seeds === undefined) return null;
  if (repeats !== undefined && seeds !== undefined) throw new UsageError('give --repeats or --seeds, not both');
  try {
    return seeds !== undefined ? parseSeedList(seeds) : repeatSeeds({ repeats: numberFlag('repeats', repeats), first });
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`--${seeds !== undefined ? 'seeds' : 'repeats'}: ${(e as Error).message}`);
  }
}

/** One line per figure: n, mean ± std, min–max and the 95 % interval of the test accuracies. */
export function groupSummaryText(accs: readonly (number | null)[]): string {
  const s = summarize(accs);
  if (!s) return 'no run finished with a test accuracy';
  const ci = meanInterval(s);
  return [
    `test accuracy over ${s.n} seed${s.n === 1 ? '' : 's'}: mean ${pct(s.mean)}${s.std !== null ? ` ± ${(100 * s.std).toFixed(2)} (std)` : ''}`,
    `  min–max ${pct(s.min)} – ${pct(s.max)}${ci ? `; 95 % interval of the mean ${pct(ci.low)} – ${pct(ci.high)} (t, ${ci.df} df)` : ''}`,
  ].join('\n');
}

/** Trains the repeats of `config` in this process and prints the group's figures. */
export async function runRepeats(values: FlagValues, seeds: number[], config: RunConfig, print: (s: string) => void): Promise<number> {
  const json = Boolean(values.json);
  const engine = openEngine({ dbPath: values.db as string | undefined, dataDir: values.data as string | undefined, drainQueue: false });
  try {
    engine.supervisor.start();
    const ids = withSeeds(config, seeds).map((c) => engine.supervisor.enqueue(c, { name: repeatName(values.name as string | undefined, c.seed, seeds.length) }));
    if (!json) process.stderr.write(`${ids.length} repeats of ${describeModel(config)}, seeds ${seeds.join(', ')}\n`);
    const statuses = await watchRuns(engine, ids, { quiet: json });
    const runs = ids.map((id) => engine.store.get(id));
    const accs = runs.map((r) => (r.status === 'completed' ? r.testAcc : null));
    if (json) print(JSON.stringify({ runIds: ids, runs: runs.map((r) => ({ id: r.id, seed: r.config.seed, status: r.status, testAcc: r.testAcc, testLoss: r.testLoss })), accuracy: summarize(accs) }, null, 2));
    else print(groupSummaryText(accs));
    const done = [...statuses.values()].filter((s) => s === 'completed').length;
    return done === ids.length ? 0 : [...statuses.values()].includes('cancelled') ? 130 : 1;
  } finally {
    await engine.close();
  }
}
