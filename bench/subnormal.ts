// Do subnormal floats slow the kernels a training step runs? XNNPACK's matMul (tfjs-wasm) and
// our SIMD gemm (kernels/gemm.ts), each on the seed config's largest shape with 0 %, 10 % and 100 % of the A
// operand's values subnormal (1e-39), median of 7 runs.
//   npx tsx bench/subnormal.ts
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import fs from 'node:fs';
import { gemmKernel } from '../src-main/vit/kernels/gemm.js';
import { loadAverage } from './load-average.js';

await tf.setBackend('wasm');
await tf.ready();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const [M, K, N] = [5000, 64, 256];
const operand = (fraction: number) => {
  const a = new Float32Array(M * K);
  for (let i = 0; i < a.length; i++) a[i] = (i * 7919) % 100 < fraction * 100 ? 1e-39 : Math.sin(i) * 0.5;
  return a;
};
const b = tf.randomNormal([K, N], 0, 0.1, 'float32', 1) as tf.Tensor2D;
console.log(`load average: ${loadAverage()}; cpu ${fs.readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1]}`);
for (const f of [0, 0.1, 1]) {
  const a = tf.tensor2d(operand(f), [M, K]);
  const times: number[] = [];
  for (let r = 0; r < 8; r++) {
    const t = performance.now();
    const c = tf.matMul(a, b);
    c.dataSync();
    times.push(performance.now() - t);
    c.dispose();
  }
  console.log(`XNNPACK matMul [${M},${K}]·[${K},${N}], ${f * 100} % subnormal A: ${median(times.slice(1)).toFixed(2)} ms`);
  a.dispose();
}
const mem = new WebAssembly.Memory({ initial: Math.ceil(((M * K + K * N + M * N) * 4) / 65536) + 1 });
const k = { gemm: gemmKernel(mem) };
const F = new Float32Array(mem.buffer);
F.set(b.dataSync(), M * K);
for (const f of [0, 0.1, 1]) {
  F.set(operand(f), 0);
  const times: number[] = [];
  for (let r = 0; r < 8; r++) {
    const t = performance.now();
    k.gemm(M, N, K, 0, K * 4, 4, M * K * 4, N * 4, (M * K + K * N) * 4, N * 4, 0, 0);
    times.push(performance.now() - t);
  }
  console.log(`SIMD gemm same shape, ${f * 100} % subnormal A: ${median(times.slice(1)).toFixed(2)} ms`);
}
console.log(`load average: ${loadAverage()}`);
