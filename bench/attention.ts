// Where the attention kernel's time goes on the seed shapes (B 100, N 50 tokens, 4 heads of 16):
// the pieces of one forward over all (sample, head) pairs timed one by one on tfjs-wasm's heap,
// then the whole kernels through tfjs (outputs allocated per call, as in a training step).
//   npx tsx bench/attention.ts [--reps 20]
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { selectBackend } from '../src-main/train/backend.js';
import { attentionCore, attentionCoreInference } from '../src-main/vit/kernels/attention.js';
import { gemmKernel } from '../src-main/vit/kernels/gemm.js';
import { wasmMemory, type WasmBackendLike } from '../src-main/vit/kernels/plumbing.js';
import { elementwiseKernels, f32Bits } from '../src-main/vit/simd.js';
import { bestOf } from './best-of.js';
import { loadAverage } from './load-average.js';

const { values } = parseArgs({ options: { reps: { type: 'string', default: '20' } } });
const reps = Number(values.reps);
console.log(`load average: ${loadAverage()}`);

const time = (fn: () => void) => bestOf(reps, fn);
const row = (label: string, ms: number) => console.log(`${ms.toFixed(3).padStart(8)} ms  ${label}`);

await selectBackend('wasm');
const backend = tf.backend() as unknown as WasmBackendLike;
const mem = wasmMemory(backend);
const [B, N, h, hd] = [100, 50, 4, 16];
const d = h * hd;
const ld = 3 * d;
const Np = Math.ceil(N / 4) * 4;
const alloc = (bytes: number) => ((backend.wasm._malloc(bytes + 16) >>> 0) + 15) & ~15;
const QKV = alloc(B * N * ld * 4);
const P = alloc(B * h * N * Np * 4);
const OUT = alloc(B * N * d * 4);
const KT = alloc(hd * Np * 4);
const k = { gemm: gemmKernel(mem), ...elementwiseKernels(mem) };
const F = new Float32Array(mem.buffer);
for (let i = 0; i < B * N * ld; i++) F[(QKV >> 2) + i] = Math.sin(i) * 2;
const scaleBits = f32Bits(1 / Math.sqrt(hd));
const pairs = (body: (b: number, hh: number, q: number) => void) => () => {
  for (let b = 0; b < B; b++) for (let hh = 0; hh < h; hh++) body(b, hh, QKV + (b * N * ld + hh * hd) * 4);
};
const pAt = (b: number, hh: number) => P + (b * h + hh) * N * Np * 4;
row('scale·Kᵀ (transposeScaled)', time(pairs((_b, _h, q) => k.transposeScaled(q + d * 4, ld * 4, N, hd, KT, Np, scaleBits))));
row(`gemm S = Q·Kᵀ  M ${N} N ${Np} K ${hd}`, time(pairs((b, hh, q) => k.gemm(N, Np, hd, q, ld * 4, 4, KT, Np * 4, pAt(b, hh), Np * 4, 0, 0))));
row(`softmax ${N} rows of ${N}`, time(pairs((b, hh) => k.softmax(pAt(b, hh), N, N, Np * 4))));
row(`gemm O = P·V  M ${N} N ${hd} K ${N}`, time(pairs((b, hh, q) => k.gemm(N, hd, N, pAt(b, hh), Np * 4, 4, q + 2 * d * 4, ld * 4, OUT + (b * N * d + hh * hd) * 4, d * 4, 0, 0))));
row('the four per pair, in turn (the kernel\'s loop)', time(pairs((b, hh, q) => {
  k.transposeScaled(q + d * 4, ld * 4, N, hd, KT, Np, scaleBits);
  k.gemm(N, Np, hd, q, ld * 4, 4, KT, Np * 4, pAt(b, hh), Np * 4, 0, 0);
  k.softmax(pAt(b, hh), N, N, Np * 4);
  k.gemm(N, hd, N, pAt(b, hh), Np * 4, 4, q + 2 * d * 4, ld * 4, OUT + (b * N * d + hh * hd) * 4, d * 4, 0, 0);
})));
const shape = { B, N, heads: h, headDim: hd };
const qkv = tf.tidy(() => tf.randomNormal([B * N, ld]).mul(2)) as tf.Tensor2D;
const dy = tf.randomNormal([B * N, d]);
row('VitAttention (whole forward, tfjs)', time(() => tf.dispose(attentionCore(qkv, shape))));
row('VitAttention without kept P (inference)', time(() => tf.dispose(attentionCoreInference(qkv, shape))));
const grad = tf.grad((x: tf.Tensor) => attentionCore(x as tf.Tensor2D, shape));
row('VitAttention + VitAttentionGrad (tfjs)', time(() => tf.dispose(grad(qkv, dy))));
console.log(`load average: ${loadAverage()}`);
