import type * as tf from '@tensorflow/tfjs';
import { attentionCore, attentionCoreInference } from './kernels/attention.js';
import { fusedLayerNorm } from './kernels/layer-norm.js';
import { gemmLinear } from './kernels/linear.js';
import type { Activation, ModelOps } from './forward.js';
import { ACTIVATION_OPS } from './reference.js';
import type { Linear } from './weights.js';

/**
 * The fast op set (see README "Performance"): every op here has a reference twin in
 * reference.ts, and test/unit/equivalence.test.ts checks that logits, loss and every gradient
 * agree.
 *
 * - `dense`: y = act(x·W + b) and its gradient (dx = g·Wᵀ, dW = xᵀ·g, db = Σ g) as one kernel each
 *   (kernels/linear.ts) on a register-blocked wasm SIMD gemm (kernels/gemm.ts), 2–3× XNNPACK's
 *   matMul on these shapes.
 * - `attention` (kernels/attention.ts): keeps its probabilities only under a gradient tape.
 * - `layerNorm` (kernels/layer-norm.ts): forward and backward one kernel each.
 */

/**
 * A dense layer followed by each activation: ReLU runs inside the gemm (bias and max in
 * registers); GELU has no kernel yet, so it is the reference's tfjs ops on the gemm's output.
 * An activation added to fields.ts ACTIVATIONS does not type-check until it is here.
 */
const DENSE_WITH = {
  relu: (x: tf.Tensor2D, l: Linear) => gemmLinear(x, l.w, l.b, 'relu'),
  gelu: (x: tf.Tensor2D, l: Linear) => ACTIVATION_OPS.gelu(gemmLinear(x, l.w, l.b)),
} satisfies Record<Activation, (x: tf.Tensor2D, l: Linear) => tf.Tensor2D>;

export const fastOps: ModelOps = {
  dense: (x, l, activation) => (activation ? DENSE_WITH[activation](x, l) : gemmLinear(x, l.w, l.b)),
  layerNorm: (x, n) => fusedLayerNorm(x, n.g, n.b),
  attention: (qkv, s, tape) => (tape ? attentionCore(qkv, s) : attentionCoreInference(qkv, s)),
};
