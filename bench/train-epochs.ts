// Trains a config for N epochs on the full data in a real worker and prints epoch times,
// samples/s, peak worker RSS and the seed-format result block; with --torch, then (never at the
// same time) the PyTorch twin (bench/pytorch_vit.py --epochs N, OpenBLAS preloaded, 1 thread: its
// best setting on 2 cores) on the same data, same model and seed recipe, and both wall times and
// test accuracies side by side. The issue's figure is 10 epochs (~45 min before this engine);
// --epochs 1 or 2 is a shortened run and is labelled so.
//   npx tsx bench/train-epochs.ts [--epochs N] [--preset seed] [--recipe seed|improved] [--backend B]
//                                 [--torch] [--torch-threads 1] [--window 100 (batches)] [--repeat 1]
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
import { mean, sampleStd } from '../src-shared/stats.js';
import { loadAverage } from './load-average.js';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '1' },
    preset: { type: 'string', default: 'seed' },
    recipe: { type: 'string' },
    backend: { type: 'string', default: 'auto' },
    'limit-train': { type: 'string', default: '0' },
    torch: { type: 'boolean', default: false },
    'torch-threads': { type: 'string', default: '1' },
    window: { type: 'string', default: '100' },
    repeat: { type: 'string', default: '1' },
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
interface AppRun {
  wall: number;
  acc: number;
  peakRss: number;
  /** samples/s of every training window, all epochs in order */
  rates: number[];
}

// samples/s over windows of --window batches, from the (throttled) progress messages: a slowdown
// shows. Each window also says where the time went, so a slow one can be told apart: the worker's
// CPU seconds per wall second (all its threads; 2.0 = both cores busy), samples per worker
// CPU-second (the work itself got slower, e.g. a busier host under this VM), and the CPU that
// other processes on this machine used meanwhile (/proc/stat's busy time less the worker's).
const WINDOW = Number(values.window);
const TICK = 100; // USER_HZ: /proc's clock ticks per second on Linux
function workerCpuSeconds(pid: number | undefined): number {
  try {
    // fields after the ')' that ends the command name: state is [0], utime [11], stime [12]
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / TICK;
  } catch {
    return NaN;
  }
}
function machineBusySeconds(): number {
  const f = (fs.readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: busy is all but idle and iowait
  return f.slice(0, 8).reduce((a, v, i) => (i === 3 || i === 4 ? a : a + v), 0) / TICK;
}
function spread(xs: number[]): string {
  const m = mean(xs);
  const sd = xs.length > 1 ? sampleStd(xs) : 0;
  return `mean ${m.toFixed(0)}, min ${((Math.min(...xs) / m - 1) * 100).toFixed(1)} %, max +${((Math.max(...xs) / m - 1) * 100).toFixed(1)} %, cv ${((sd / m) * 100).toFixed(1)} %`;
}
function pearson(a: number[], b: number[]): number {
  const n = Math.min(a.length, b.length);
  const ma = mean(a.slice(0, n));
  const mb = mean(b.slice(0, n));
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    ab += (a[i]! - ma) * (b[i]! - mb);
    aa += (a[i]! - ma) ** 2;
    bb += (b[i]! - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

async function runApp(): Promise<AppRun> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-bench-'));
  let result: EvalResult | undefined;
  let peakRss = 0;
  const t0 = Date.now();
  let mark = { batch: 0, t: 0, epoch: 0, cpu: 0, busy: 0 };
  const windows: string[] = [];
  const epochRates: number[] = [];
  const rates: number[] = [];
  const cpuSums = { worker: 0, others: 0, wall: 0 };
  console.log(`load average at start: ${loadAverage()}; VITLAB_TRAIN_THREADS=${process.env.VITLAB_TRAIN_THREADS ?? '(unset: one instance per core)'}`);
  const h = startWorker({ type: 'start', runId: 'bench', config, checkpointDir: dir }, (m) => {
    if (m.type === 'started') console.log(`backend ${m.env.backend}, ${m.trainSize} train / ${m.testSize} test, ${config.epochs} epoch(s), recipe ${config.recipe}`);
    if (m.type === 'progress') {
      const p = m.progress;
      const now = performance.now();
      const cpu = workerCpuSeconds(h.pid);
      const busy = machineBusySeconds();
      if (p.epoch !== mark.epoch) mark = { batch: 0, t: now, epoch: p.epoch, cpu, busy };
      if (p.batch - mark.batch >= WINDOW || p.batch === p.batches) {
        const samples = (p.batch - mark.batch) * config.batch;
        const wall = (now - mark.t) / 1000;
        const workerCpu = cpu - mark.cpu;
        const others = Math.max(0, busy - mark.busy - workerCpu);
        cpuSums.worker += workerCpu;
        cpuSums.others += others;
        cpuSums.wall += wall;
        if (samples > 0) {
          rates.push(samples / wall);
          epochRates.push(samples / wall);
          windows.push(`${(samples / wall).toFixed(0)} (cpu ${(workerCpu / wall).toFixed(2)}, ${(samples / workerCpu).toFixed(0)}/cpu-s, others ${(others / wall).toFixed(2)})`);
        }
        mark = { batch: p.batch, t: now, epoch: p.epoch, cpu, busy };
      }
    }
    if (m.type === 'epoch') {
      const e = m.metrics;
      console.log(
        `epoch ${e.epoch} train samples/s per ${WINDOW}-batch window (worker CPU s per s, samples per worker CPU-s, other processes' CPU s per s):\n  ${windows.splice(0).join('\n  ')}\n` +
          `epoch ${e.epoch} windows: ${spread(epochRates.splice(0))}\n` +
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
  const wall = (Date.now() - t0) / 1000;
  console.log(`load average at the end: ${loadAverage()}`);
  if (cpuSums.wall > 0) console.log(`training windows in all: ${spread(rates)}; worker ${(cpuSums.worker / cpuSums.wall).toFixed(2)} CPU s per s, other processes ${(cpuSums.others / cpuSums.wall).toFixed(2)}`);
  console.log(`status ${outcome.status}${outcome.error ? `: ${outcome.error}` : ''}; wall ${wall.toFixed(1)} s; worker peak RSS ${peakRss.toFixed(0)} MB`);
  if (result) console.log(`\n${resultBlock(result)}`);
  return { wall, acc: result ? result.correct / result.total : NaN, peakRss, rates };
}

// --repeat K trains the same config K times. A run is deterministic for a given N, so the K runs
// compute the same numbers batch for batch: if a window's speed came from the work (the data, the
// weights, subnormal floats), the runs' windows would rise and fall together. Their correlation
// says whether they do.
const apps: AppRun[] = [];
for (let k = 0; k < Math.max(1, Number(values.repeat)); k++) {
  if (k > 0) console.log(`\n--- identical run ${k + 1} ---`);
  apps.push(await runApp());
}
if (apps.length > 1) {
  console.log(`\nidentical runs: test acc ${apps.map((a) => (100 * a.acc).toFixed(2) + ' %').join(', ')}; wall ${apps.map((a) => a.wall.toFixed(1) + ' s').join(', ')}`);
  for (let k = 1; k < apps.length; k++) {
    console.log(`window-by-window Pearson r, run 1 against run ${k + 1}: ${pearson(apps[0]!.rates, apps[k]!.rates).toFixed(2)} over ${Math.min(apps[0]!.rates.length, apps[k]!.rates.length)} windows (≈ 1 when the speed follows the computation, ≈ 0 when it follows the machine)`);
  }
}
const { wall: appWall, acc: appAcc, peakRss } = apps[0]!;
if (values.torch) {
  if (config.recipe !== 'seed' || config.dropout > 0) {
    console.log(`pytorch: bench/pytorch_vit.py --epochs runs the seed recipe without dropout only; this config has recipe ${config.recipe}, dropout ${config.dropout}`);
  } else {
    const threads = Number(values['torch-threads']);
    const env = torchEnv(threads);
    const blas = checkTorchBlas(env);
    console.log(describeTorchBlas(blas));
    const cfg = { image: config.image, channels: config.channels, classes: config.classes, patch: config.patch, dim: config.dim, depth: config.depth, heads: config.heads, mlp: config.mlp, activation: config.activation, batch: config.batch, lr: config.lr };
    console.log(`load average before PyTorch: ${loadAverage()}`);
    const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'pytorch_vit.py');
    const r = spawnSync('/usr/bin/python3', [script, '--epochs', String(config.epochs), '--threads', String(threads), '--config', JSON.stringify(cfg)], { encoding: 'utf8', env, maxBuffer: 1 << 24 });
    console.log(`load average after PyTorch: ${loadAverage()}`);
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
