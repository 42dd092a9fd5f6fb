import * as tf from '@tensorflow/tfjs';
import { biasGradKernel, reluGradKernel } from './kernels/linear-grad.js';
import { runJsKernel } from './kernels/plumbing.js';

export { attentionCore, attentionCoreInference, FAST_BACKENDS, type AttnShape } from './kernels/attention.js';

/**
 * The optimised formulation of the model's hot ops (see README "Performance"): every op here has
 * a reference twin in reference.ts, and test/unit/equivalence.test.ts checks that logits, loss and
 * every gradient agree.
 *
 * - `linear`: y = act(x·W + b) as one fused matMul (XNNPACK on wasm), with a custom gradient whose
 *   matMuls are all plain 2-D and non-transposed (tfjs's own gradient uses transposed matMuls,
 *   which run a scalar loop on wasm): dx = dy·(Wᵀ), dW = (xᵀ)·dy, db = Σ dy.
 * - `attentionCore` (kernels/attention.ts), `fusedLayerNorm` (kernels/layer-norm.ts).
 */

// ---- linear layers ----------------------------------------------------------------------------

function makeLinear(activation: 'linear' | 'relu') {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, w, b] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const y = tf.fused.matMul({ a: x as tf.Tensor2D, b: w as tf.Tensor2D, bias: b, activation });
    save(activation === 'relu' ? [x, w, y] : [x, w]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws, ys] = saved;
        // One pass for the ReLU mask and the bias gradient (kernels/linear-grad.ts).
        const [g, db] = activation === 'relu' ? runJsKernel(reluGradKernel, [dy, ys], {}) : [dy, runJsKernel(biasGradKernel, [dy], {})[0]];
        const dx = tf.matMul(g as tf.Tensor2D, tf.transpose(ws) as tf.Tensor2D);
        const dw = tf.matMul(tf.transpose(xs) as tf.Tensor2D, g as tf.Tensor2D);
        return [dx, dw, db];
      },
    };
  });
}
const linearOps = { linear: makeLinear('linear'), relu: makeLinear('relu') };

/** act(x·W + b) for x [M, in], W [in, out], b [out]. */
export function linear(x: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor, activation: 'linear' | 'relu' = 'linear'): tf.Tensor2D {
  return linearOps[activation](x, w, b) as tf.Tensor2D;
}
