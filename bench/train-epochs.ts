// Trains a config for N epochs on the full data in a real worker and prints epoch times,
// samples/s, peak worker RSS and the seed-format result block.
//   npx tsx bench/train-epochs.ts [--epochs N] [--preset seed] [--recipe seed|improved] [--backend B]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { resultBlock } from '../src-main/report/result-block.js';
import { startWorker } from '../src-main/train/launch.js';
import type { EvalResult } from '../src-main/train/messages.js';
import { resolveConfig, type RunConfig } from '../src-main/vit/config.js';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '1' },
    preset: { type: 'string', default: 'seed' },
    recipe: { type: 'string' },
    backend: { type: 'string', default: 'auto' },
    'limit-train': { type: 'string', default: '0' },
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
