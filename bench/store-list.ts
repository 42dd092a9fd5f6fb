/**
 * How fast the runs table pages: 10,000 generated runs (varied configs, 5–30 epochs each, final
 * results for the finished ones) in a temporary database, then the median time of each query the
 * dashboard's table makes. Target: under 20 ms for a page.
 *
 *   npx tsx bench/store-list.ts [--runs 10000] [--reps 40]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src-main/store/db.js';
import { RunStore } from '../src-main/store/runs.js';
import type { FinalStatus, ListQuery } from '../src-main/store/types.js';
import type { RunEnvironment } from '../src-main/train/messages.js';
import { SEED_CONFIG, validateConfig, type RunConfig } from '../src-main/vit/config.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10000' }, reps: { type: 'string', default: '40' } } });
const RUNS = Number(values.runs);
const REPS = Number(values.reps);

// A seeded generator: the same database every time, so figures compare across machines and commits.
let state = 0x9e3779b9;
function rand(): number {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) / 2 ** 32;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];

function candidateConfig(): RunConfig {
  const dataset = rand() < 0.85 ? 'fashion-mnist' : 'mnist';
  const patch = pick([4, 7, 14]);
  const heads = pick([1, 2, 4, 8]);
  const dim = heads * pick([8, 16, 24, 32]);
  return {
    ...SEED_CONFIG,
    dataset,
    patch,
    dim,
    heads,
    depth: pick([1, 2, 4, 6, 8]),
    mlp: dim * pick([2, 4]),
    activation: rand() < 0.5 ? 'relu' : 'gelu',
    dropout: pick([0, 0, 0.1]),
    epochs: pick([5, 10, 10, 20, 30]),
    batch: pick([64, 100, 128, 256]),
    lr: pick([3e-4, 1e-3, 2e-3]),
    recipe: rand() < 0.6 ? 'seed' : 'improved',
    seed: Math.floor(rand() * 1000),
  };
}

/** Some combinations would not fit in memory; the app refuses those, so the bench never has them. */
function randomConfig(): RunConfig {
  for (;;) {
    const c = candidateConfig();
    if (validateConfig(c).ok) return c;
  }
}

const ENV: RunEnvironment = {
  backend: 'wasm',
  versions: { node: process.versions.node, tfjs: '4.22.0' },
  machine: { platform: 'linux', arch: 'x64', cpus: 2, cpuModel: 'bench', memoryGiB: 8, hostname: 'bench' },
};

const dir = mkdtempSync(join(tmpdir(), 'vitlab-bench-'));
const dbPath = join(dir, 'bench.db');
try {
  // A year of runs, a few minutes apart, written through the real repository.
  let clock = Date.parse('2025-06-01T00:00:00Z');
  const store = new RunStore(openDatabase(dbPath), { now: () => new Date(clock) });
  const t0 = performance.now();
  let epochRows = 0;
  store.transaction(() => {
    let sweepId: string | undefined;
    for (let i = 0; i < RUNS; i++) {
      clock += Math.floor(rand() * 6 * 60_000);
      if (i % 40 === 0) sweepId = rand() < 0.5 ? store.createSweep({ grid: { depth: [2, 4, 6] } }) : undefined;
      const config = randomConfig();
      const name = `${sweepId ? 'sweep' : pick(['baseline', 'ablation', 'try', 'seed repro', 'wide'])} L${config.depth} h${config.heads} p${config.patch} d${config.dim} #${i}`;
      const id = store.createRun({ name, config, sweepId, tags: rand() < 0.2 ? [pick(['keeper', 'paper', 'gelu', 'bug'])] : [] });
      if (i >= RUNS - 3) continue; // the newest few are still queued
      store.markStarted(id, ENV);
      const outcome = rand();
      const status: FinalStatus = outcome < 0.8 ? 'completed' : outcome < 0.9 ? 'failed' : outcome < 0.96 ? 'cancelled' : 'interrupted';
      const epochs = status === 'completed' ? config.epochs : 1 + Math.floor(rand() * config.epochs);
      const ceiling = 0.82 + rand() * 0.09;
      for (let e = 1; e <= epochs; e++) {
        clock += 1000;
        const acc = ceiling * (1 - Math.exp(-e / 2.5));
        store.addEpoch(id, { epoch: e, trainLoss: 1.5 / e, trainAcc: Math.min(1, acc + 0.02), testLoss: 1.4 / e, testAcc: acc, seconds: 30, samplesPerSec: 150, lr: config.lr });
        epochRows++;
      }
      if (status === 'completed') {
        const perClass = Array.from({ length: 10 }, () => {
          const total = 1000;
          return { correct: Math.floor(total * Math.min(1, ceiling + (rand() - 0.5) * 0.2)), total };
        });
        const correct = perClass.reduce((s, c) => s + c.correct, 0);
        const confusion = perClass.map((c, k) => Array.from({ length: 10 }, (_, j) => (j === k ? c.correct : Math.floor((c.total - c.correct) / 9))));
        store.setResult(id, { testLoss: 0.35, correct, total: 10_000, perClass, confusion });
        store.addCheckpoint(id, epochs, join(dir, 'ckpt', id, `epoch-${epochs}`));
      }
      store.finish(id, status, status === 'failed' ? 'out of memory' : undefined);
    }
  });
  const buildMs = performance.now() - t0;
  const someId = store.list({ sort: 'testAcc', limit: 1 }).rows[0].id;

  const cases: [string, () => unknown][] = [
    ['page 1, newest first', () => store.list({ sort: 'createdAt', dir: 'desc', limit: 50 })],
    ['page 1, best test acc', () => store.list({ sort: 'testAcc', dir: 'desc', limit: 50 })],
    ['page 1, worst test acc (nulls last)', () => store.list({ sort: 'testAcc', dir: 'asc', limit: 50 })],
    ['page 1, fewest params', () => store.list({ sort: 'params', dir: 'asc', limit: 50 })],
    ['page 1, most MACs/image', () => store.list({ sort: 'macsPerImage', dir: 'desc', limit: 50 })],
    ['page 1, by name', () => store.list({ sort: 'name', dir: 'asc', limit: 50 })],
    ['page 100 (offset 4950), newest', () => store.list({ sort: 'createdAt', limit: 50, offset: 4950 })],
    ['status = failed, newest', () => store.list({ status: 'failed', limit: 50 })],
    ['status = failed, best acc', () => store.list({ status: 'failed', sort: 'testAcc', limit: 50 })],
    ['search name "ablation"', () => store.list({ search: 'ablation', limit: 50 })],
    ['search tag "keeper", best acc', () => store.list({ search: 'keeper', sort: 'testAcc', limit: 50 })],
    ['depth 4 & patch 7, best acc', () => store.list({ filters: { depth: 4, patch: 7 }, sort: 'testAcc', limit: 50 } satisfies ListQuery)],
    ['count (all runs)', () => store.db.prepare('SELECT count(*) FROM runs').pluck().get()],
    ['get(id) full detail', () => store.get(someId)],
  ];

  const rows: [string, string, string, string][] = [];
  for (const [label, fn] of cases) {
    for (let i = 0; i < 3; i++) fn(); // prepared, cached, warm
    const times: number[] = [];
    for (let i = 0; i < REPS; i++) {
      const s = performance.now();
      fn();
      times.push(performance.now() - s);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)];
    const p95 = times[Math.min(times.length - 1, Math.floor(times.length * 0.95))];
    rows.push([label, median.toFixed(2), p95.toFixed(2), median < 20 ? 'ok' : 'SLOW']);
  }

  const total = store.db.prepare('SELECT count(*) FROM runs').pluck().get() as number;
  store.db.pragma('wal_checkpoint(TRUNCATE)');
  console.log(`${total.toLocaleString('en-US')} runs, ${epochRows.toLocaleString('en-US')} epochs; built in ${(buildMs / 1000).toFixed(1)} s; ` +
    `database ${(statSync(dbPath).size / 1024 ** 2).toFixed(1)} MiB; ${REPS} repetitions per query; node ${process.versions.node}\n`);
  const header: [string, string, string, string] = ['query', 'median ms', 'p95 ms', '< 20 ms'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
  store.db.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
