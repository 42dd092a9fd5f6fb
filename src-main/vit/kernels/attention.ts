import * as tf from '@tensorflow/tfjs';
import { f32Bits } from '../simd.js';
import { runHeapKernel, type Heap, type HeapKernel } from './plumbing.js';

/**
 * The attention core as one tfjs kernel per direction (`VitAttention`, `VitAttentionGrad`, for
 * wasm and cpu): softmax(Q·Kᵀ/√hd)·V for every (sample, head), reading Q, K, V straight out of
 * the qkv activation [B·N, 3·dim] and writing heads side by side into [B·N, dim] — no slices, no
 * rank-4 transposes, no batched matMul. Its small matrix products (the gemm of gemm.ts, A read
 * through strides) and its softmax (simd.ts) run on the wasm heap itself.
 */

// ---- attention core ---------------------------------------------------------------------------

export interface AttnShape {
  B: number;
  N: number;
  heads: number;
  headDim: number;
}

/**
 * The sizes both directions index by: the model width d, the row stride of the packed q|k|v rows
 * (3·d), the softmax scale and N padded to whole vectors.
 */
function layoutOf(s: AttnShape): { B: number; N: number; h: number; hd: number; d: number; ld: number; scale: number; Np: number } {
  const { B, N, heads: h, headDim: hd } = s;
  const d = h * hd;
  return { B, N, h, hd, d, ld: 3 * d, scale: 1 / Math.sqrt(hd), Np: padded(N) };
}

/**
 * Forward for every (b, h): S = (Q·(scale·K)ᵀ), P = softmax(S) row-wise, O = P·V. `p` < 0 means
 * "no probabilities kept" (inference): a scratch N×N is used per head.
 */
function attentionForward(k: Heap, s: AttnShape, qkv: number, out: number, p: number, scratch: number): void {
  const { B, N, h, hd, d, ld, scale, Np } = layoutOf(s);
  const kt = scratch; // [hd, Np], zero past N
  const sScratch = scratch + hd * Np * 4; // [N, Np]
  const scaleBits = f32Bits(scale);
  for (let b = 0; b < B; b++) {
    const r0 = b * N;
    for (let hh = 0; hh < h; hh++) {
      const qoff = r0 * ld + hh * hd;
      const koff = qoff + d;
      const voff = qoff + 2 * d;
      // scale·Kᵀ into [hd, Np]; the zero pad columns make S's pad lanes 0 and keep the gemm on whole vectors
      k.transposeScaled(qkv + koff * 4, ld * 4, N, hd, kt, Np, scaleBits);
      const sp = p >= 0 ? p + (b * h + hh) * N * Np * 4 : sScratch;
      k.gemm(N, Np, hd, qkv + qoff * 4, ld * 4, 4, kt, Np * 4, sp, Np * 4, 0, 0);
      k.softmax(sp, N, N, Np * 4);
      k.gemm(N, hd, N, sp, Np * 4, 4, qkv + voff * 4, ld * 4, out + (r0 * d + hh * hd) * 4, d * 4, 0, 0);
    }
  }
}

/** Backward: dV = Pᵀ·dO, dP = dO·Vᵀ, dS = scale·P∘(dP − rowsum(P∘dP)), dQ = dS·K, dK = dSᵀ·Q. */
function attentionBackward(k: Heap, s: AttnShape, dO: number, qkv: number, p: number, dqkv: number, scratch: number): void {
  const { B, N, h, hd, d, ld, scale, Np } = layoutOf(s);
  const vt = scratch; // [hd, Np], zero past N
  const dp = scratch + hd * Np * 4; // [N, Np]
  const scaleBits = f32Bits(scale);
  const oneBits = f32Bits(1);
  for (let b = 0; b < B; b++) {
    const r0 = b * N;
    for (let hh = 0; hh < h; hh++) {
      const qoff = r0 * ld + hh * hd;
      const koff = qoff + d;
      const voff = qoff + 2 * d;
      const ooff = r0 * d + hh * hd;
      k.transposeScaled(qkv + voff * 4, ld * 4, N, hd, vt, Np, oneBits);
      const pb = p + (b * h + hh) * N * Np * 4;
      // dP over Np columns (pads 0: P's pads are 0 too, so dS's pads are 0)
      k.gemm(N, Np, hd, dO + ooff * 4, d * 4, 4, vt, Np * 4, dp, Np * 4, 0, 0);
      k.gemm(N, hd, N, pb, 4, Np * 4, dO + ooff * 4, d * 4, dqkv + voff * 4, ld * 4, 0, 0);
      k.softmaxGrad(pb, dp, Np / 4, N, Np * 4, scaleBits);
      k.gemm(N, hd, N, dp, Np * 4, 4, qkv + koff * 4, ld * 4, dqkv + qoff * 4, ld * 4, 0, 0);
      k.gemm(N, hd, N, dp, 4, Np * 4, qkv + qoff * 4, ld * 4, dqkv + koff * 4, ld * 4, 0, 0);
    }
  }
}

/** Rows of scores / probabilities are padded to whole f32x4 vectors. */
const padded = (n: number) => Math.ceil(n / 4) * 4;
const scratchBytes = (s: AttnShape) => (s.headDim + s.N) * padded(s.N) * 4;

type Attrs = AttnShape & { keepP: boolean };

const forwardKernel: HeapKernel<Attrs> = {
  name: 'VitAttention',
  inputs: ['qkv'],
  outputs: (_, s) => [[s.B * s.N, s.heads * s.headDim], ...(s.keepP ? [[s.B, s.heads, s.N, padded(s.N)]] : [])],
  scratchBytes: (_, s) => scratchBytes(s),
  run: (h, [qkv], [out, probs], scratch, _, s) => attentionForward(h, s, qkv, out, s.keepP ? probs : -1, scratch),
};

const backwardKernel: HeapKernel<AttnShape> = {
  name: 'VitAttentionGrad',
  inputs: ['dy', 'qkv', 'probs'],
  outputs: (_, s) => [[s.B * s.N, 3 * s.heads * s.headDim]],
  scratchBytes: (_, s) => scratchBytes(s),
  run: (h, [dy, qkv, probs], [out], scratch, _, s) => attentionBackward(h, s, dy, qkv, probs, out, scratch),
};

/** Backends the fast kernels are registered for. */
export const FAST_BACKENDS = ['wasm', 'cpu'];

/** Attention output [B·N, dim] from qkv [B·N, 3·dim]; differentiable. */
export function attentionCore(qkv: tf.Tensor2D, s: AttnShape): tf.Tensor2D {
  const attrs = { B: s.B, N: s.N, heads: s.heads, headDim: s.headDim };
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor;
    const save = args[1] as tf.GradSaveFunc;
    const [out, probs] = runHeapKernel(forwardKernel, [x], { ...attrs, keepP: true });
    save([x, probs]);
    return {
      value: out,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => runHeapKernel(backwardKernel, [dy, saved[0], saved[1]], attrs)[0],
    };
  });
  return op(qkv) as tf.Tensor2D;
}

/** Inference only (no probabilities kept, no tape). */
export function attentionCoreInference(qkv: tf.Tensor2D, s: AttnShape): tf.Tensor2D {
  return runHeapKernel(forwardKernel, [qkv], { B: s.B, N: s.N, heads: s.heads, headDim: s.headDim, keepP: false })[0] as tf.Tensor2D;
}

