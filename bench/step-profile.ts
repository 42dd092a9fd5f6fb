// Where one training step's time goes: every tfjs kernel dispatch of a single-instance step on
// the seed config (real data), grouped by kernel name, with count and total ms, plus the time
// outside kernels (JS, read-backs, the optimizer's small ops).
//   npx tsx bench/step-profile.ts [--preset seed] [--steps 5] [--skip 300]
// --skip N trains N steps first (a profile late in an epoch, for the slowdown under "Known gaps").
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { selectBackend } from '../src-main/train/backend.js';
import { prepareTrainData } from '../src-main/train/data.js';
import { Trainer } from '../src-main/train/trainer.js';
import { resolveConfig } from '../src-main/vit/config.js';
import { patchify } from '../src-main/vit/model.js';
import { loadAverage } from './load-average.js';

const { values } = parseArgs({
  options: { preset: { type: 'string', default: 'seed' }, steps: { type: 'string', default: '5' }, skip: { type: 'string', default: '10' } },
});
await selectBackend('wasm');
const config = resolveConfig({ epochs: 1 }, values.preset);
const data = prepareTrainData(config);
const trainer = new Trainer(config, data, 1);
const { image: side, channels, patch, batch: B } = config;
const P = (side / patch) ** 2;
const F = patch * patch * channels;
const per = side * side * channels;
const buf = new Float32Array(B * P * F);
const batchAt = (s: number) => {
  const s0 = (s * B) % (data.train.count - B);
  patchify(data.train.images.subarray(s0 * per, (s0 + B) * per), B, side, channels, patch, buf, 1 / (255 * data.std), -data.mean / data.std);
  return { x: buf, y: data.train.labels.subarray(s0, s0 + B) };
};
const step = (s: number) => {
  const { x, y } = batchAt(s);
  trainer.trainStep(x, y, config.lr);
};
console.log(`load average: ${loadAverage()}`);
const skip = Number(values.skip);
// Wall and process CPU time per step (CPU time counts this thread's work only: other jobs on the
// cores inflate wall time far more than CPU time).
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
let t = performance.now();
let c = cpuMs();
for (let s = 0; s < skip; s++) {
  step(s);
  if ((s + 1) % 50 === 0) {
    const now = performance.now();
    const cNow = cpuMs();
    console.log(`steps ${s - 48}–${s + 1}: ${((now - t) / 50).toFixed(1)} ms/step wall, ${((cNow - c) / 50).toFixed(1)} ms/step CPU; load ${loadAverage().split(' ')[0]}`);
    t = now;
    c = cNow;
  }
}
{
  // Unprofiled steps (tf.profile adds its own overhead): the step time the figures above split.
  const t0 = performance.now();
  const c0 = cpuMs();
  for (let s = 0; s < 5; s++) step(skip + s);
  console.log(`5 unprofiled steps: ${((performance.now() - t0) / 5).toFixed(1)} ms/step wall, ${((cpuMs() - c0) / 5).toFixed(1)} ms/step CPU`);
}
const byName = new Map<string, { n: number; ms: number }>();
let wall = 0;
const steps = Number(values.steps);
for (let s = 0; s < steps; s++) {
  const t0 = performance.now();
  const info = await tf.profile(() => step(skip + s));
  wall += performance.now() - t0;
  for (const k of info.kernels) {
    const key = `${k.name} ${k.inputShapes.map((sh) => `[${sh}]`).join('')}`;
    const e = byName.get(key) ?? { n: 0, ms: 0 };
    e.n++;
    const ms = await k.kernelTimeMs;
    e.ms += typeof ms === "number" ? ms : 0;
    byName.set(key, e);
  }
}
const rows = [...byName.entries()].sort((a, b) => b[1].ms - a[1].ms);
const total = rows.reduce((s, [, e]) => s + e.ms, 0);
const count = rows.reduce((s, [, e]) => s + e.n, 0);
console.log(`per step: ${(wall / steps).toFixed(1)} ms wall, ${(total / steps).toFixed(1)} ms in ${(count / steps).toFixed(0)} kernel dispatches`);
for (const [k, e] of rows.slice(0, 40)) console.log(`${(e.ms / steps).toFixed(2).padStart(8)} ms  ${String(e.n / steps).padStart(4)}×  ${k}`);
console.log(`load average: ${loadAverage()}`);
trainer.dispose();
