import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACTIVATIONS } from '../../src-main/vit/config.js';
import { fastOps } from '../../src-main/vit/fast.js';
import type { ModelOps } from '../../src-main/vit/forward.js';
import { OP_SETS } from '../../src-main/vit/model.js';
import { referenceOps } from '../../src-main/vit/reference.js';
import type { Linear, Norm } from '../../src-main/vit/weights.js';
import { relErr } from './rel-err.js';

/**
 * Each op of the fast set against its reference twin, one op at a time (the whole model is
 * test/unit/equivalence.test.ts): values and the gradients with respect to every input, for every
 * activation the config allows (a new one in fields.ts ACTIVATIONS is tested here without edits).
 */

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});

const rand = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);
const variable = (shape: number[], seed: number) => tf.variable(rand(shape, seed));

/** f's value and its gradients with respect to xs under a fixed random upstream gradient. */
function valueAndGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, xs: tf.Tensor[]): Float32Array[] {
  return tf.tidy(() => {
    const y = f(...xs);
    const dy = rand(y.shape, 99);
    const grads = tf.grads((...a: tf.Tensor[]) => f(...a))(xs, dy);
    return [y, ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

function agree(f: (ops: ModelOps) => (...xs: tf.Tensor[]) => tf.Tensor, xs: tf.Tensor[]): void {
  const fast = valueAndGrads(f(fastOps), xs);
  const ref = valueAndGrads(f(referenceOps), xs);
  expect(fast).toHaveLength(xs.length + 1);
  fast.forEach((a, i) => expect(relErr(a, ref[i]), i === 0 ? 'value' : `gradient ${i}`).toBeLessThan(1e-4));
  // Not the same code: a fast op that fell back to the reference would compare it with itself.
  expect(Buffer.from(fast[0].buffer).equals(Buffer.from(ref[0].buffer))).toBe(false);
}

describe('fast op set against the reference op set', () => {
  it('names both sets for VitModel', () => {
    expect(OP_SETS).toEqual({ reference: referenceOps, fast: fastOps });
  });

  for (const activation of [undefined, ...ACTIVATIONS]) {
    it(`dense ${activation ?? 'without activation'}`, () => {
      const l: Linear = { w: variable([24, 20], 1), b: variable([20], 2) };
      agree((ops) => (x, w, b) => ops.dense(x as tf.Tensor2D, { w: w as tf.Variable, b: b as tf.Variable }, activation), [rand([37, 24], 3), l.w, l.b]);
      tf.dispose([l.w, l.b]);
    });
  }

  it('layerNorm', () => {
    const n: Norm = { g: variable([16], 4), b: variable([16], 5) };
    agree((ops) => (x, g, b) => ops.layerNorm(x as tf.Tensor2D, { g: g as tf.Variable, b: b as tf.Variable }), [rand([29, 16], 6).mul(3).add(1), n.g, n.b]);
    tf.dispose([n.g, n.b]);
  });

  it('attention, with and without a tape', () => {
    const s = { B: 3, N: 7, heads: 2, headDim: 6 };
    const qkv = rand([s.B * s.N, 3 * s.heads * s.headDim], 7);
    agree((ops) => (x) => ops.attention(x as tf.Tensor2D, s, true), [qkv]);
    const inference = (ops: ModelOps) => tf.tidy(() => ops.attention(qkv as tf.Tensor2D, s, false).dataSync() as Float32Array);
    expect(relErr(inference(fastOps), inference(referenceOps))).toBeLessThan(1e-4);
    qkv.dispose();
  });
});
