import * as tf from '@tensorflow/tfjs';
import type { Activation, AttnShape, ModelOps } from './forward.js';
import type { Linear, Norm } from './weights.js';

/**
 * The reference op set: plain tfjs ops with tfjs's own gradients, written to read like DESIGN.md's
 * "The model". It is the yardstick of test/unit/equivalence.test.ts for the fast op set
 * (fast.ts), and the set used on backends without the fast kernels (e.g. tensorflow, whose
 * batched matMul is native).
 */

export function dense(x: tf.Tensor2D, l: Linear): tf.Tensor2D {
  return tf.matMul(x, l.w).add(l.b);
}

export function layerNorm(x: tf.Tensor2D, n: Norm, eps = 1e-5): tf.Tensor2D {
  const mean = x.mean(-1, true);
  const xc = x.sub(mean);
  const variance = xc.square().mean(-1, true);
  return xc.mul(variance.add(eps).rsqrt()).mul(n.g).add(n.b);
}

/** Each activation as tfjs ops: one added to fields.ts ACTIVATIONS does not type-check until it is here. */
export const ACTIVATION_OPS = {
  relu: (x: tf.Tensor2D) => tf.relu(x),
  // Exact (erf) GELU, PyTorch's default `approximate='none'`.
  gelu: (x: tf.Tensor2D) => x.mul(tf.erf(x.mul(Math.SQRT1_2)).add(1)).mul(0.5) as tf.Tensor2D,
} satisfies Record<Activation, (x: tf.Tensor2D) => tf.Tensor2D>;

export function activate(x: tf.Tensor2D, kind: Activation): tf.Tensor2D {
  return ACTIVATION_OPS[kind](x);
}

function attention(qkv: tf.Tensor2D, s: AttnShape): tf.Tensor2D {
  const { B, N, heads: h, headDim: hd } = s;
  const d = h * hd;
  // [B, N, 3, h, hd] would need a rank-5 transpose (slow on wasm); three slices keep it rank 4.
  const heads = (i: number) =>
    qkv
      .slice([0, i * d], [B * N, d])
      .reshape([B, N, h, hd])
      .transpose([0, 2, 1, 3])
      .reshape([B * h, N, hd]) as tf.Tensor3D;
  const q = heads(0);
  const k = heads(1);
  const v = heads(2);
  const scores = tf.matMul(q, k, false, true).mul(1 / Math.sqrt(hd));
  const attn = tf.softmax(scores);
  return tf
    .matMul(attn, v)
    .reshape([B, h, N, hd])
    .transpose([0, 2, 1, 3])
    .reshape([B * N, d]) as tf.Tensor2D;
}

export const referenceOps: ModelOps = {
  dense: (x, l, activation) => (activation ? activate(dense(x, l), activation) : dense(x, l)),
  layerNorm: (x, n) => layerNorm(x, n),
  attention: (qkv, s) => attention(qkv, s),
};
