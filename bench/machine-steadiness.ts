// How steady is this machine itself? Runs the engine's own gemm (src-main/vit/kernels/gemm.ts) on
// fixed data, on one thread per core, for a while, and prints GFLOP/s per window. The work and
// its data never change, so whatever the windows vary by is the machine (a busier host under this
// VM, its caches and memory shared with neighbours), not the engine. Run it alone, beside
// bench/train-epochs.ts's per-window figures, to tell the two apart.
//   npx tsx bench/machine-steadiness.ts [--seconds 90] [--window 5] [--threads <cores>]
import os from 'node:os';
import { parseArgs } from 'node:util';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { GEMM_FLAGS, gemmKernel } from '../src-main/vit/kernels/gemm.js';
import { mean } from '../src-shared/stats.js';
import { loadAverage } from './load-average.js';

// The seed config's first MLP layer, forward: [5000, 64] · [64, 256] + bias, 164 MFLOP a call.
const M = 5000;
const N = 256;
const K = 64;
const FLOPS = 2 * M * N * K;

interface Job {
  seconds: number;
  window: number;
}

if (!isMainThread) {
  const { seconds, window } = workerData as Job;
  const mem = new WebAssembly.Memory({ initial: 256 }); // 16 MiB: A 1.3 MB, B 64 KB, C 5.1 MB
  const F = new Float32Array(mem.buffer);
  for (let i = 0; i < F.length; i++) F[i] = Math.sin(i) * 0.5;
  const A0 = 0;
  const B0 = 2 << 20;
  const C0 = 4 << 20;
  const gemm = gemmKernel(mem);
  const end = performance.now() + seconds * 1000;
  let windowEnd = performance.now() + window * 1000;
  let calls = 0;
  let t0 = performance.now();
  while (performance.now() < end) {
    gemm(M, N, K, A0, 4 * K, 4, B0, 4 * N, C0, 4 * N, B0, GEMM_FLAGS.BIAS);
    calls++;
    const now = performance.now();
    if (now >= windowEnd) {
      parentPort?.postMessage((calls * FLOPS) / ((now - t0) / 1000) / 1e9);
      calls = 0;
      t0 = now;
      windowEnd = now + window * 1000;
    }
  }
  parentPort?.close();
} else {
  const { values } = parseArgs({
    options: { seconds: { type: 'string', default: '90' }, window: { type: 'string', default: '5' }, threads: { type: 'string', default: String(os.cpus().length) } },
  });
  const job: Job = { seconds: Number(values.seconds), window: Number(values.window) };
  const threads = Number(values.threads);
  console.log(`machine: ${os.cpus().length} cores, ${os.cpus()[0]?.model.trim()}; load average ${loadAverage()}`);
  console.log(`gemm ${M}×${K}·${K}×${N} on fixed data, ${threads} thread(s), ${job.seconds} s, GFLOP/s per ${job.window}-s window:`);
  const perThread: number[][] = [];
  await Promise.all(
    Array.from({ length: threads }, (_, i) => {
      perThread[i] = [];
      // A worker thread does not inherit tsx's loader hooks: register them inside, then import this file.
      const code = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`;
      const w = new Worker(code, { eval: true, workerData: job });
      w.on('message', (g: number) => perThread[i]?.push(g));
      return new Promise<void>((resolve, reject) => {
        w.on('error', reject);
        w.on('exit', () => resolve());
      });
    }),
  );
  const windows = Math.min(...perThread.map((p) => p.length));
  const sums = Array.from({ length: windows }, (_, w) => perThread.reduce((a, p) => a + (p[w] ?? 0), 0));
  perThread.forEach((p, i) => console.log(`  thread ${i}: ${p.map((g) => g.toFixed(1)).join(' ')}`));
  console.log(`  all:      ${sums.map((g) => g.toFixed(1)).join(' ')}`);
  const m = mean(sums);
  const lo = Math.min(...sums);
  const hi = Math.max(...sums);
  console.log(`windows: mean ${m.toFixed(1)} GFLOP/s, min ${lo.toFixed(1)} (${((lo / m - 1) * 100).toFixed(1)} %), max ${hi.toFixed(1)} (+${((hi / m - 1) * 100).toFixed(1)} %)`);
  console.log(`load average at the end: ${loadAverage()}`);
}
