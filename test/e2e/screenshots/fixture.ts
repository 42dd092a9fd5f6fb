import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../../../src-main/store/db.js';
import { RunStore } from '../../../src-main/store/runs.js';
import type { FinalStatus } from '../../../src-main/store/types.js';
import type { RunEnvironment } from '../../../src-main/train/messages.js';
import { saveCheckpoint } from '../../../src-main/train/checkpoint.js';
import { PRESETS, SEED_CONFIG, type RunConfig } from '../../../src-main/vit/config.js';
import { VitModel } from '../../../src-main/vit/model.js';

/**
 * The fixed store the screenshots are taken on: the same runs, metrics, timestamps and checkpoint
 * every time, written through the real repository with an injected clock (no Math.random, no
 * wall time). Run ids carry random digits (store/runs.ts newId), so the store is built once into
 * its folder and reused: the baseline and the "after" pictures must be taken on the same folder.
 */

export const FIXTURE_DB = 'shots.db';
/** The clock starts here; every write advances it by a fixed step. */
const T0 = Date.parse('2026-01-15T09:00:00Z');

const ENV: RunEnvironment = {
  backend: 'wasm',
  versions: { node: '20.20.0', tfjs: '4.22.0' },
  machine: { platform: 'linux', arch: 'x64', cpus: 2, cpuModel: 'screenshot fixture', memoryGiB: 8, hostname: 'fixture' },
};

interface Spec {
  name: string;
  config: Partial<RunConfig>;
  status: FinalStatus;
  tags?: string[];
  /** Final test accuracy reached (the curve rises towards it). */
  ceiling: number;
}

const TINY = PRESETS.tiny!.config;
const BULK = 110;

/** Sixteen configs, the first four repeated over three seeds (for "Group by config"). */
function specs(): Spec[] {
  const out: Spec[] = [];
  const shapes: Partial<RunConfig>[] = [
    { patch: 7, dim: 32, depth: 1, heads: 2, mlp: 64 },
    { patch: 7, dim: 48, depth: 2, heads: 4, mlp: 192 },
    { patch: 4, dim: 64, depth: 4, heads: 4, mlp: 128 },
    { patch: 14, dim: 32, depth: 2, heads: 2, mlp: 64 },
    { patch: 7, dim: 64, depth: 2, heads: 8, mlp: 256, activation: 'gelu', recipe: 'improved' },
    { patch: 7, dim: 128, depth: 6, heads: 8, mlp: 512 },
    { patch: 4, dim: 32, depth: 1, heads: 1, mlp: 64, lr: 2e-3 },
    { patch: 14, dim: 64, depth: 4, heads: 4, mlp: 128, dropout: 0.1 },
  ];
  const statuses: FinalStatus[] = ['completed', 'completed', 'completed', 'failed', 'completed', 'cancelled', 'completed', 'interrupted'];
  shapes.forEach((shape, i) => {
    const seeds = i < 4 ? [0, 1, 2] : [0];
    for (const seed of seeds) {
      out.push({
        name: `${['baseline', 'small', 'seed-like', 'coarse', 'improved', 'wide', 'narrow', 'dropout'][i]} s${seed}`,
        config: { ...shape, seed, epochs: 4 },
        status: seed === 0 ? statuses[i]! : 'completed',
        tags: i % 3 === 0 ? ['keeper'] : i === 4 ? ['paper', 'gelu'] : [],
        ceiling: 0.78 + 0.015 * i + 0.004 * seed,
      });
    }
  });
  return out;
}

/** Builds the store into `dir` unless it is already there; returns the database path. */
export async function ensureFixture(dir: string): Promise<string> {
  const db = path.join(dir, FIXTURE_DB);
  if (fs.existsSync(path.join(dir, 'READY'))) return db;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  let clock = T0;
  const handle = openDatabase(db);
  const store = new RunStore(handle, { now: () => new Date(clock) });
  const tick = (ms: number) => (clock += ms);
  const sweepId = store.createSweep({ grid: { depth: [1, 2] } });
  // More runs than one page of the table (100, RunsView): scrolling to the end fetches the next page.
  for (let i = 0; i < BULK; i++) {
    tick(60_000);
    const config: RunConfig = { ...TINY, depth: 1 + (i % 3), seed: i, epochs: 1 };
    const id = store.createRun({ name: `bulk ${String(i).padStart(3, '0')}`, config });
    store.markStarted(id, ENV);
    tick(30_000);
    const acc = 0.6 + ((i * 7) % 23) / 100;
    store.addEpoch(id, { epoch: 1, trainLoss: 0.9, trainAcc: acc, testLoss: 0.95, testAcc: acc, seconds: 30, samplesPerSec: 1500, lr: config.lr });
    const perClass = Array.from({ length: 10 }, () => ({ correct: Math.round(100 * acc), total: 100 }));
    const confusion = perClass.map((c, k) => Array.from({ length: 10 }, (_, j) => (j === k ? c.correct : j === (k + 1) % 10 ? c.total - c.correct : 0)));
    store.setResult(id, { testLoss: 0.95, correct: perClass.reduce((a, c) => a + c.correct, 0), total: 1000, perClass, confusion });
    store.finish(id, 'completed');
  }
  for (const s of specs()) {
    tick(7 * 60_000);
    const config: RunConfig = { ...SEED_CONFIG, ...s.config };
    const id = store.createRun({ name: s.name, config, tags: s.tags, sweepId: s.name.startsWith('coarse') ? sweepId : undefined });
    store.markStarted(id, ENV);
    const epochs = s.status === 'completed' ? config.epochs : 2;
    for (let e = 1; e <= epochs; e++) {
      tick(45_000);
      const acc = s.ceiling * (1 - Math.exp(-e / 1.5));
      store.addEpoch(id, { epoch: e, trainLoss: 1.5 / e, trainAcc: Math.min(1, acc + 0.02), testLoss: 1.4 / e, testAcc: acc, seconds: 45, samplesPerSec: 1200, lr: config.lr });
      for (let k = 1; k <= 5; k++) store.steps.append(id, { epoch: e, at: k / 5, loss: 1.5 / (e - 1 + k / 5), acc: Math.min(1, s.ceiling * (1 - Math.exp(-(e - 1 + k / 5) / 1.5)) + 0.02) });
    }
    if (s.status === 'completed') {
      const perClass = Array.from({ length: 10 }, (_, k) => ({ correct: Math.round(1000 * Math.min(1, s.ceiling + ((k * 37) % 19) / 100 - 0.09)), total: 1000 }));
      const correct = perClass.reduce((a, c) => a + c.correct, 0);
      const confusion = perClass.map((c, k) => Array.from({ length: 10 }, (_, j) => (j === k ? c.correct : Math.floor((c.total - c.correct) * (j === (k + 1) % 10 ? 0.5 : 0.5 / 8)))));
      store.setResult(id, { testLoss: 0.3 + (1 - s.ceiling), correct, total: 10_000, perClass, confusion });
    }
    tick(1000);
    store.finish(id, s.status, s.status === 'failed' ? 'out of memory' : s.status === 'interrupted' ? 'the worker stopped without reporting' : undefined);
  }
  // One tiny run with a real checkpoint (seeded initial weights, no training: the same bytes every
  // time) so the inspect panels (mistakes, attention, own image) have a model to run.
  tick(7 * 60_000);
  const config: RunConfig = { ...TINY, epochs: 2, limitTrain: 400, limitTest: 200, seed: 7 };
  const id = store.createRun({ name: 'inspect tiny', config, tags: ['inspect'] });
  store.markStarted(id, ENV);
  for (let e = 1; e <= 2; e++) {
    tick(20_000);
    store.addEpoch(id, { epoch: e, trainLoss: 1.2 / e, trainAcc: 0.5 + 0.1 * e, testLoss: 1.1 / e, testAcc: 0.45 + 0.1 * e, seconds: 20, samplesPerSec: 1500, lr: config.lr });
  }
  await tf.setBackend('cpu');
  const model = new VitModel(config, config.seed, 'reference');
  const ckpt = await saveCheckpoint(path.join(dir, 'ckpt', id), { epoch: 2, step: 8, config }, model.params.map((p) => ({ name: p.name, tensor: p.variable })), null);
  store.addCheckpoint(id, 2, ckpt);
  const perClass = Array.from({ length: 10 }, (_, k) => ({ correct: 8 + ((k * 3) % 7), total: 20 }));
  const confusion = perClass.map((c, k) => Array.from({ length: 10 }, (_, j) => (j === k ? c.correct : j === (k + 3) % 10 ? c.total - c.correct : 0)));
  store.setResult(id, { testLoss: 0.9, correct: perClass.reduce((a, c) => a + c.correct, 0), total: 200, perClass, confusion });
  tick(1000);
  store.finish(id, 'completed');
  handle.close();
  fs.writeFileSync(path.join(dir, 'READY'), new Date(T0).toISOString() + '\n');
  return db;
}
