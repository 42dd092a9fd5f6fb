// The real wasm heap and RSS of one tfjs instance (N = 1) for a few configs, to calibrate the
// memory estimate: each config in a fresh child (the wasm heap never shrinks), synthetic data,
// a few training steps at the config's batch, then evaluate() over 1000 samples.
//   npx tsx bench/memory.ts [--configs seed,small,wide,improved] [--steps 4]
import { fork } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadAverage } from './load-average.js';

const { values } = parseArgs({
  options: { configs: { type: 'string', default: 'seed,small,wide,improved' }, steps: { type: 'string', default: '4' }, child: { type: 'string' } },
});

interface Result {
  preset: string;
  params: number;
  batch: number;
  heapStartMB: number;
  heapTrainMB: number;
  heapEvalMB: number;
  rssMB: number;
  /** vit/memory.ts's estimate for this run at N = 1: one heap's tensors, and the whole process. */
  estimateHeapMB: number;
  estimateProcessMB: number;
}

/** The estimate against a measurement, as a signed percentage (+ means the estimate is higher). */
const pct = (estimate: number, measured: number) => `${estimate >= measured ? '+' : ''}${(((estimate - measured) / measured) * 100).toFixed(0)} %`;

const loadavg = () => loadAverage().split(' ').slice(0, 3).join(' ');

async function child(preset: string): Promise<void> {
  const tf = await import('@tensorflow/tfjs');
  const { selectBackend } = await import('../src-main/train/backend.js');
  const { Trainer } = await import('../src-main/train/trainer.js');
  const { resolveConfig } = await import('../src-main/vit/config.js');
  await selectBackend('wasm');
  const heap = () => ((tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer.byteLength) / 2 ** 20;
  const heapStartMB = heap();
  const config = resolveConfig({ epochs: 1 }, preset);
  const per = config.image * config.image * config.channels;
  const count = 1000;
  const images = new Uint8Array(count * per).map((_, i) => (i * 2654435761) >>> 24);
  const labels = new Uint8Array(count).map((_, i) => i % config.classes);
  const split = { images, labels, count };
  const classes = Array.from({ length: config.classes }, (_, i) => String(i));
  const trainer = new Trainer(config, { name: 'synthetic', image: config.image, channels: config.channels, classes, train: split, test: split, mean: 0.5, std: 0.29, flipInvariant: true }, 1);
  const P = (config.image / config.patch) ** 2;
  const F = config.patch * config.patch * config.channels;
  const x = new Float32Array(config.batch * P * F).map((_, i) => Math.sin(i));
  for (let s = 0; s < Number(values.steps); s++) trainer.trainStep(x, labels.subarray(0, config.batch), config.lr);
  const heapTrainMB = heap();
  trainer.evaluate(split);
  const heapEvalMB = heap();
  const rssMB = Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024;
  const { estimateMemory } = await import('../src-main/vit/memory.js');
  const e = estimateMemory(config, { instances: 1, data: { trainCount: count, testCount: count, image: config.image, channels: config.channels } });
  const r: Result = {
    preset,
    params: trainer.layout.total,
    batch: config.batch,
    heapStartMB,
    heapTrainMB,
    heapEvalMB,
    rssMB,
    estimateHeapMB: e.perInstanceBytes / 2 ** 20,
    estimateProcessMB: e.processBytes / 2 ** 20,
  };
  process.send!(r);
  trainer.dispose();
}

if (values.child) {
  await child(values.child);
} else {
  console.log(`load average at start: ${loadavg()}`);
  for (const preset of values.configs!.split(',')) {
    const r = await new Promise<Result | string>((resolve) => {
      const c = fork(fileURLToPath(import.meta.url), ['--child', preset, '--steps', values.steps!], { execArgv: [`--import=${import.meta.resolve('tsx')}`] });
      let got: Result | null = null;
      c.on('message', (m: Result) => (got = m));
      c.on('exit', (code) => resolve(got ?? `child exited ${code}`));
    });
    if (typeof r === 'string') console.log(`${preset}: ${r}`);
    else
      console.log(
        `${preset}: ${r.params} params, batch ${r.batch}: wasm heap ${r.heapStartMB.toFixed(0)} MB at start, ${r.heapTrainMB.toFixed(0)} MB after training, ${r.heapEvalMB.toFixed(0)} MB after evaluation (chunks of 250); peak RSS ${r.rssMB.toFixed(0)} MB; estimate ${r.estimateHeapMB.toFixed(0)} MB of tensors a heap (${pct(r.estimateHeapMB, Math.max(r.heapTrainMB, r.heapEvalMB) - r.heapStartMB)} of the heap's growth), ${r.estimateProcessMB.toFixed(0)} MB for the process (${pct(r.estimateProcessMB, r.rssMB)} of peak RSS); load ${loadavg()}`,
      );
  }
}
