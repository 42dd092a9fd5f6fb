// Trains a config for N epochs on the full data in a real worker and prints epoch times,
// samples/s, peak worker RSS and the seed-format result block; with --torch, then (never at the
// same time) the PyTorch twin (bench/pytorch_vit.py --epochs N, OpenBLAS preloaded, 1 thread: its
// best setting on 2 cores) on the same data, same model and seed recipe, and both wall times and
// test accuracies side by side. The issue's figure is 10 epochs (~45 min before this engine);
// --epochs 1 or 2 is a shortened run and is labelled so.
//   npx tsx bench/train-epochs.ts [--epochs N] [--preset seed] [--recipe seed|improved] [--backend B]
//                                 [--torch] [--torch-threads 1]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { resultBlock } from '../src-main/report/result-block.js';
import { startWorker } from '../src-main/train/launch.js';
import type { EvalResult } from '../src-main/train/messages.js';
import { checkTorchBlas, describeTorchBlas, isTrustedBlas, torchEnv } from './torch-blas.js';
import { resolveConfig, type RunConfig } from '../src-main/vit/config.js';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '1' },
    preset: { type: 'string', default: 'seed' },
    recipe: { type: 'string' },
    backend: { type: 'string', default: 'auto' },
    'limit-train': { type: 'string', default: '0' },
    torch: { type: 'boolean', default: false },
    'torch-threads': { type: 'string', default: '1' },
  },
});
const config = resolveConfig(
  {
    epochs: Number(values.epochs),
    backend: values.backend as RunConfig['backend'],
    limitTrain: Number(values['limit-train']),
    ...(values.recipe ? { recipe: values.recipe as RunConfig['recipe'] } : {}),
  },
  values.preset,
);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-bench-'));
let result: EvalResult | undefined;
let peakRss = 0;
const t0 = Date.now();
// samples/s over windows of 100 batches, from the (throttled) progress messages: a slowdown shows.
const WINDOW = 100;
let mark = { batch: 0, t: 0, epoch: 0 };
const windows: string[] = [];
console.log(`load average at start: ${fs.readFileSync('/proc/loadavg', 'utf8').trim()}; VITLAB_TRAIN_THREADS=${process.env.VITLAB_TRAIN_THREADS ?? '(unset: one instance per core)'}`);
const h = startWorker({ type: 'start', runId: 'bench', config, checkpointDir: dir }, (m) => {
  if (m.type === 'started') console.log(`backend ${m.env.backend}, ${m.trainSize} train / ${m.testSize} test, ${config.epochs} epoch(s), recipe ${config.recipe}`);
  if (m.type === 'progress') {
    const p = m.progress;
    const now = performance.now();
    if (p.epoch !== mark.epoch) mark = { batch: 0, t: now, epoch: p.epoch };
    if (p.batch - mark.batch >= WINDOW || p.batch === p.batches) {
      windows.push(((((p.batch - mark.batch) * config.batch) / (now - mark.t)) * 1000).toFixed(0));
      mark = { batch: p.batch, t: now, epoch: p.epoch };
    }
  }
  if (m.type === 'epoch') {
    const e = m.metrics;
    console.log(
      `epoch ${e.epoch} train samples/s per ${WINDOW}-batch window: ${windows.splice(0).join(' ')}\n` +
        `epoch ${e.epoch}: ${e.seconds.toFixed(1)} s, ${e.samplesPerSec.toFixed(1)} samples/s, train loss ${e.trainLoss.toFixed(4)}, test acc ${(100 * e.testAcc).toFixed(2)}%`,
    );
  }
  if (m.type === 'evaluated') result = m.result;
});
const rssTimer = setInterval(() => {
  try {
    const status = fs.readFileSync(`/proc/${h.pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
    peakRss = Math.max(peakRss, kb / 1024);
  } catch {
    // the worker has exited
  }
}, 500);
const outcome = await h.done;
clearInterval(rssTimer);
fs.rmSync(dir, { recursive: true, force: true });
console.log(`load average at the end: ${fs.readFileSync('/proc/loadavg', 'utf8').trim()}`);
console.log(`status ${outcome.status}${outcome.error ? `: ${outcome.error}` : ''}; wall ${((Date.now() - t0) / 1000).toFixed(1)} s; worker peak RSS ${peakRss.toFixed(0)} MB`);
if (result) console.log(`\n${resultBlock(result)}`);

const appWall = (Date.now() - t0) / 1000;
const appAcc = result ? result.correct / result.total : NaN;
if (values.torch) {
  if (config.recipe !== 'seed' || config.dropout > 0) {
    console.log(`pytorch: bench/pytorch_vit.py --epochs runs the seed recipe without dropout only; this config has recipe ${config.recipe}, dropout ${config.dropout}`);
  } else {
    const threads = Number(values['torch-threads']);
    const env = torchEnv(threads);
    const blas = checkTorchBlas(env);
    console.log(describeTorchBlas(blas));
    const cfg = { image: config.image, channels: config.channels, classes: config.classes, patch: config.patch, dim: config.dim, depth: config.depth, heads: config.heads, mlp: config.mlp, activation: config.activation, batch: config.batch, lr: config.lr };
    console.log(`load average before PyTorch: ${fs.readFileSync('/proc/loadavg', 'utf8').trim()}`);
    const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'pytorch_vit.py');
    const r = spawnSync('/usr/bin/python3', [script, '--epochs', String(config.epochs), '--threads', String(threads), '--config', JSON.stringify(cfg)], { encoding: 'utf8', env, maxBuffer: 1 << 24 });
    console.log(`load average after PyTorch: ${fs.readFileSync('/proc/loadavg', 'utf8').trim()}`);
    const lines = r.stdout.trim().split('\n');
    try {
      const t = JSON.parse(lines.at(-1) ?? '') as { epochs: { epoch: number; seconds: number; trainLoss: number; testAcc: number }[]; wallSeconds: number; loadSeconds: number; peakRssMB: number };
      for (const e of t.epochs) console.log(`pytorch epoch ${e.epoch}: ${e.seconds.toFixed(1)} s, train loss ${e.trainLoss.toFixed(4)}, test acc ${(100 * e.testAcc).toFixed(2)}%`);
      const tAcc = t.epochs.at(-1)?.testAcc ?? NaN;
      const shortened = config.epochs < 10 ? ` (a SHORTENED run: ${config.epochs} epoch(s), the issue's figure is 10)` : '';
      console.log(`\ntime to result, ${config.epochs} epoch(s) of ${values.preset}${shortened}:`);
      console.log(`  app (tfjs wasm, VITLAB_TRAIN_THREADS=${process.env.VITLAB_TRAIN_THREADS ?? 'all cores'}): ${appWall.toFixed(1)} s wall, test acc ${(100 * appAcc).toFixed(2)}%, peak RSS ${peakRss.toFixed(0)} MB`);
      console.log(`  pytorch ${threads} thread(s): ${t.wallSeconds.toFixed(1)} s wall (+ ${t.loadSeconds.toFixed(1)} s loading the data), test acc ${(100 * tAcc).toFixed(2)}%, peak RSS ${t.peakRssMB.toFixed(0)} MB`);
      if (isTrustedBlas(blas)) console.log(`  ratio: the app takes ${(appWall / t.wallSeconds).toFixed(2)}× PyTorch's wall time`);
    } catch {
      console.log(`pytorch failed (exit ${r.status}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
    }
  }
}
