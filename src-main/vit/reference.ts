import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './config.js';
import type { Block, Linear, Norm, VitWeights } from './model.js';

/**
 * The reference formulation of the model: plain tfjs ops with tfjs's own gradients, written to
 * read like DESIGN.md's "The model". It is the yardstick of test/unit/equivalence.test.ts for the
 * optimised formulation in model.ts / fast.ts, and the path used on backends without the fast
 * kernels (e.g. tensorflow, whose batched matMul is native).
 */
export function referenceForward(
  c: ModelConfig,
  w: VitWeights,
  patches: tf.Tensor3D,
  training = false,
  dropoutSeed = 0,
): tf.Tensor2D {
  const [B, P, F] = patches.shape;
  const N = P + 1;
  const d = c.dim;
  let dropCounter = 0;
  const drop = <T extends tf.Tensor>(x: T): T => (training && c.dropout > 0 ? (tf.dropout(x, c.dropout, undefined, dropoutSeed + dropCounter++) as T) : x);

  const emb = dense(patches.reshape([B * P, F]), w.patch).reshape([B, P, d]);
  const cls = tf.tile(w.cls, [B, 1, 1]);
  let x: tf.Tensor2D = tf.concat([cls, emb], 1).add(w.pos).reshape([B * N, d]);

  for (const blk of w.blocks) {
    x = x.add(attention(c, layerNorm(x, blk.norm1), blk, B, N));
    const h = activate(dense(layerNorm(x, blk.norm2), blk.mlp1), c.activation);
    x = x.add(drop(dense(drop(h), blk.mlp2)));
  }
  const clsOut = x.reshape([B, N, d]).slice([0, 0, 0], [B, 1, d]).reshape([B, d]) as tf.Tensor2D;
  return dense(layerNorm(clsOut, w.headNorm), w.head);
}

function attention(c: ModelConfig, x: tf.Tensor2D, blk: Block, B: number, N: number): tf.Tensor2D {
  const d = c.dim;
  const h = c.heads;
  const hd = d / h;
  const qkv = dense(x, blk.qkv); // [B·N, 3d]
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
  const out = tf
    .matMul(attn, v)
    .reshape([B, h, N, hd])
    .transpose([0, 2, 1, 3])
    .reshape([B * N, d]) as tf.Tensor2D;
  return dense(out, blk.fcOut);
}

export function dense(x: tf.Tensor2D, l: Linear): tf.Tensor2D {
  return tf.matMul(x, l.w).add(l.b);
}

export function layerNorm(x: tf.Tensor2D, n: Norm, eps = 1e-5): tf.Tensor2D {
  const mean = x.mean(-1, true);
  const xc = x.sub(mean);
  const variance = xc.square().mean(-1, true);
  return xc.mul(variance.add(eps).rsqrt()).mul(n.g).add(n.b);
}

const SQRT1_2 = Math.SQRT1_2;
export function activate(x: tf.Tensor2D, kind: ModelConfig['activation']): tf.Tensor2D {
  if (kind === 'relu') return tf.relu(x);
  // Exact (erf) GELU, PyTorch's default `approximate='none'`.
  return x.mul(tf.erf(x.mul(SQRT1_2)).add(1)).mul(0.5);
}
