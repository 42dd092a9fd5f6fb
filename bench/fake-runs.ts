/**
 * Generated runs for the benchmarks: varied valid configs, 5–30 epochs each, final results for
 * the finished ones, written through the real repository. Seeded, so every bench run builds the
 * same database.
 */
import { join } from 'node:path';
import type { RunStore } from '../src-main/store/runs.js';
import type { FinalStatus } from '../src-main/store/types.js';
import type { RunEnvironment } from '../src-main/train/messages.js';
import { SEED_CONFIG, validateConfig, type RunConfig } from '../src-main/vit/config.js';

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

export const ENV: RunEnvironment = {
  backend: 'wasm',
  versions: { node: process.versions.node, tfjs: '4.22.0' },
  machine: { platform: 'linux', arch: 'x64', cpus: 2, cpuModel: 'bench', memoryGiB: 8, hostname: 'bench' },
};

export interface PopulateOptions {
  /**
   * Per-step curve points per epoch stored for every epoch (issue 14; 20 is what the worker sends).
   * Default 0: the database of earlier figures, so before/after runs compare.
   */
  stepPoints?: number;
  /** Every run is repeated over this many seeds (same config, consecutive runs). Default 1. */
  repeats?: number;
}

/** Writes `count` runs (the newest three still queued); returns how many epoch rows it wrote. */
export function populate(store: RunStore, count: number, dir: string, advance: (ms: number) => void, opts: PopulateOptions = {}): number {
  let epochRows = 0;
  const repeats = opts.repeats ?? 1;
  let repeatOf: RunConfig | null = null;
  store.transaction(() => {
    let sweepId: string | undefined;
    for (let i = 0; i < count; i++) {
      advance(Math.floor(rand() * 6 * 60_000));
      if (i % 40 === 0) sweepId = rand() < 0.5 ? store.createSweep({ grid: { depth: [2, 4, 6] } }) : undefined;
      // Repeats reuse the previous config with the next seed; the rand() sequence of a run is unchanged.
      const config: RunConfig = repeatOf && i % repeats !== 0 ? { ...repeatOf, seed: repeatOf.seed + 1 } : randomConfig();
      repeatOf = repeats > 1 ? config : null;
      const name = `${sweepId ? 'sweep' : pick(['baseline', 'ablation', 'try', 'seed repro', 'wide'])} L${config.depth} h${config.heads} p${config.patch} d${config.dim} #${i}`;
      const id = store.createRun({ name, config, sweepId, tags: rand() < 0.2 ? [pick(['keeper', 'paper', 'gelu', 'bug'])] : [] });
      if (i >= count - 3) continue; // the newest few are still queued
      store.markStarted(id, ENV);
      const outcome = rand();
      const status: FinalStatus = outcome < 0.8 ? 'completed' : outcome < 0.9 ? 'failed' : outcome < 0.96 ? 'cancelled' : 'interrupted';
      const epochs = status === 'completed' ? config.epochs : 1 + Math.floor(rand() * config.epochs);
      const ceiling = 0.82 + rand() * 0.09;
      for (let e = 1; e <= epochs; e++) {
        advance(1000);
        const acc = ceiling * (1 - Math.exp(-e / 2.5));
        store.addEpoch(id, { epoch: e, trainLoss: 1.5 / e, trainAcc: Math.min(1, acc + 0.02), testLoss: 1.4 / e, testAcc: acc, seconds: 30, samplesPerSec: 150, lr: config.lr });
        epochRows++;
        // Deterministic curve points (no rand(): the runs stay the same with or without them).
        for (let k = 1; k <= (opts.stepPoints ?? 0); k++) {
          const x = e - 1 + k / opts.stepPoints!;
          store.steps.append(id, { epoch: e, at: k / opts.stepPoints!, loss: 1.5 / Math.max(0.2, x), acc: Math.min(1, ceiling * (1 - Math.exp(-x / 2.5)) + 0.02) });
        }
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
  return epochRows;
}
