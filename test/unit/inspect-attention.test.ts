import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { forwardWithAttention } from '../../src-main/inspect/forward.js';
import { attentionRollout, clsRow, headMean } from '../../src-main/inspect/rollout.js';
import type { PlainWeights } from '../../src-main/inspect/weights.js';
import { resolveConfig } from '../../src-main/vit/config.js';
import { VitModel } from '../../src-main/vit/model.js';

const m = (rows: number[][]) => Float32Array.from(rows.flat());

describe('attention rollout', () => {
  it('matches a hand-computed 2-layer example', () => {
    // Layer 1, two heads whose mean is [[.5 .5 0] [0 1 0] [0 0 1]]; layer 2, one head.
    const l1 = [m([[1, 0, 0], [0, 1, 0], [0, 0, 1]]), m([[0, 1, 0], [0, 1, 0], [0, 0, 1]])];
    const l2 = [m([[0.2, 0.3, 0.5], [0, 1, 0], [0, 0, 1]])];
    // Â1 = ½A1 + ½I = [[.75 .25 0] [0 1 0] [0 0 1]], Â2 = [[.6 .15 .25] [0 1 0] [0 0 1]];
    // row 0 of Â2·Â1 = .6·[.75 .25 0] + .15·[0 1 0] + .25·[0 0 1] = [.45 .30 .25] → patches [.30 .25].
    const r = attentionRollout([l1, l2], 3);
    expect(r).toHaveLength(2);
    expect(r[0]).toBeCloseTo(0.3, 6);
    expect(r[1]).toBeCloseTo(0.25, 6);
    // The order matters: Â1·Â2 has row 0 = .75·[.6 .15 .25] + .25·[0 1 0] = [.45 .3625 .1875].
    const swapped = attentionRollout([l2, l1], 3);
    expect(swapped[0]).toBeCloseTo(0.3625, 6);
    expect(Array.from(clsRow(headMean(l1), 3))).toEqual([0.5, 0]);
  });
});

describe('the plain-JS forward pass with attention', () => {
  it.each(['gelu', 'relu'] as const)('gives the training engine\'s logits (%s), and attention rows that are distributions', (activation) => {
    const c = resolveConfig({ depth: 2, heads: 2, activation }, 'tiny');
    const model = new VitModel(c, 7, 'reference');
    const weights: PlainWeights = {};
    for (const v of model.namedVariables()) weights[v.name] = { shape: [...v.variable.shape], data: v.variable.dataSync() as Float32Array };
    const P = (c.image / c.patch) ** 2;
    const F = c.patch * c.patch;
    const x = Float32Array.from({ length: P * F }, (_, i) => Math.sin(i * 0.37) * 1.5);
    const want = tf.tidy(() => model.forward(tf.tensor3d(x, [1, P, F]))).dataSync();
    const { logits, attention } = forwardWithAttention(c, weights, x);
    for (let j = 0; j < c.classes; j++) expect(Math.abs(logits[j] - want[j])).toBeLessThan(1e-4);
    expect(attention).toHaveLength(2);
    expect(attention[0]).toHaveLength(2);
    const N = P + 1;
    for (const layer of attention) for (const a of layer) for (let i = 0; i < N; i++) {
      let s = 0;
      for (let j = 0; j < N; j++) s += a[i * N + j];
      expect(s).toBeCloseTo(1, 5);
    }
    model.dispose();
  });
});
