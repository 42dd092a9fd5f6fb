import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src-main/train/backend.js';
import { Trainer, type TrainData } from '../../src-main/train/trainer.js';
import { SEED_CONFIG, type RunConfig } from '../../src-main/vit/config.js';

/**
 * One data-parallel step (this thread + a helper thread with its own tfjs, parallel.ts) against the
 * single-instance computation on the same weights and batch: loss, every gradient, and an
 * evaluation split across both after the helper received the updated weights.
 */

function synthetic(config: RunConfig, train: number, test: number): TrainData {
  let s = 987654321;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 8) / 2 ** 24;
  const per = config.image * config.image * config.channels;
  const split = (count: number) => {
    const images = new Uint8Array(count * per);
    const labels = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      labels[i] = Math.floor(rnd() * config.classes);
      // A label-dependent pattern plus noise, so predictions are not all alike.
      for (let j = 0; j < per; j++) images[i * per + j] = Math.min(255, Math.floor(rnd() * 128 + (j % (labels[i] + 3) === 0 ? 127 : 0)));
    }
    return { images, labels, count };
  };
  return {
    name: 'synthetic',
    image: config.image,
    channels: config.channels,
    classes: Array.from({ length: config.classes }, (_, i) => String(i)),
    train: split(train),
    test: split(test),
    mean: 0.4,
    std: 0.3,
    flipInvariant: true,
  };
}

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / Math.max(scale, 1e-6);
}

const config: RunConfig = { ...SEED_CONFIG, epochs: 1, batch: 33, recipe: 'seed' };
const data = synthetic(config, 99, 70);
let single: Trainer;
let parallel: Trainer;

beforeAll(async () => {
  await selectBackend('wasm');
  single = new Trainer(config, data, 1);
  parallel = new Trainer(config, data, 2);
  expect(await single.startParallel()).toBe(false);
  expect(await parallel.startParallel()).toBe(true);
}, 60_000);

afterAll(() => {
  single?.dispose();
  parallel?.dispose();
});

describe('data-parallel step on two tfjs instances', () => {
  it('gives the loss and gradients of the single-instance step on the same weights and batch', () => {
    // Same seed: the same initial weights.
    const ws = single.model.namedVariables();
    const wp = parallel.model.namedVariables();
    for (let i = 0; i < ws.length; i++) expect(relErr(wp[i].variable.dataSync(), ws[i].variable.dataSync())).toBe(0);

    const B = config.batch; // odd: the parts are 16 and 17 samples
    const P = (config.image / config.patch) ** 2;
    const F = config.patch * config.patch * config.channels;
    const x = tf.randomNormal([B, P, F], 0, 1, 'float32', 3) as tf.Tensor3D;
    const labels = data.train.labels.slice(0, B);
    const y = tf.oneHot(tf.tensor1d(Array.from(labels), 'int32'), config.classes).toFloat() as tf.Tensor2D;

    const { value, grads } = tf.variableGrads(
      () => tf.losses.softmaxCrossEntropy(y, single.model.forward(x, true, 0)) as tf.Scalar,
      ws.map((v) => v.variable),
    );
    const pred = tf.tidy(() => single.model.forward(x, false).argMax(-1).dataSync());
    let correct = 0;
    for (let i = 0; i < B; i++) if (pred[i] === labels[i]) correct++;

    const r = parallel.partsGradients(x, labels, true);
    expect(Math.abs(r.loss - value.dataSync()[0]) / value.dataSync()[0]).toBeLessThan(1e-5);
    expect(r.correct).toBe(correct);
    for (let i = 0; i < ws.length; i++) {
      const gs = grads[ws[i].variable.name].dataSync();
      const gp = r.grads[wp[i].variable.name].dataSync();
      expect(relErr(gp, gs), ws[i].name).toBeLessThan(1e-4);
    }
    // The second part on this thread instead of the helper: bit-identical (what `auto` relies on).
    const l = parallel.partsGradients(x, labels, false);
    expect(l.loss).toBe(r.loss);
    expect(l.correct).toBe(r.correct);
    for (const v of wp) expect(relErr(l.grads[v.variable.name].dataSync(), r.grads[v.variable.name].dataSync()), v.name).toBe(0);
    tf.dispose([x, y, value, ...Object.values(grads), ...Object.values(r.grads), ...Object.values(l.grads)]);
  });

  it('hands updated weights to the helper: a split evaluation equals the single one', () => {
    const B = config.batch;
    const P = (config.image / config.patch) ** 2;
    const F = config.patch * config.patch * config.channels;
    for (let s = 0; s < 2; s++) {
      const x = tf.randomNormal([B, P, F], 0, 1, 'float32', 10 + s) as tf.Tensor3D;
      const r = parallel.trainStep(x, data.train.labels.slice(s * B, (s + 1) * B), 1e-3);
      expect(Number.isFinite(r.loss)).toBe(true);
      x.dispose();
    }
    const ws = single.model.namedVariables();
    parallel.model.namedVariables().forEach((v, i) => ws[i].variable.assign(v.variable));
    const a = parallel.evaluate();
    const b = single.evaluate();
    expect(a.total).toBe(b.total);
    expect(a.confusion.flat().reduce((s, c) => s + c, 0)).toBe(data.test.count);
    expect(Math.abs(a.testLoss - b.testLoss) / b.testLoss).toBeLessThan(1e-5);
    expect(a.correct).toBe(b.correct);
  });

  it('auto (second part here or on the helper, by timing) trains bit-identically to always-helper', async () => {
    const a = new Trainer(config, data, 'auto');
    const h = new Trainer(config, data, 2);
    try {
      expect(await a.startParallel()).toBe(true);
      expect(await h.startParallel()).toBe(true);
      const B = config.batch;
      const P = (config.image / config.patch) ** 2;
      const F = config.patch * config.patch * config.channels;
      for (let s = 0; s < 6; s++) {
        const x = tf.randomNormal([B, P, F], 0, 1, 'float32', 40 + s) as tf.Tensor3D;
        const labels = data.train.labels.slice(s * 11, s * 11 + B);
        const ra = a.trainStep(x, labels, 1e-3);
        const rh = h.trainStep(x, labels, 1e-3);
        expect(ra).toEqual(rh);
        x.dispose();
      }
      expect(a.stepsBy.local).toBeGreaterThanOrEqual(2);
      expect(a.stepsBy.helper).toBeGreaterThanOrEqual(2);
      const wa = a.model.namedVariables();
      h.model.namedVariables().forEach((v, i) => expect(relErr(wa[i].variable.dataSync(), v.variable.dataSync()), v.name).toBe(0));
      expect(a.evaluate()).toEqual(h.evaluate());
    } finally {
      a.dispose();
      h.dispose();
    }
  }, 60_000);

  it('keeps the tensor count flat over steps', () => {
    const B = config.batch;
    const P = (config.image / config.patch) ** 2;
    const F = config.patch * config.patch * config.channels;
    const counts: number[] = [];
    for (let s = 0; s < 3; s++) {
      const x = tf.randomNormal([B, P, F], 0, 1, 'float32', 20 + s) as tf.Tensor3D;
      parallel.trainStep(x, data.train.labels.slice(0, B), 1e-3);
      x.dispose();
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
  });
});
