import * as tf from '@tensorflow/tfjs';
import { simdKernels, type GemmFn, type SoftmaxFn } from '../simd.js';
import { wasmMemory, type CpuBackendLike, type WasmBackendLike } from './plumbing.js';

/**
 * The attention core as one tfjs kernel per direction (`VitAttention`, `VitAttentionGrad`, for
 * wasm and cpu): softmax(Q·Kᵀ/√hd)·V for every (sample, head), reading Q, K, V straight out of
 * the qkv activation [B·N, 3·dim] and writing heads side by side into [B·N, dim] — no slices, no
 * rank-4 transposes, no batched matMul. Its small matrix products and its softmax run in the f32x4
 * module of simd.ts on the wasm heap itself.
 */

// ---- kernel plumbing --------------------------------------------------------------------------

interface Arena {
  mem: WebAssembly.Memory;
  gemm: GemmFn;
  softmax: SoftmaxFn;
}

let wasmArena: (Arena & { scratch: number; scratchBytes: number; backend: WasmBackendLike }) | null = null;
function wasmKernels(backend: WasmBackendLike) {
  if (!wasmArena || wasmArena.backend !== backend) {
    const mem = wasmMemory(backend);
    wasmArena = { mem, ...simdKernels(mem), scratch: 0, scratchBytes: 0, backend };
  }
  return wasmArena;
}
function wasmScratch(a: NonNullable<typeof wasmArena>, bytes: number): number {
  if (a.scratchBytes < bytes) {
    if (a.scratch) a.backend.wasm._free(a.scratch);
    a.scratch = a.backend.wasm._malloc(bytes) >>> 0;
    a.scratchBytes = bytes;
  }
  return a.scratch;
}
const offsetOf = (b: WasmBackendLike, t: tf.TensorInfo) => b.dataIdMap.get(t.dataId).memoryOffset;

/** For backends whose data live in JS arrays: a memory of our own, inputs copied in, outputs out. */
let ownArena: Arena | null = null;
function ownKernels(bytes: number): Arena {
  if (!ownArena) {
    const mem = new WebAssembly.Memory({ initial: 16 });
    ownArena = { mem, ...simdKernels(mem) };
  }
  const need = Math.ceil((bytes + 64) / 65536) - ownArena.mem.buffer.byteLength / 65536;
  if (need > 0) ownArena.mem.grow(need);
  return ownArena;
}

// ---- attention core ---------------------------------------------------------------------------

export interface AttnShape {
  B: number;
  N: number;
  heads: number;
  headDim: number;
}

/**
 * Forward for every (b, h): S = (Q·(scale·K)ᵀ), P = softmax(S) row-wise, O = P·V. `p` < 0 means
 * "no probabilities kept" (inference): a scratch N×N is used per head.
 */
function attentionForward(k: Arena, s: AttnShape, qkv: number, out: number, p: number, scratch: number): void {
  const { B, N, heads: h, headDim: hd } = s;
  const d = h * hd;
  const ld = 3 * d;
  const scale = 1 / Math.sqrt(hd);
  const F = new Float32Array(k.mem.buffer);
  const Np = padded(N);
  const kt = scratch; // [hd, N]
  const sScratch = scratch + hd * N * 4; // [N, Np]
  const q0 = qkv >> 2;
  for (let b = 0; b < B; b++) {
    const r0 = b * N;
    for (let hh = 0; hh < h; hh++) {
      const qoff = r0 * ld + hh * hd;
      const koff = qoff + d;
      const voff = qoff + 2 * d;
      // scale·Kᵀ into [hd, N]
      const ktf = kt >> 2;
      for (let j = 0; j < N; j++) {
        const src = q0 + koff + j * ld;
        for (let c = 0; c < hd; c++) F[ktf + c * N + j] = F[src + c] * scale;
      }
      const sp = p >= 0 ? p + (b * h + hh) * N * Np * 4 : sScratch;
      k.gemm(N, N, hd, qkv + qoff * 4, ld * 4, 4, kt, N * 4, sp, Np * 4);
      k.softmax(sp, N, N, Np * 4);
      k.gemm(N, hd, N, sp, Np * 4, 4, qkv + voff * 4, ld * 4, out + (r0 * d + hh * hd) * 4, d * 4);
    }
  }
}

/** Backward: dV = Pᵀ·dO, dP = dO·Vᵀ, dS = scale·P∘(dP − rowsum(P∘dP)), dQ = dS·K, dK = dSᵀ·Q. */
function attentionBackward(k: Arena, s: AttnShape, dO: number, qkv: number, p: number, dqkv: number, scratch: number): void {
  const { B, N, heads: h, headDim: hd } = s;
  const d = h * hd;
  const ld = 3 * d;
  const scale = 1 / Math.sqrt(hd);
  const F = new Float32Array(k.mem.buffer);
  const Np = padded(N);
  const vt = scratch; // [hd, N]
  const dp = scratch + hd * N * 4; // [N, Np]
  const q0 = qkv >> 2;
  const vtf = vt >> 2;
  const dpf = dp >> 2;
  for (let b = 0; b < B; b++) {
    const r0 = b * N;
    for (let hh = 0; hh < h; hh++) {
      const qoff = r0 * ld + hh * hd;
      const koff = qoff + d;
      const voff = qoff + 2 * d;
      const ooff = r0 * d + hh * hd;
      for (let j = 0; j < N; j++) {
        const src = q0 + voff + j * ld;
        for (let c = 0; c < hd; c++) F[vtf + c * N + j] = F[src + c];
      }
      const pb = p + (b * h + hh) * N * Np * 4;
      k.gemm(N, N, hd, dO + ooff * 4, d * 4, 4, vt, N * 4, dp, Np * 4);
      k.gemm(N, hd, N, pb, 4, Np * 4, dO + ooff * 4, d * 4, dqkv + voff * 4, ld * 4);
      const pf = pb >> 2;
      for (let i = 0; i < N; i++) {
        const pr = pf + i * Np;
        const dr = dpf + i * Np;
        let dot = 0;
        for (let j = 0; j < N; j++) dot += F[pr + j] * F[dr + j];
        for (let j = 0; j < N; j++) {
          // Flushed to 0 below float32's normal range: subnormal operands slow the gemms below.
          const v = scale * F[pr + j] * (F[dr + j] - dot);
          F[dr + j] = Math.abs(v) < 1.2e-38 ? 0 : v;
        }
      }
      k.gemm(N, hd, N, dp, Np * 4, 4, qkv + koff * 4, ld * 4, dqkv + qoff * 4, ld * 4);
      k.gemm(N, hd, N, dp, 4, Np * 4, qkv + qoff * 4, ld * 4, dqkv + koff * 4, ld * 4);
    }
  }
}

/** Rows of scores / probabilities are padded to whole f32x4 vectors. */
const padded = (n: number) => Math.ceil(n / 4) * 4;
const scratchBytes = (s: AttnShape) => (s.headDim * s.N + s.N * padded(s.N)) * 4;
const shapeOf = (attrs: unknown) => attrs as unknown as AttnShape & { keepP: boolean };

function registerOnce(config: tf.KernelConfig): void {
  if (!tf.getKernel(config.kernelName, config.backendName)) tf.registerKernel(config);
}

let registered = false;
function registerKernels(): void {
  if (registered) return;
  registered = true;
  registerOnce({
    kernelName: 'VitAttention',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const b = backend as unknown as WasmBackendLike;
      const s = shapeOf(attrs);
      const out = b.makeOutput([s.B * s.N, s.heads * s.headDim], 'float32');
      const probs = s.keepP ? b.makeOutput([s.B, s.heads, s.N, padded(s.N)], 'float32') : null;
      const a = wasmKernels(b);
      const scratch = wasmScratch(a, scratchBytes(s));
      attentionForward(a, s, offsetOf(b, inputs.qkv!), offsetOf(b, out), probs ? offsetOf(b, probs) : -1, scratch);
      return probs ? [out, probs] : out;
    },
  });
  registerOnce({
    kernelName: 'VitAttentionGrad',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const b = backend as unknown as WasmBackendLike;
      const s = shapeOf(attrs);
      const out = b.makeOutput([s.B * s.N, 3 * s.heads * s.headDim], 'float32');
      const a = wasmKernels(b);
      const scratch = wasmScratch(a, scratchBytes(s));
      attentionBackward(a, s, offsetOf(b, inputs.dy!), offsetOf(b, inputs.qkv!), offsetOf(b, inputs.probs!), offsetOf(b, out), scratch);
      return out;
    },
  });
  // Any backend that keeps its data in JS arrays (cpu): copy into a memory of our own.
  for (const backendName of ['cpu']) {
    registerOnce({
      kernelName: 'VitAttention',
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const b = backend as unknown as CpuBackendLike;
        const s = shapeOf(attrs);
        const rows = s.B * s.N;
        const d = s.heads * s.headDim;
        const pSize = s.keepP ? s.B * s.heads * s.N * padded(s.N) : 0;
        const qkvB = rows * 3 * d * 4;
        const outB = rows * d * 4;
        const a = ownKernels(qkvB + outB + pSize * 4 + scratchBytes(s));
        new Float32Array(a.mem.buffer, 0, rows * 3 * d).set(b.data.get(inputs.qkv!.dataId).values);
        attentionForward(a, s, 0, qkvB, s.keepP ? qkvB + outB : -1, qkvB + outB + pSize * 4);
        const out = b.makeTensorInfo([rows, d], 'float32', new Float32Array(a.mem.buffer, qkvB, rows * d).slice());
        if (!s.keepP) return out;
        const probs = b.makeTensorInfo([s.B, s.heads, s.N, padded(s.N)], 'float32', new Float32Array(a.mem.buffer, qkvB + outB, pSize).slice());
        return [out, probs];
      },
    });
    registerOnce({
      kernelName: 'VitAttentionGrad',
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const b = backend as unknown as CpuBackendLike;
        const s = shapeOf(attrs);
        const rows = s.B * s.N;
        const d = s.heads * s.headDim;
        const pSize = s.B * s.heads * s.N * padded(s.N);
        const dyB = rows * d * 4;
        const qkvB = rows * 3 * d * 4;
        const pB = pSize * 4;
        const a = ownKernels(dyB + 2 * qkvB + pB + scratchBytes(s));
        const F = new Float32Array(a.mem.buffer);
        F.set(b.data.get(inputs.dy!.dataId).values, 0);
        F.set(b.data.get(inputs.qkv!.dataId).values, dyB / 4);
        F.set(b.data.get(inputs.probs!.dataId).values, (dyB + qkvB) / 4);
        const outAt = dyB + qkvB + pB;
        attentionBackward(a, s, 0, dyB, dyB + qkvB, outAt, outAt + qkvB);
        return b.makeTensorInfo([rows, 3 * d], 'float32', new Float32Array(a.mem.buffer, outAt, rows * 3 * d).slice());
      },
    });
  }
}

/** Backends the fast kernels are registered for. */
export const FAST_BACKENDS = ['wasm', 'cpu'];

/** Attention output [B·N, dim] from qkv [B·N, 3·dim]; differentiable. */
export function attentionCore(qkv: tf.Tensor2D, s: AttnShape): tf.Tensor2D {
  registerKernels();
  const attrs = { B: s.B, N: s.N, heads: s.heads, headDim: s.headDim };
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor;
    const save = args[1] as tf.GradSaveFunc;
    const [out, probs] = tf.engine().runKernel('VitAttention', { qkv: x }, { ...attrs, keepP: true } as unknown as tf.NamedAttrMap) as tf.Tensor[];
    save([x, probs]);
    return {
      value: out,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.engine().runKernel('VitAttentionGrad', { dy, qkv: saved[0], probs: saved[1] }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor,
    };
  });
  return op(qkv) as tf.Tensor2D;
}

/** Inference only (no probabilities kept, no tape). */
export function attentionCoreInference(qkv: tf.Tensor2D, s: AttnShape): tf.Tensor2D {
  registerKernels();
  const attrs = { B: s.B, N: s.N, heads: s.heads, headDim: s.headDim, keepP: false };
  return tf.engine().runKernel('VitAttention', { qkv }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor2D;
}

