// GFLOP/s of the dense-layer gemm (src-main/vit/kernels/gemm.ts) on the seed config's training
// shapes, per tile shape, with and without relaxed-SIMD FMA, next to tfjs-wasm's matMul (XNNPACK)
// on the same shapes. One thread.
//   npx tsx bench/gemm.ts [--chunk 256] [--reps 20] [--tiles 4x2,6x2,4x3,3x4,2x4] [--xnnpack]
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { parseArgs } from 'node:util';
import { GEMM_FLAGS, gemmKernel, relaxedSimd, type GemmShape } from '../src-main/vit/kernels/gemm.js';
import { bestOf } from './best-of.js';
import { loadAverage } from './load-average.js';

const { values } = parseArgs({
  options: { chunk: { type: 'string', default: '256' }, reps: { type: 'string', default: '20' }, tiles: { type: 'string', default: '4x2,6x2,4x3,3x4,2x4' }, xnnpack: { type: 'boolean', default: false } },
});
const reps = Number(values.reps);
console.log(`load average: ${loadAverage()}; relaxed SIMD: ${relaxedSimd()}`);

// [label, M, N, K, kind]: fwd C = A·B (A [M,K] row-major); dx the same with B = Wᵀ packed;
// dw C[K',N] = Aᵀ·G over M = 5000 rows (A strided), in chunks of `chunk` rows.
type Kind = 'fwd' | 'dw';
const SHAPES: [string, number, number, number, Kind][] = [
  ['qkv fwd 5000×64·64×192', 5000, 192, 64, 'fwd'],
  ['mlp1 fwd 5000×64·64×256', 5000, 256, 64, 'fwd'],
  ['mlp2 fwd 5000×256·256×64', 5000, 64, 256, 'fwd'],
  ['fcOut fwd 5000×64·64×64', 5000, 64, 64, 'fwd'],
  ['qkv dx 5000×192·192×64', 5000, 64, 192, 'fwd'],
  ['mlp1 dw 64×5000·5000×256', 64, 256, 5000, 'dw'],
  ['mlp2 dw 256×5000·5000×64', 256, 64, 5000, 'dw'],
  ['qkv dw 64×5000·5000×192', 64, 192, 5000, 'dw'],
];

const mem = new WebAssembly.Memory({ initial: 1024 });
const F = new Float32Array(mem.buffer);
for (let i = 0; i < F.length / 4; i++) F[i] = Math.sin(i) * 0.5;
const A0 = 0;
const B0 = 8 << 20;
const C0 = 12 << 20;
const CHUNK = Number(values.chunk);

const time = (fn: () => void) => bestOf(reps, fn);

const tiles: GemmShape[] = values.tiles.split(',').flatMap((t) => {
  const [mr, nv] = t.split('x').map(Number);
  return [{ mr, nv, fma: false }, ...(relaxedSimd() ? [{ mr, nv, fma: true }] : [])];
});
const header = ['shape'.padEnd(30), ...tiles.map((t) => `${t.mr}×${4 * t.nv}${t.fma ? '+fma' : ''}`.padStart(10)), ...(values.xnnpack ? ['xnnpack'.padStart(10)] : [])];
console.log(`GFLOP/s, best of ${reps} after one warm-up\n${header.join('')}`);
if (values.xnnpack) await tf.setBackend('wasm');
for (const [label, m, n, k, kind] of SHAPES) {
  const flops = 2 * m * n * k;
  const row = [label.padEnd(30)];
  for (const shape of tiles) {
    const gemm = gemmKernel(mem, shape);
    const ms =
      kind === 'fwd'
        ? time(() => gemm(m, n, k, A0, 4 * k, 4, B0, 4 * n, C0, 4 * n, B0, GEMM_FLAGS.BIAS))
        : time(() => {
            // A = X [5000, m] read transposed; chunks of CHUNK rows accumulate.
            for (let r = 0; r < k; r += CHUNK) {
              const rows = Math.min(CHUNK, k - r);
              gemm(m, n, rows, A0 + r * m * 4, 4, 4 * m, B0 + r * n * 4, 4 * n, C0, 4 * n, 0, r > 0 ? GEMM_FLAGS.ACCUMULATE : 0);
            }
          });
    row.push((flops / ms / 1e6).toFixed(1).padStart(10));
  }
  if (values.xnnpack) {
    const [a, b] = kind === 'fwd' ? [tf.randomUniform([m, k]), tf.randomUniform([k, n])] : [tf.randomUniform([m, k]), tf.randomUniform([k, n])];
    const ms = time(() => tf.tidy(() => void tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D).dataSync()));
    row.push((flops / ms / 1e6).toFixed(1).padStart(10));
    tf.dispose([a, b]);
  }
  console.log(row.join(''));
}
console.log(`load average: ${loadAverage()}`);
