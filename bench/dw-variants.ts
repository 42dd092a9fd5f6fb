// The weight gradient of a linear layer, dW = xᵀ·dy (x [M, in], dy [M, out], M = B·N = 5000), three
// ways, in CPU milliseconds per call (process CPU time, so other jobs on the cores matter less):
// tfjs transpose(x)·dy (XNNPACK packs dy), transpose(transpose(dy)·x) (XNNPACK packs x), and the
// SIMD gemm of simd.ts reading xᵀ through strides (no transpose, no packing).
//   npx tsx bench/dw-variants.ts
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import fs from 'node:fs';
import { simdKernels } from '../src-main/vit/simd.js';

await tf.setBackend('wasm');
await tf.ready();
const M = 5000;
const cpuMs = (f: () => void, reps = 6) => {
  f();
  const c0 = process.cpuUsage();
  for (let r = 0; r < reps; r++) f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / reps;
};
console.log(`load average: ${fs.readFileSync('/proc/loadavg', 'utf8').trim()}`);
for (const [inF, outF] of [[64, 256], [256, 64], [64, 192]]) {
  const x = tf.randomNormal([M, inF], 0, 1, 'float32', 1) as tf.Tensor2D;
  const dy = tf.randomNormal([M, outF], 0, 1, 'float32', 2) as tf.Tensor2D;
  const a = cpuMs(() => tf.tidy(() => tf.matMul(tf.transpose(x), dy).dataSync()));
  const b = cpuMs(() => tf.tidy(() => tf.transpose(tf.matMul(tf.transpose(dy), x)).dataSync()));
  const mem = new WebAssembly.Memory({ initial: Math.ceil(((M * inF + M * outF + inF * outF) * 4) / 65536) + 1 });
  const k = simdKernels(mem);
  const F = new Float32Array(mem.buffer);
  F.set(x.dataSync(), 0);
  F.set(dy.dataSync(), M * inF);
  const c = cpuMs(() => k.gemm(inF, outF, M, 0, 4, inF * 4, M * inF * 4, outF * 4, (M * inF + M * outF) * 4, outF * 4));
  const ref = tf.tidy(() => tf.matMul(tf.transpose(x), dy).dataSync());
  let err = 0;
  const got = F.subarray(M * inF + M * outF, M * inF + M * outF + inF * outF);
  for (let i = 0; i < ref.length; i++) err = Math.max(err, Math.abs(ref[i] - got[i]));
  const gf = (2 * M * inF * outF) / 1e6;
  console.log(`in ${inF}, out ${outF}: xᵀ·dy ${a.toFixed(1)} ms (${(gf / a).toFixed(1)} GFLOP/s), (dyᵀ·x)ᵀ ${b.toFixed(1)} ms, SIMD gemm ${c.toFixed(1)} ms (max |diff| ${err.toExponential(1)})`);
  tf.dispose([x, dy]);
}
console.log(`load average: ${fs.readFileSync('/proc/loadavg', 'utf8').trim()}`);
