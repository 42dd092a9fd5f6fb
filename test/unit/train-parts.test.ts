import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { augmentInto } from '../../src-main/train/augment.js';
import { BatchBuilder } from '../../src-main/train/batch.js';
import type { Split } from '../../src-main/train/data.js';
import { evaluateSplit, resultOf } from '../../src-main/train/evaluate.js';
import { batchMeanLoss, partLoss, targetsInto } from '../../src-main/train/loss.js';
import { partRange } from '../../src-main/train/parallel-math.js';
import { mulberry32 } from '../../src-main/train/rng.js';
import { LocalRunner } from '../../src-main/train/step-runner.js';
import { SEED_CONFIG } from '../../src-main/vit/config.js';
import { VitModel, patchify } from '../../src-main/vit/model.js';
import { flatLayout } from '../../src-main/vit/params.js';
import { storeFlatWeights } from '../../src-main/train/parallel-math.js';

/** The trainer's small parts on their own: targets and loss, batches, the part split, evaluation. */

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('the one loss', () => {
  it('targets: smoothing / k everywhere plus 1 − smoothing on the class, for labels[from, to)', () => {
    const out = new Float32Array(12).fill(7);
    const t = targetsInto([2, 0, 1, 2], 1, 3, 3, 0.3, out);
    expect(Array.from(t)).toEqual(Array.from(new Float32Array([0.1 + 0.7, 0.1, 0.1, 0.1, 0.1 + 0.7, 0.1])));
    expect(out[6]).toBe(7);
    expect(Array.from(targetsInto([1], 0, 1, 2, 0, out))).toEqual([0, 1]);
  });

  it('targets name a label outside the classes and a buffer too small', () => {
    expect(() => targetsInto([0, 3], 0, 2, 3, 0, new Float32Array(6))).toThrow('label 3 of sample 1 is not a class from 0 to 2');
    expect(() => targetsInto([0, 1], 0, 2, 3, 0, new Float32Array(5))).toThrow('2 samples × 3 classes do not fit in 5 floats');
  });

  it('a part loss is the cross-entropy sum times the scale; parts of a batch add up to its mean', () => {
    const logits = tf.tensor2d([2, 0, -1, 0.5, 0.5, 3, -2, 1, 0], [3, 3]);
    const labels = [0, 2, 1];
    const y = tf.tensor2d(targetsInto(labels, 0, 3, 3, 0, new Float32Array(9)), [3, 3]);
    const logp = tf.logSoftmax(logits).arraySync();
    const expected = -labels.reduce((s, c, i) => s + logp[i][c], 0);
    expect(partLoss(y, logits, 1).dataSync()[0]).toBeCloseTo(expected, 5);
    expect(partLoss(y, logits, 1 / 3).dataSync()[0]).toBeCloseTo(expected / 3, 5);
    const parts = [tf.slice(logits, [0, 0], [1, 3]), tf.slice(logits, [1, 0], [2, 3])].map((l, i) =>
      partLoss(tf.tensor2d(targetsInto(labels, i, i === 0 ? 1 : 3, 3, 0, new Float32Array(9)), [i === 0 ? 1 : 2, 3]), l as tf.Tensor2D, 1 / 3).dataSync()[0],
    );
    expect(batchMeanLoss(parts)).toBeCloseTo(expected / 3, 5);
  });

  it('the batch mean adds the parts in float32, in part order', () => {
    const parts = [0.1, 0.2, 0.3];
    const f = Math.fround;
    expect(batchMeanLoss(parts)).toBe(f(f(f(0.1) + f(0.2)) + f(0.3)));
    expect(batchMeanLoss([0.5])).toBe(0.5);
    expect(batchMeanLoss([])).toBe(0);
  });
});

describe('the part split', () => {
  it('covers n samples in N contiguous parts whose sizes differ by at most one', () => {
    for (const [n, N] of [[33, 4], [7, 3], [5, 5], [100, 1], [250, 16]]) {
      const parts = Array.from({ length: N }, (_, i) => partRange(n, N, i));
      expect(parts[0].from).toBe(0);
      expect(parts[N - 1].to).toBe(n);
      parts.slice(1).forEach((p, i) => expect(p.from).toBe(parts[i].to));
      const sizes = parts.map((p) => p.to - p.from);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
  });
});

const shape = { image: 8, channels: 1, patch: 4 };
function split(count: number, seed: number): Split {
  const rand = mulberry32(seed);
  const images = Uint8Array.from({ length: count * 64 }, () => Math.floor(rand() * 256));
  return { images, labels: Uint8Array.from({ length: count }, (_, i) => (i * 3) % 4), count };
}

describe('batches in host buffers', () => {
  const norm = { mean: 0.4, std: 0.2 };
  const s = split(10, 1);

  it('gathers samples into the normalised patches patchify gives, and their labels', () => {
    const b = new BatchBuilder(shape, 4, norm, true);
    const idx = [7, 2, 9];
    const { x, labels, n } = b.gather(s, idx, null);
    expect(n).toBe(3);
    expect(Array.from(labels)).toEqual(idx.map((i) => s.labels[i]));
    const raw = new Uint8Array(idx.flatMap((i) => Array.from(s.images.subarray(i * 64, i * 64 + 64))));
    expect(Array.from(x)).toEqual(Array.from(patchify(raw, 3, 8, 1, 4, undefined, 1 / (255 * norm.std), -norm.mean / norm.std)));
  });

  it('augments each sample with the stream it is given, in sample order', () => {
    const b = new BatchBuilder(shape, 4, norm, false);
    const { x } = b.gather(s, [3, 4], mulberry32(5));
    const rand = mulberry32(5);
    const raw = new Uint8Array(128);
    for (const [k, i] of [3, 4].entries()) augmentInto(s.images.subarray(i * 64, i * 64 + 64), raw.subarray(k * 64, k * 64 + 64), 8, 1, rand, { flip: false, shift: 2 });
    expect(Array.from(x)).toEqual(Array.from(patchify(raw, 2, 8, 1, 4, undefined, 1 / (255 * norm.std), -norm.mean / norm.std)));
  });

  it('reuses its buffers, and a range equals the gather of the same samples', () => {
    const b = new BatchBuilder(shape, 4, norm, true);
    const r = b.range(s, 6, 4);
    const copy = { x: r.x.slice(), labels: r.labels.slice() };
    const g = b.gather(s, [6, 7, 8, 9], null);
    expect(g.x.buffer).toBe(r.x.buffer);
    expect(Array.from(g.x)).toEqual(Array.from(copy.x));
    expect(Array.from(g.labels)).toEqual(Array.from(copy.labels));
  });

  it('names a batch too large, a sample outside the split and a range past its end', () => {
    const b = new BatchBuilder(shape, 4, norm, true);
    expect(() => b.gather(s, [0, 1, 2, 3, 4], null)).toThrow('5 samples do not fit in a builder for 4');
    expect(() => b.gather(s, [10], null)).toThrow('sample 10 is outside the split of 10');
    expect(() => b.range(s, 8, 3)).toThrow('samples 8…10 are outside the split of 10');
  });
});

describe('the one evaluation', () => {
  it('fills the confusion matrix by true class and sums the loss', () => {
    const r = resultOf([[3, 1], [2, 4]], 5, 10);
    expect(r).toEqual({ testLoss: 0.5, correct: 7, total: 10, perClass: [{ correct: 3, total: 4 }, { correct: 4, total: 6 }], confusion: [[3, 1], [2, 4]] });
    expect(resultOf([[0]], 0, 0).testLoss).toBe(0);
  });

  it('gives the same result in any chunk size and any number of parts (within float rounding)', () => {
    const config = { ...SEED_CONFIG, ...shape, classes: 4, dim: 8, heads: 2, depth: 1, mlp: 16 };
    const model = new VitModel(config, 3);
    const flat = new Float32Array(flatLayout(config).total);
    storeFlatWeights(model, flat);
    try {
      const s = split(23, 2);
      const b = new BatchBuilder(shape, 23, { mean: 0.5, std: 0.3 }, true);
      const part = { P: 4, F: 16, classes: 4 };
      const one = evaluateSplit(new LocalRunner(model, flat, 1, 23, part), b, s, 4, 23);
      expect(one.total).toBe(23);
      expect(one.confusion.flat().reduce((a, c) => a + c, 0)).toBe(23);
      expect(one.confusion.map((row) => row.reduce((a, c) => a + c, 0))).toEqual([0, 1, 2, 3].map((c) => s.labels.filter((l) => l === c).length));
      for (const [parts, chunk] of [[3, 23], [1, 5], [4, 7]]) {
        const r = evaluateSplit(new LocalRunner(model, flat, parts, 23, part), b, s, 4, chunk);
        expect(r.confusion).toEqual(one.confusion);
        expect(Math.abs(r.testLoss - one.testLoss) / one.testLoss).toBeLessThan(1e-6);
      }
    } finally {
      model.dispose();
    }
  });
});
