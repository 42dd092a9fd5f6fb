import { validateRun } from '../runs/admission.js';
import { compact, pct } from '../report/format.js';
import { evalResultOf, resultBlock } from '../report/result-block.js';
import { parseGridValues, planSweep, sweepRunName, type SweepGrid } from '../runs/sweep.js';
import { gridWithSeeds } from '../../src-shared/groups.js';
import { groupsText, REPEAT_FLAGS, seedsFromFlags } from './repeats.js';
import { RUN_STATUSES } from '../api/contract.js';
import type { GroupSortField, RunStatus, SortField } from '../store/types.js';
import { computeCost } from '../vit/cost.js';
import { modelSummary } from '../vit/summary.js';
import { CONFIG_FLAGS, configFromFlags, numberFlag, parseFlags, UsageError } from './args.js';
import { costText, describeModel } from './cost.js';
import { STORE_FLAGS, storeFromFlags, withEngine, withReadStore } from './open.js';
import { textTable } from './table.js';
import { DB_FLAGS } from './train.js';
import { watchRuns } from './watch.js';
import { openStore } from '../store/open-store.js';
import { sharedQueue } from '../app/services/run-queue.js';
import { deleteRuns } from '../app/services/runs.js';


export const LS_USAGE = `vitlab ls [--store URL|PATH] [--sort FIELD] [--asc] [--status S[,S]] [--search TEXT] [--limit N] [--groups] [--json]
  Lists stored runs, newest first unless --sort names a field (testAcc, params, macsPerImage, depth, …).
  --groups: one line per config (runs equal but for the seed) with n, test accuracy mean ± std,
  min–max and 95 % interval, best mean first (--sort n, testAccStd, testLoss, params, … for others).`;

export async function runLs(argv: string[], print: (s: string) => void): Promise<number> {
  const { values } = parseFlags(
    argv,
    { ...DB_FLAGS, ...STORE_FLAGS, sort: { type: 'string' }, asc: { type: 'boolean' }, status: { type: 'string' }, search: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' }, groups: { type: 'boolean' } },
    { configFlags: false },
  );
  if (values.help) {
    print(LS_USAGE);
    return 0;
  }
  const status = (values.status as string | undefined)?.split(',').map((s) => s.trim());
  for (const s of status ?? []) if (!RUN_STATUSES.includes(s as RunStatus)) throw new UsageError(`--status: "${s}" is not one of ${RUN_STATUSES.join(', ')}`);
  return withReadStore(storeFromFlags(values), async (store, where) => {
    // The same run filters and page for the run list and the grouped list.
    const query = {
      status: status as RunStatus[] | undefined,
      search: values.search as string | undefined,
      dir: values.asc ? ('asc' as const) : ('desc' as const),
      limit: numberFlag('limit', values.limit as string | undefined) ?? 1000,
    };
    const sort = values.sort as string | undefined;
    if (values.groups) {
      const groups = await store.listGroups({ ...query, sort: (sort ?? 'testAcc') as GroupSortField });
      print(values.json ? JSON.stringify(groups, null, 2) : groupsText(groups, where));
      return 0;
    }
    const result = await store.list({ ...query, sort: (sort ?? 'createdAt') as SortField });
    if (values.json) {
      print(JSON.stringify(result, null, 2));
      return 0;
    }
    if (result.rows.length === 0) {
      print(`no runs in ${where}`);
      return 0;
    }
    print(
      textTable(
        ['id', 'name', 'status', 'depth', 'heads', 'patch', 'dim', 'epochs', 'params', 'MACs/image', 'test acc', 'created'],
        result.rows.map((r) => [
          r.id,
          r.name,
          r.status,
          String(r.config.depth),
          String(r.config.heads),
          String(r.config.patch),
          String(r.config.dim),
          `${r.epochsDone}/${r.config.epochs}`,
          r.params,
          r.macsPerImage,
          pct(r.testAcc),
          r.createdAt.slice(0, 16).replace('T', ' '),
        ]),
        { right: [false, false, false, true, true, true, true, true, true, true, true, false] },
      ),
    );
    if (result.total > result.rows.length) print(`(${result.rows.length} of ${result.total} shown)`);
    return 0;
  });
}

export const SHOW_USAGE = `vitlab show ID [--store URL|PATH] [--json]
  Everything stored about a run: config, environment, per-epoch metrics, result block, cost.`;

export async function runShow(argv: string[], print: (s: string) => void): Promise<number> {
  const { values, positionals } = parseFlags(argv, { ...DB_FLAGS, ...STORE_FLAGS, json: { type: 'boolean' } }, { positionals: true, configFlags: false });
  if (values.help) {
    print(SHOW_USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('give exactly one run id');
  return withReadStore(storeFromFlags(values), async (store) => {
    const run = await store.get(positionals[0]);
    if (values.json) {
      print(JSON.stringify(run, null, 2));
      return 0;
    }
    const out: string[] = [];
    out.push(`run ${run.id}: ${run.name}`, `status ${run.status}${run.error ? ` (${run.error})` : ''}`, describeModel(run.config));
    out.push(`recipe ${run.config.recipe}, epochs ${run.epochsDone}/${run.config.epochs}, batch ${run.config.batch}, lr ${run.config.lr}, seed ${run.config.seed}, dataset ${run.config.dataset}`);
    if (run.backend) {
      const versions = Object.entries(run.versions ?? {}).map(([k, v]) => `${k} ${v}`).join(', ');
      out.push(`backend ${run.backend}; ${versions}${run.machine ? `; ${run.machine.cpus} × ${run.machine.cpuModel}` : ''}`);
    }
    out.push(`created ${run.createdAt}${run.startedAt ? `, started ${run.startedAt}` : ''}${run.finishedAt ? `, finished ${run.finishedAt}` : ''}`);
    if (run.tags.length) out.push(`tags: ${run.tags.join(', ')}`);
    if (run.notes) out.push(`notes: ${run.notes}`);
    if (run.epochs.length) {
      out.push(
        '',
        textTable(
          ['epoch', 'train loss', 'train acc', 'test loss', 'test acc', 'seconds', 'samples/s'],
          run.epochs.map((e) => [String(e.epoch), e.trainLoss?.toFixed(4) ?? 'NaN', pct(e.trainAcc), e.testLoss?.toFixed(4) ?? 'NaN', pct(e.testAcc), e.seconds.toFixed(1), e.samplesPerSec.toFixed(1)]),
          { right: [true, true, true, true, true, true, true] },
        ),
      );
    }
    const result = evalResultOf(run);
    if (result) out.push('', 'Training result:', '', resultBlock(result));
    out.push('', 'Model:', '', modelSummary(run.config), '', costText(run.config, run.cost ?? computeCost(run.config, run.config.batch)));
    print(out.join('\n'));
    return 0;
  });
}

export const RM_USAGE = `vitlab rm ID... [--db PATH]
  Deletes runs: their rows and their checkpoint files together.`;

export async function runRm(argv: string[], print: (s: string) => void): Promise<number> {
  const { values, positionals } = parseFlags(argv, { ...DB_FLAGS }, { positionals: true, configFlags: false });
  if (values.help) {
    print(RM_USAGE);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('give at least one run id');
  return withEngine({ dbPath: values.db as string | undefined, create: false }, async (engine) => {
    const deleted = await deleteRuns(engine.supervisor, positionals);
    print(`deleted ${deleted.join(', ')}`);
    return 0;
  });
}

export const RESUME_USAGE = `vitlab resume ID [--db PATH] [--data DIR]
  Continues an interrupted, failed or cancelled run from its last checkpoint, in this process.`;

export async function runResume(argv: string[], print: (s: string) => void): Promise<number> {
  const { values, positionals } = parseFlags(argv, { ...DB_FLAGS }, { positionals: true, configFlags: false });
  if (values.help) {
    print(RESUME_USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('give exactly one run id');
  return withEngine({ dbPath: values.db as string | undefined, dataDir: values.data as string | undefined, drainQueue: false, create: false }, async (engine) => {
    engine.supervisor.start();
    const id = positionals[0];
    const before = engine.store.get(id);
    engine.supervisor.resume(id);
    process.stderr.write(`resuming run ${id} after epoch ${before.epochsDone} of ${before.config.epochs}\n`);
    const status = (await watchRuns(engine, [id])).get(id);
    const run = engine.store.get(id);
    const result = evalResultOf(run);
    if (status === 'completed' && result) print(`\nTraining result:\n\n${resultBlock(result)}`);
    return status === 'completed' ? 0 : 1;
  });
}

export const SWEEP_USAGE = `vitlab sweep [--preset NAME] [--FIELD v1,v2,...]... [--repeats N | --seeds 0,1,2] [--name NAME] [--queue-only] [--db PATH | --store URL|PATH] [--data DIR] [--json]
  Expands a grid over config fields (e.g. --depth 2,4,6 --heads 2,4 --patch 4,7) into queued runs
  sharing a sweep id, lists the combinations the config rules refuse, then trains the queue
  (unless --queue-only; \`vitlab queue\` or the app picks queued runs up later). --repeats N (or
  --seeds) trains every combination once per seed, the repeats of a combination one after another.
  --store (with --queue-only): queues into that store, e.g. a shared PostgreSQL one that
  \`vitlab agent\` processes drain.`;

export async function runSweep(argv: string[], print: (s: string) => void): Promise<number> {
  const { values } = parseFlags(argv, { ...DB_FLAGS, ...STORE_FLAGS, ...REPEAT_FLAGS, preset: { type: 'string' }, name: { type: 'string' }, 'queue-only': { type: 'boolean' }, json: { type: 'boolean' } });
  if (values.help) {
    print(SWEEP_USAGE);
    return 0;
  }
  let grid: SweepGrid = {};
  const single: Record<string, unknown> = { preset: values.preset };
  for (const [flag, key] of Object.entries(CONFIG_FLAGS)) {
    const raw = values[flag] as string | undefined;
    if (raw === undefined) continue;
    const list = parseGridValues(raw);
    if (list.length > 1) grid[key] = list;
    else single[flag] = raw;
  }
  const base = configFromFlags(single);
  const seeds = seedsFromFlags(values, base.seed);
  if (seeds) {
    if (Object.hasOwn(grid, 'seed')) throw new UsageError('--seed lists seeds already: give --repeats/--seeds or a --seed list, not both');
    grid = gridWithSeeds(grid, seeds);
  }
  if (Object.keys(grid).length === 0) throw new UsageError('a sweep needs at least one field with several values, e.g. --depth 2,4,6 (or --repeats N)');
  const plan = planSweep(base, grid, { validate: (c) => validateRun(c, { dataDir: values.data as string | undefined }) });
  for (const s of plan.skipped) process.stderr.write(`skipped ${sweepRunName(s.values)}: ${s.issues.map((i) => `${i.field}: ${i.message}`).join('; ')}\n`);
  if (plan.runs.length === 0) throw new Error('sweep: no valid combination to run');
  if (values.store !== undefined) {
    // Agents train what is queued in a store; this process only queues (the local supervisor trains SQLite runs).
    if (!values['queue-only']) throw new UsageError('--store queues the sweep for `vitlab agent` processes: add --queue-only (or use --db to train it here)');
    const location = storeFromFlags(values);
    const store = await openStore(location);
    try {
      const { sweepId, runIds: ids } = await sharedQueue(store, values.data as string | undefined).queueSweep(plan, { name: values.name as string | undefined, grid, base });
      process.stderr.write(`sweep ${sweepId}: ${ids.length} runs queued in ${store.describe()}, ${plan.skipped.length} skipped\n`);
      print(values.json ? JSON.stringify({ sweepId, runIds: ids, skipped: plan.skipped }, null, 2) : ids.join('\n'));
      return 0;
    } finally {
      await store.close();
    }
  }
  return withEngine({ dbPath: values.db as string | undefined, dataDir: values.data as string | undefined, drainQueue: false }, async (engine) => {
    const { sweepId, runIds: ids } = engine.supervisor.queueSweep(plan, { name: values.name as string | undefined, grid, base });
    process.stderr.write(
      `sweep ${sweepId}: ${ids.length} runs queued, ${plan.skipped.length} skipped; ${compact(plan.totalTrainingMacs)}MACs of training (forward passes)\n`,
    );
    if (values['queue-only']) {
      print(values.json ? JSON.stringify({ sweepId, runIds: ids, skipped: plan.skipped }, null, 2) : ids.join('\n'));
      return 0;
    }
    engine.supervisor.start();
    const statuses = await watchRuns(engine, ids);
    const done = [...statuses.values()].filter((s) => s === 'completed').length;
    print(values.json ? JSON.stringify({ sweepId, runIds: ids, statuses: Object.fromEntries(statuses) }, null, 2) : `sweep ${sweepId}: ${done}/${ids.length} runs completed`);
    return done === ids.length ? 0 : 1;
  });
}

export const QUEUE_USAGE = `vitlab queue [--db PATH] [--data DIR] [--concurrency N]
  Trains every queued run (e.g. a sweep queued with --queue-only, or left by a closed app) until the queue is empty.`;

export async function runQueue(argv: string[], print: (s: string) => void): Promise<number> {
  const { values } = parseFlags(argv, { ...DB_FLAGS, concurrency: { type: 'string' } }, { configFlags: false });
  if (values.help) {
    print(QUEUE_USAGE);
    return 0;
  }
  const concurrency = numberFlag('concurrency', values.concurrency as string | undefined) ?? 1;
  return withEngine({ dbPath: values.db as string | undefined, dataDir: values.data as string | undefined, concurrency }, async (engine) => {
    const ids = engine.store.listQueued().map((r) => r.id);
    if (ids.length === 0) {
      print('the queue is empty');
      return 0;
    }
    process.stderr.write(`${ids.length} queued run(s)\n`);
    engine.supervisor.start();
    const statuses = await watchRuns(engine, ids);
    const done = [...statuses.values()].filter((s) => s === 'completed').length;
    print(`${done}/${ids.length} runs completed`);
    return done === ids.length ? 0 : 1;
  });
}
