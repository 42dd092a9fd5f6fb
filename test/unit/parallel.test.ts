import * as tf from '@tensorflow/tfjs';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src-main/train/backend.js';
import { MAX_TRAIN_THREADS, trainThreads } from '../../src-main/train/parallel.js';
import { Trainer, type TrainData } from '../../src-main/train/trainer.js';
import { SEED_CONFIG, type RunConfig } from '../../src-main/vit/config.js';
import { relErr } from './rel-err.js';

/**
 * Data-parallel steps on N = 1…4 instances (this thread + N − 1 helper threads with their own
 * tfjs, parallel.ts; 3 and 4 oversubscribe a 2-core machine) against the single-instance
 * computation on the same weights and batch: loss, every gradient, and an evaluation split across
 * the instances after the helpers received the updated weights; the same N without helpers (every
 * part on this thread) is bit-identical.
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


const config: RunConfig = { ...SEED_CONFIG, epochs: 1, batch: 33, recipe: 'seed' };
const data = synthetic(config, 99, 70);
const B = config.batch; // odd: the parts differ in size
const P = (config.image / config.patch) ** 2;
const F = config.patch * config.patch * config.channels;
const batch = (seed: number) => tf.tidy(() => tf.randomNormal([B, P, F], 0, 1, 'float32', seed).dataSync() as Float32Array);
let single: Trainer;

beforeAll(async () => {
  await selectBackend('wasm');
  single = new Trainer(config, data, 1);
  expect(await single.startParallel()).toBe(false);
}, 60_000);

afterAll(() => {
  single?.dispose();
});

/** Loss and flat gradient of the whole batch's mean loss on one instance, straight from tfjs. */
function reference(t: Trainer, x: Float32Array, labels: Uint8Array) {
  const xt = tf.tensor3d(x, [B, P, F]);
  const y = tf.oneHot(tf.tensor1d(Array.from(labels), 'int32'), config.classes).toFloat() as tf.Tensor2D;
  const vars = t.model.params.map((v) => v.variable);
  const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, t.model.forward(xt, true, 0)) as tf.Scalar, vars);
  const pred = tf.tidy(() => t.model.forward(xt, false).argMax(-1).dataSync());
  let correct = 0;
  for (let i = 0; i < B; i++) if (pred[i] === labels[i]) correct++;
  const flat = new Float32Array(t.layout.total);
  vars.forEach((v, i) => flat.set(grads[v.name].dataSync() as Float32Array, t.layout.offsets[i]));
  const loss = value.dataSync()[0];
  tf.dispose([xt, y, value, ...Object.values(grads)]);
  return { loss, correct, flat };
}

function segmentErr(t: Trainer, a: Float32Array, b: Float32Array): { name: string; err: number }[] {
  return t.layout.specs.map((s, i) => {
    const o = t.layout.offsets[i];
    return { name: s.name, err: relErr(a.subarray(o, o + t.layout.sizes[i]), b.subarray(o, o + t.layout.sizes[i])) };
  });
}

describe.each([1, 2, 3, 4])('data-parallel step on %i instance(s)', (N) => {
  let t: Trainer;
  let local: Trainer;
  beforeAll(async () => {
    t = new Trainer(config, data, N);
    local = new Trainer(config, data, N);
    expect(await t.startParallel()).toBe(N > 1);
    expect(t.instances).toBe(N);
  }, 120_000);
  afterAll(() => {
    t?.dispose();
    local?.dispose();
  });

  it('gives the loss and every gradient of the single-instance step on the same weights and batch', () => {
    // Same seed: the same initial weights; the single instance gets them too.
    expect(relErr(flatWeights(t), flatWeights(local))).toBe(0);
    single.model.params.forEach((v, i) => v.variable.assign(t.model.params[i].variable));
    const x = batch(3);
    const labels = data.train.labels.slice(0, B);
    const ref = reference(single, x, labels);
    const r = t.gradients(x, labels);
    expect(Math.abs(r.loss - ref.loss) / ref.loss).toBeLessThan(1e-5);
    expect(r.correct).toBe(ref.correct);
    for (const { name, err } of segmentErr(t, r.grads, ref.flat)) expect(err, name).toBeLessThan(1e-4);
    // Every part on this thread instead of the helpers: bit-identical.
    const g = r.grads.slice();
    const l = t.gradients(x, labels, false);
    expect(l.loss).toBe(r.loss);
    expect(l.correct).toBe(r.correct);
    expect(relErr(l.grads, g)).toBe(0);
  });

  it('trains bit-identically with or without helper threads, and the evaluation agrees with one instance', () => {
    for (let s = 0; s < 3; s++) {
      const x = batch(40 + s);
      const labels = data.train.labels.slice(s * 11, s * 11 + B);
      expect(t.trainStep(x, labels, 1e-3)).toEqual(local.trainStep(x, labels, 1e-3));
    }
    expect(relErr(flatWeights(t), flatWeights(local))).toBe(0);
    const a = t.evaluate();
    expect(a).toEqual(local.evaluate());
    // The helpers hold the updated weights: the split evaluation equals a single instance's.
    single.model.params.forEach((v, i) => v.variable.assign(t.model.params[i].variable));
    const b = single.evaluate();
    expect(a.confusion.flat().reduce((s, c) => s + c, 0)).toBe(data.test.count);
    expect(Math.abs(a.testLoss - b.testLoss) / b.testLoss).toBeLessThan(1e-5);
    expect(a.correct).toBe(b.correct);
  });

  it('names a label outside the classes in any part, and the next step is unaffected', () => {
    const x = batch(7);
    const labels = data.train.labels.slice(0, B);
    const before = t.gradients(x, labels);
    const want = { loss: before.loss, correct: before.correct, grads: before.grads.slice() };
    const bad = labels.slice();
    // The last sample: in the last part, so with N > 1 the earlier parts have begun on helpers.
    bad[B - 1] = config.classes;
    const tensors = tf.memory().numTensors;
    expect(() => t.gradients(x, bad)).toThrow(`label ${config.classes} of sample ${B - 1} is not a class from 0 to ${config.classes - 1}`);
    expect(tf.memory().numTensors).toBe(tensors);
    const after = t.gradients(x, labels);
    expect(after.loss).toBe(want.loss);
    expect(after.correct).toBe(want.correct);
    expect(relErr(after.grads, want.grads)).toBe(0);
  });

  it('keeps the tensor count flat over steps', () => {
    const counts: number[] = [];
    for (let s = 0; s < 3; s++) {
      t.trainStep(batch(20 + s), data.train.labels.slice(0, B), 1e-3);
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
  });
});

function flatWeights(t: Trainer): Float32Array {
  const out = new Float32Array(t.layout.total);
  t.model.params.forEach((v, i) => out.set(v.variable.dataSync() as Float32Array, t.layout.offsets[i]));
  return out;
}

describe('how many instances train', () => {
  const saved = process.env.VITLAB_TRAIN_THREADS;
  afterAll(() => {
    if (saved === undefined) delete process.env.VITLAB_TRAIN_THREADS;
    else process.env.VITLAB_TRAIN_THREADS = saved;
  });

  it('takes VITLAB_TRAIN_THREADS, else every core on wasm and 1 elsewhere, and names a bad value', () => {
    process.env.VITLAB_TRAIN_THREADS = '3';
    expect(trainThreads('wasm')).toBe(3);
    expect(trainThreads('cpu')).toBe(3);
    delete process.env.VITLAB_TRAIN_THREADS;
    expect(trainThreads('wasm')).toBe(Math.min(os.availableParallelism(), MAX_TRAIN_THREADS));
    expect(trainThreads('tensorflow')).toBe(1);
    for (const bad of ['0', 'two', '2.5', String(MAX_TRAIN_THREADS + 1)]) {
      process.env.VITLAB_TRAIN_THREADS = bad;
      expect(() => trainThreads('wasm')).toThrow(`VITLAB_TRAIN_THREADS must be a whole number from 1 to ${MAX_TRAIN_THREADS}, got "${bad}"`);
    }
    expect(() => new Trainer(config, data, 0)).toThrow('threads must be a whole number');
  });
});
