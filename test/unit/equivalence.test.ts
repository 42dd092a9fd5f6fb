import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { SEED_CONFIG, type RunConfig } from '../../src-main/vit/config.js';
import { VitModel } from '../../src-main/vit/model.js';
import { relErr } from './rel-err.js';

/**
 * The optimised formulation (fused linear layers with custom gradients, the SIMD attention kernel)
 * against the reference one (plain tfjs ops and tfjs's gradients, src-main/vit/reference.ts), on
 * the same weights and batch: logits, loss and every gradient, on cpu and on wasm.
 */

const CONFIGS: [string, Partial<RunConfig>][] = [
  ['seed', {}],
  ['heads 1', { heads: 1 }],
  ['patch 7', { patch: 7 }],
  ['gelu + dropout', { activation: 'gelu', dropout: 0.1 }],
  ['odd head size (dim 30, heads 3, patch 14)', { dim: 30, heads: 3, mlp: 40, patch: 14 }],
];


function lossAndGrads(m: VitModel, x: tf.Tensor3D, y: tf.Tensor2D, training: boolean) {
  const vars = m.namedVariables();
  let logits: tf.Tensor | null = null;
  const { value, grads } = tf.variableGrads(() => {
    const l = m.forward(x, training, 1234);
    logits = tf.keep(l);
    return tf.losses.softmaxCrossEntropy(y, l) as tf.Scalar;
  }, vars.map((v) => v.variable));
  const out = {
    logits: (logits as unknown as tf.Tensor).dataSync() as Float32Array,
    loss: value.dataSync()[0],
    grads: vars.map((v) => ({ name: v.name, g: grads[v.variable.name].dataSync() as Float32Array })),
  };
  tf.dispose([value, logits as unknown as tf.Tensor, ...Object.values(grads)]);
  return out;
}

for (const backend of ['cpu', 'wasm']) {
  describe(`optimised vs reference formulation on ${backend}`, () => {
    for (const [label, over] of CONFIGS) {
      it(label, async () => {
        await tf.setBackend(backend);
        await tf.ready();
        const c = { ...SEED_CONFIG, ...over };
        const ref = new VitModel(c, 5, 'reference');
        const fast = new VitModel(c, 5, 'fast');
        try {
          // `auto` takes the optimised path on wasm only (cpu keeps the reference, see useFast).
          const auto = new VitModel(c, 5);
          expect(auto.useFast()).toBe(backend === 'wasm');
          auto.dispose();
          const B = 6;
          const P = (c.image / c.patch) ** 2;
          const F = c.patch * c.patch * c.channels;
          const x = tf.randomNormal([B, P, F], 0, 1, 'float32', 7) as tf.Tensor3D;
          const labels = Array.from({ length: B }, (_, i) => (i * 7) % c.classes);
          const y = tf.oneHot(tf.tensor1d(labels, 'int32'), c.classes).toFloat() as tf.Tensor2D;
          const training = c.dropout > 0;
          const r = lossAndGrads(ref, x, y, training);
          const f = lossAndGrads(fast, x, y, training);
          expect(relErr(f.logits, r.logits)).toBeLessThan(1e-4);
          // Close but not bit-identical: the two really ran different formulations (a fast path that
          // fell back to the reference would compare the reference with itself).
          expect(Buffer.from(f.logits.buffer).equals(Buffer.from(r.logits.buffer))).toBe(false);
          expect(Math.abs(f.loss - r.loss) / Math.abs(r.loss)).toBeLessThan(1e-5);
          expect(f.grads.map((g) => g.name)).toEqual(r.grads.map((g) => g.name));
          for (let i = 0; i < r.grads.length; i++) {
            expect(relErr(f.grads[i].g, r.grads[i].g), r.grads[i].name).toBeLessThan(1e-4);
          }
          // Inference (no tape: the kernel keeps no probabilities) gives the same logits too.
          const li = tf.tidy(() => fast.forward(x, false).dataSync() as Float32Array);
          const lr = tf.tidy(() => ref.forward(x, false).dataSync() as Float32Array);
          expect(relErr(li, lr)).toBeLessThan(1e-4);
          tf.dispose([x, y]);
        } finally {
          ref.dispose();
          fast.dispose();
        }
      });
    }
  });
}
