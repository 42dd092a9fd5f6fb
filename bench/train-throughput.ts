// Training and inference throughput of a config on each tfjs backend (a fresh child process per
// backend), and of the same model in PyTorch where /usr/bin/python3 has torch.
//   npx tsx bench/train-throughput.ts [--preset seed] [--steps N] [--backends wasm,cpu] [--torch]
//                                     [--data real|synthetic] [--window W] [--warmup K] [--threads 1,2]
// --threads: N = data-parallel on N tfjs instances (this thread + N − 1 helper threads,
// src-main/train/parallel.ts), each setting in its own child; default 1,2 on wasm, 1 elsewhere.
// Training samples/s is the median over windows of W steps after K warm-up steps; every window is
// printed so a slowdown over a run shows. Inference is batch 1000 through Trainer.evaluate (forward,
// loss and argmax read-back; split over both instances when data-parallel).
// Peak RSS is the child's VmHWM (/proc/<pid>/status) at the end.
import { execFileSync, fork, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkTorchBlas, describeTorchBlas, isTrustedBlas, OPENBLAS, torchEnv } from './torch-blas.js';
import { loadAverage } from './load-average.js';

const here = path.dirname(fileURLToPath(import.meta.url));

const { values } = parseArgs({
  options: {
    preset: { type: 'string', default: 'seed' },
    steps: { type: 'string' },
    backends: { type: 'string', default: 'wasm' },
    torch: { type: 'boolean', default: false },
    data: { type: 'string', default: 'real' },
    window: { type: 'string' },
    warmup: { type: 'string' },
    child: { type: 'string' },
    threads: { type: 'string' },
    'torch-steps': { type: 'string', default: '60' },
  },
});

interface ChildResult {
  backend: string;
  threads: Threads;
  instances: number;
  wasmHeapMB: number;
  wasmHeapEvalMB: number;
  trainSps: number;
  trainSpsCpu: number;
  windows: number[];
  inferSps: number;
  peakRssMB: number;
  tensors: number[];
  lossFirst: number;
  lossLast: number;
  data: string;
}

interface TorchResult {
  threads: number;
  trainSps: number;
  trainSpsCpu: number;
  windows: number[];
  inferSps: number;
  peakRssMB: number;
  blas: string;
  gflops: number;
  torch: string;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function vmHwmMB(pid: number | 'self' = 'self'): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

// ---------------------------------------------------------------------------------------------
// Child: one backend.
// ---------------------------------------------------------------------------------------------
type Threads = number;
const threadsOf = (t: string): Threads => Number(t);

async function child(backendName: string, threads: Threads): Promise<void> {
  const tf = await import('@tensorflow/tfjs');
  const { selectBackend } = await import('../src-main/train/backend.js');
  const { prepareTrainData } = await import('../src-main/train/data.js');
  const { Trainer } = await import('../src-main/train/trainer.js');
  const { resolveConfig } = await import('../src-main/vit/config.js');
  const { patchify } = await import('../src-main/vit/model.js');

  await selectBackend(backendName as 'wasm');
  const config = resolveConfig({ epochs: 1 }, values.preset);
  const slow = backendName === 'cpu';
  const steps = Number(values.steps ?? (slow ? 8 : 120));
  const win = Number(values.window ?? (slow ? 2 : 10));
  const warm = Number(values.warmup ?? (slow ? 2 : 10));
  const B = config.batch;
  const { image: side, channels, patch } = config;
  const P = (side / patch) ** 2;
  const F = patch * patch * channels;
  const per = side * side * channels;

  let images: Uint8Array;
  let labels: Uint8Array;
  let count: number;
  let dataKind = values.data!;
  let trainer: InstanceType<typeof Trainer>;
  let scale = 1 / 255;
  let shift = 0;
  try {
    if (dataKind !== 'real') throw new Error('synthetic asked');
    const data = prepareTrainData(config);
    images = data.train.images;
    labels = data.train.labels;
    count = data.train.count;
    scale = 1 / (255 * data.std);
    shift = -data.mean / data.std;
    trainer = new Trainer(config, data, threads);
  } catch (e) {
    if (dataKind === 'real') dataKind = `synthetic (real data unavailable: ${(e as Error).message.split('\n')[0]})`;
    count = 6000;
    images = new Uint8Array(count * per);
    labels = new Uint8Array(count);
    let s = 12345;
    const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 8) / 2 ** 24;
    for (let i = 0; i < images.length; i++) images[i] = Math.floor(rnd() * 256);
    for (let i = 0; i < count; i++) labels[i] = Math.floor(rnd() * config.classes);
    const empty = { images: new Uint8Array(0), labels: new Uint8Array(0), count: 0 };
    trainer = new Trainer(config, {
      name: 'synthetic',
      image: side,
      channels,
      classes: Array.from({ length: config.classes }, (_, i) => String(i)),
      train: { images, labels, count },
      test: empty,
      mean: 0.5,
      std: 0.29,
      flipInvariant: true,
    }, threads);
  }
  const parallel = await trainer.startParallel();
  if ((threads !== 1) !== parallel) throw new Error(`asked for ${threads} thread(s), helpers ${parallel ? 'on' : `off (${trainer.helperError})`}`);
  const buf = new Float32Array(1000 * P * F);
  const batchAt = (start: number, n: number) => {
    const s0 = start % (count - n);
    patchify(images.subarray(s0 * per, (s0 + n) * per), n, side, channels, patch, buf.subarray(0, n * P * F), scale, shift);
    return { x: buf.subarray(0, n * P * F), y: labels.subarray(s0, s0 + n) };
  };

  const windows: number[] = [];
  const tensors: number[] = [];
  let t0 = performance.now();
  // CPU time of the whole process (every thread) over the timed steps: samples per CPU-second
  // measure the engine's efficiency even when other jobs share the cores.
  let cpu0 = process.cpuUsage();
  let lossFirst = NaN;
  let lossLast = NaN;
  for (let s = 0; s < warm + steps; s++) {
    if (s === warm) {
      t0 = performance.now();
      cpu0 = process.cpuUsage();
    }
    const { x, y } = batchAt(s * B, B);
    const r = trainer.trainStep(x, y, config.lr);
    if (s === 0) lossFirst = r.loss;
    lossLast = r.loss;
    if (s >= warm && (s - warm + 1) % win === 0) {
      const now = performance.now();
      windows.push((win * B * 1000) / (now - t0));
      tensors.push(tf.memory().numTensors);
      t0 = now;
    }
  }
  const backend = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  const heapMB = () => (backend.wasm?.HEAPU8?.buffer.byteLength ?? 0) / 2 ** 20;
  const wasmHeapMB = heapMB();
  const cpu = process.cpuUsage(cpu0);
  const trainSpsCpu = (steps * B) / ((cpu.user + cpu.system) / 1e6);
  // Inference at batch 1000 through evaluate(): patches, forward, loss and argmax read-back.
  const inferTimes: number[] = [];
  const inferReps = slow ? 2 : 6;
  for (let r = 0; r < inferReps + 1; r++) {
    const s0 = (r * 1000) % (count - 1000);
    const split = { images: images.subarray(s0 * per, (s0 + 1000) * per), labels: labels.subarray(s0, s0 + 1000), count: 1000 };
    const t = performance.now();
    trainer.evaluate(split);
    const dt = performance.now() - t;
    if (r > 0) inferTimes.push(dt);
  }
  const result: ChildResult = {
    backend: backendName,
    threads,
    instances: trainer.instances,
    wasmHeapMB,
    wasmHeapEvalMB: heapMB(),
    trainSps: median(windows),
    trainSpsCpu,
    windows,
    inferSps: 1000 / (median(inferTimes) / 1000),
    peakRssMB: vmHwmMB(),
    tensors,
    lossFirst,
    lossLast,
    data: dataKind,
  };
  process.send!(result);
  trainer.dispose();
}

// ---------------------------------------------------------------------------------------------
// Parent.
// ---------------------------------------------------------------------------------------------
function runChild(backend: string, threads: Threads): Promise<ChildResult | { error: string }> {
  return new Promise((resolve) => {
    const args = ['--child', backend, '--threads', String(threads), '--preset', values.preset!, '--data', values.data!];
    for (const k of ['steps', 'window', 'warmup'] as const) if (values[k]) args.push(`--${k}`, values[k]!);
    const c = fork(fileURLToPath(import.meta.url), args, {
      execArgv: [`--import=${import.meta.resolve('tsx')}`],
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    let result: ChildResult | null = null;
    let stderr = '';
    c.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-3000)));
    c.on('message', (m: ChildResult) => (result = m));
    c.on('exit', (code) => resolve(result ?? { error: `child exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}` }));
  });
}

function torchAvailable(): string | null {
  const r = spawnSync('/usr/bin/python3', ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function runTorch(threads: number, cfg: Record<string, unknown>): TorchResult | { error: string } {
  const env = torchEnv(threads);
  const r = spawnSync(
    '/usr/bin/python3',
    [path.join(here, 'pytorch_vit.py'), '--threads', String(threads), '--steps', values['torch-steps']!, '--config', JSON.stringify(cfg)],
    { encoding: 'utf8', env, maxBuffer: 1 << 24 },
  );
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as TorchResult;
  } catch {
    return { error: `pytorch_vit.py failed (exit ${r.status}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}` };
  }
}

async function parent(): Promise<void> {
  const { resolveConfig } = await import('../src-main/vit/config.js');
  const config = resolveConfig({}, values.preset);
  const cpus = os.cpus();
  console.log(`machine: ${cpus.length} cores, ${cpus[0]?.model.trim()}, ${Math.round(os.totalmem() / 1024 ** 3)} GiB; node ${process.versions.node}`);
  console.log(`load average at start: ${loadAverage()}`);
  console.log(
    `config ${values.preset}: image ${config.image}, patch ${config.patch}, dim ${config.dim}, depth ${config.depth}, heads ${config.heads}, mlp ${config.mlp}, ${config.activation}, batch ${config.batch}; data ${values.data}`,
  );
  const tfjs: ChildResult[] = [];
  const runs = values.backends!
    .split(',')
    .filter(Boolean)
    .flatMap((b) => (values.threads ?? (b === 'wasm' ? '1,2' : '1')).split(',').map((t) => ({ b, threads: threadsOf(t) })));
  for (const { b, threads } of runs) {
    console.log(`load average: ${loadAverage()}`);
    const r = await runChild(b, threads);
    const after = loadAverage();
    const label = `${b} threads=${threads}`;
    if ('error' in r) {
      console.log(`tfjs ${label}: not measured (${r.error})`);
      continue;
    }
    tfjs.push(r);
    console.log(
      `tfjs ${label}: train ${r.trainSps.toFixed(1)} samples/s, ${r.trainSpsCpu.toFixed(1)} per CPU-second (windows ${r.windows.map((w) => w.toFixed(0)).join(' ')}), ` +
        `inference@1000 ${r.inferSps.toFixed(0)} samples/s, peak RSS ${r.peakRssMB.toFixed(0)} MB (this thread's wasm heap ${r.wasmHeapMB.toFixed(0)} MB after training, ${r.wasmHeapEvalMB.toFixed(0)} MB after evaluation), tensors ${[...new Set(r.tensors)].join('/')}, ` +
        `loss ${r.lossFirst.toFixed(3)} → ${r.lossLast.toFixed(3)}${r.data === 'real' ? '' : `, data ${r.data}`}; load average after: ${after}`,
    );
  }
  if (!values.torch) return;
  const version = torchAvailable();
  if (!version) {
    console.log('pytorch: not available (/usr/bin/python3 cannot import torch; apt-get install python3-torch) — no ratios');
    return;
  }
  console.log(`pytorch ${version}: BLAS ${OPENBLAS ? `OpenBLAS preloaded (${OPENBLAS})` : 'default libblas.so.3 (OpenBLAS not found: install libopenblas0-pthread)'}`);
  const blas = checkTorchBlas(OPENBLAS ? { ...process.env, LD_PRELOAD: OPENBLAS } : process.env);
  console.log(describeTorchBlas(blas));
  const torch: TorchResult[] = [];
  for (const threads of [1, 2]) {
    console.log(`load average: ${loadAverage()}`);
    const r = runTorch(threads, config);
    if ('error' in r) {
      console.log(`pytorch ${threads} thread(s): ${r.error}`);
      continue;
    }
    torch.push(r);
    console.log(
      `pytorch ${threads} thread(s): train ${r.trainSps.toFixed(1)} samples/s, ${r.trainSpsCpu.toFixed(1)} per CPU-second (windows ${r.windows.map((w) => w.toFixed(0)).join(' ')}), ` +
        `inference@1000 ${r.inferSps.toFixed(0)} samples/s, peak RSS ${r.peakRssMB.toFixed(0)} MB, sgemm ${r.gflops.toFixed(1)} GFLOP/s (${r.blas})`,
    );
  }
  if (!isTrustedBlas(blas)) return;
  for (const t of tfjs) {
    for (const p of torch) {
      console.log(
        `ratio tfjs ${t.backend} threads=${t.threads} / pytorch ${p.threads} thread(s): train ${(t.trainSps / p.trainSps).toFixed(2)}× (per CPU-second ${(t.trainSpsCpu / p.trainSpsCpu).toFixed(2)}×), inference ${(t.inferSps / p.inferSps).toFixed(2)}×`,
      );
    }
  }
}

if (values.child) {
  await child(values.child, threadsOf(values.threads ?? '1'));
} else {
  await parent();
  void execFileSync;
}
