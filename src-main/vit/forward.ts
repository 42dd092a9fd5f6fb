import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './config.js';
import type { AttnShape } from './kernels/attention.js';
import type { Linear, Norm, VitWeights } from './weights.js';

export type { AttnShape };

/** The MLP's activation (fields.ts ACTIVATIONS): every op set maps each one, checked by the type checker. */
export type Activation = ModelConfig['activation'];

/**
 * The operations the model is written over. Two sets implement them: `referenceOps`
 * (reference.ts: plain tfjs ops and tfjs's gradients, the yardstick) and `fastOps` (fast.ts: our
 * kernels); test/unit/equivalence.test.ts and test/unit/op-sets.test.ts check that they agree.
 * A new layer kind is a new member here, which both sets must then provide.
 */
export interface ModelOps {
  /** act(x·W + b) for x [M, in]; no activation when `activation` is absent. */
  dense(x: tf.Tensor2D, l: Linear, activation?: Activation): tf.Tensor2D;
  /** LayerNorm over the last axis (eps 1e-5) with gain and bias. */
  layerNorm(x: tf.Tensor2D, n: Norm): tf.Tensor2D;
  /**
   * softmax(Q·Kᵀ/√hd)·V per sample and head, from qkv [B·N, 3·dim] (q | k | v, heads side by side)
   * to [B·N, dim]. `tape`: a gradient will be taken (a kernel may then keep what backward needs).
   */
  attention(qkv: tf.Tensor2D, s: AttnShape, tape: boolean): tf.Tensor2D;
}

/**
 * The model's forward pass, written once (DESIGN.md "The model"): logits [B, classes] from
 * patches [B, N−1, p·p·C] (see `patchify`). `training` turns dropout on; `dropoutSeed` makes it
 * reproducible (each dropout draws the next seed, in the order below).
 */
export function vitForward(ops: ModelOps, c: ModelConfig, w: VitWeights, patches: tf.Tensor3D, training = false, dropoutSeed = 0): tf.Tensor2D {
  const [B, P, F] = patches.shape;
  const N = P + 1;
  const d = c.dim;
  let dropCounter = 0;
  const drop = <T extends tf.Tensor>(x: T): T => (training && c.dropout > 0 ? (tf.dropout(x, c.dropout, undefined, dropoutSeed + dropCounter++) as T) : x);
  const shape: AttnShape = { B, N, heads: c.heads, headDim: d / c.heads };
  const tape = training || tf.engine().state.gradientDepth > 0;

  const emb = ops.dense(patches.reshape([B * P, F]), w.patch).reshape([B, P, d]);
  // A broadcast add, not tf.tile: tile's gradient is one slice and one add per sample (200
  // dispatches a step at batch 100), a broadcast add's is one sum.
  const cls = tf.zeros([B, 1, d]).add(w.cls);
  let x: tf.Tensor2D = tf.concat([cls, emb], 1).add(w.pos).reshape([B * N, d]);

  for (const blk of w.blocks) {
    const qkv = ops.dense(ops.layerNorm(x, blk.norm1), blk.qkv);
    x = x.add(ops.dense(ops.attention(qkv, shape, tape), blk.fcOut));
    const h = ops.dense(ops.layerNorm(x, blk.norm2), blk.mlp1, c.activation);
    x = x.add(drop(ops.dense(drop(h), blk.mlp2)));
  }
  const clsOut = x.reshape([B, N, d]).slice([0, 0, 0], [B, 1, d]).reshape([B, d]) as tf.Tensor2D;
  return ops.dense(ops.layerNorm(clsOut, w.headNorm), w.head);
}
