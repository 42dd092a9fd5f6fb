import { gemmLinear } from './kernels/linear.js';

export { attentionCore, attentionCoreInference, FAST_BACKENDS, type AttnShape } from './kernels/attention.js';

/**
 * The optimised formulation of the model's hot ops (see README "Performance"): every op here has
 * a reference twin in reference.ts, and test/unit/equivalence.test.ts checks that logits, loss and
 * every gradient agree.
 *
 * - `linear`: y = act(x·W + b) and its gradient (dx = g·Wᵀ, dW = xᵀ·g, db = Σ g) as one kernel each
 *   (kernels/linear.ts) on a register-blocked wasm SIMD gemm (kernels/gemm.ts), 2–3× XNNPACK's
 *   matMul on these shapes.
 * - `attentionCore` (kernels/attention.ts), `fusedLayerNorm` (kernels/layer-norm.ts).
 */

/** act(x·W + b) for x [M, in], W [in, out], b [out]: the gemm of kernels/gemm.ts, both directions. */
export const linear = gemmLinear;
