import { openEngine } from '../app/engine.js';
import { localQueue } from '../app/services/run-queue.js';
import { startRuns } from '../app/services/runs.js';
import { parseSeedList, repeatSeeds } from '../../src-shared/groups.js';
import { meanInterval, summarize } from '../../src-shared/stats.js';
import { pct } from '../report/format.js';
import type { RunConfig } from '../vit/config.js';
import { numberFlag, UsageError, type FlagValues } from './args.js';
import type { GroupListResult } from '../store/types.js';
import { describeModel } from './cost.js';
import { textTable } from './table.js';
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
    const ids = await startRuns(localQueue(engine.supervisor), { config, seeds, name: values.name as string | undefined });
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

const pt = (x: number) => (100 * x).toFixed(2);

/** Every field but the seed, short: a group is all of them. */
function groupConfigText(c: RunConfig): string {
  const limits = c.limitTrain || c.limitTest ? ` · ${c.limitTrain || 'all'}/${c.limitTest || 'all'} images` : '';
  return `${c.dataset} L${c.depth} d${c.dim} h${c.heads} p${c.patch} mlp${c.mlp} ${c.activation} drop${c.dropout} · ${c.recipe} ${c.epochs}ep b${c.batch} lr${c.lr} ${c.backend}${limits}`;
}

/** `vitlab ls --groups`: one line per group with n, mean ± std, min–max and the 95 % interval. */
export function groupsText(r: GroupListResult, dbPath: string): string {
  if (r.groups.length === 0) return `no runs in ${dbPath}`;
  const table = textTable(
    ['n', 'done', 'test acc mean ± std', 'min–max', '95 % CI', 'loss mean', 'params', 'MACs/image', 'config', 'seeds'],
    r.groups.map((g) => {
      const a = g.testAcc;
      const ci = a ? meanInterval(a) : null;
      return [
        g.n,
        a?.n ?? 0,
        a ? `${pct(a.mean)}${a.std !== null ? ` ± ${pt(a.std)}` : ''}` : '—',
        a ? `${pt(a.min)}–${pt(a.max)}` : '—',
        ci ? `${pt(ci.low)}–${pt(ci.high)}` : '—',
        g.testLoss ? g.testLoss.mean.toFixed(4) : '—',
        g.params,
        g.macsPerImage,
        groupConfigText(g.config),
        g.seeds.slice(0, 10).join(',') + (g.seeds.length > 10 ? ',…' : ''),
      ];
    }),
    { right: [true, true, true, true, true, true, true, true, false, false] },
  );
  const more = r.total > r.groups.length ? `\n(${r.groups.length} of ${r.total} groups shown)` : '';
  return `${table}\nstd: sample standard deviation over seeds; 95 % CI: Student's t interval of the mean; over completed runs.${more}`;
}
