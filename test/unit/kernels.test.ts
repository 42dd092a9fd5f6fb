import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { adamwStep } from '../../src-main/vit/kernels/adam.js';
import { fusedLayerNorm, layerNormBackward, layerNormForward } from '../../src-main/vit/kernels/layer-norm.js';
import { linearGradPrep } from '../../src-main/vit/kernels/linear-grad.js';
import { layerNorm } from '../../src-main/vit/reference.js';
import { simdKernels } from '../../src-main/vit/simd.js';
import { relErr } from './rel-err.js';

const maxRelErr = (a: ArrayLike<number>, b: ArrayLike<number>) => relErr(a, b, 1e-12);

/** Each kernel against a plain JS (or plain tfjs-op) reference, directly. */

function rand(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * 2 * scale;
  }
  return out;
}


describe('LayerNorm kernel', () => {
  const rows = 7;
  const d = 13;
  const x = rand(rows * d, 1, 3);
  const g = rand(d, 2);
  const b = rand(d, 3);
  const dy = rand(rows * d, 4);

  it('forward and backward equal tfjs ops and their gradients', async () => {
    await tf.setBackend('cpu');
    const y = new Float32Array(rows * d);
    const stats = new Float32Array(rows * 2);
    layerNormForward(x, g, b, d, y, stats);
    const dx = new Float32Array(rows * d);
    const dg = new Float32Array(d);
    const db = new Float32Array(d);
    layerNormBackward(dy, x, g, stats, d, dx, dg, db);
    const [xt, gt, bt, dyt] = [tf.tensor2d(x, [rows, d]), tf.tensor1d(g), tf.tensor1d(b), tf.tensor2d(dy, [rows, d])];
    const ref = tf.grads((xa, ga, ba) => layerNorm(xa as tf.Tensor2D, { g: ga, b: ba } as never));
    const yRef = layerNorm(xt, { g: gt, b: bt } as never).dataSync();
    const [dxRef, dgRef, dbRef] = ref([xt, gt, bt], dyt).map((t) => t.dataSync());
    expect(maxRelErr(y, yRef)).toBeLessThan(1e-5);
    expect(maxRelErr(dx, dxRef)).toBeLessThan(1e-5);
    expect(maxRelErr(dg, dgRef)).toBeLessThan(1e-5);
    expect(maxRelErr(db, dbRef)).toBeLessThan(1e-5);
  });

  for (const backend of ['cpu', 'wasm']) {
    it(`runs as a tfjs kernel with a gradient on ${backend}`, async () => {
      await tf.setBackend(backend);
      await tf.ready();
      const [xt, gt, bt, dyt] = [tf.tensor2d(x, [rows, d]), tf.tensor1d(g), tf.tensor1d(b), tf.tensor2d(dy, [rows, d])];
      const f = (xa: tf.Tensor, ga: tf.Tensor, ba: tf.Tensor) => fusedLayerNorm(xa as tf.Tensor2D, ga, ba);
      const r = (xa: tf.Tensor, ga: tf.Tensor, ba: tf.Tensor) => layerNorm(xa as tf.Tensor2D, { g: ga, b: ba } as never);
      expect(maxRelErr(f(xt, gt, bt).dataSync(), r(xt, gt, bt).dataSync())).toBeLessThan(1e-5);
      const gf = tf.grads(f)([xt, gt, bt], dyt);
      const gr = tf.grads(r)([xt, gt, bt], dyt);
      gf.forEach((t, i) => expect(maxRelErr(t.dataSync(), gr[i].dataSync())).toBeLessThan(1e-5));
    });
  }
});

describe('linear-layer gradient preparation kernel', () => {
  it('masks the gradient where the ReLU output is 0 and sums the columns', () => {
    const rows = 9;
    const n = 6;
    const dy = rand(rows * n, 5);
    const y = rand(rows * n, 6).map((v) => Math.max(0, v));
    for (const relu of [false, true]) {
      const gOut = new Float32Array(rows * n);
      const db = new Float32Array(n);
      linearGradPrep(dy, relu ? y : null, n, gOut, db);
      const gRef = dy.map((v, i) => (relu && !(y[i] > 0) ? 0 : v));
      const dbRef = new Float32Array(n);
      for (let r = 0; r < rows; r++) for (let j = 0; j < n; j++) dbRef[j] += gRef[r * n + j];
      // Without a ReLU the gradient is dy itself: only the column sums are formed.
      if (relu) expect(maxRelErr(gOut, gRef)).toBe(0);
      expect(maxRelErr(db, dbRef)).toBeLessThan(1e-6);
    }
  });
});

describe('AdamW over a flat buffer', () => {
  it('equals PyTorch’s update rule written out per element, with decay on some segments only', () => {
    const n = 50;
    const seg = { offsets: [0, 20, 35], sizes: [20, 15, 15], decay: [true, false, true] };
    const w = rand(n, 7);
    const m = new Float32Array(n);
    const v = new Float32Array(n);
    const wr = Float64Array.from(w);
    const mr = new Float64Array(n);
    const vr = new Float64Array(n);
    const [lr, b1, b2, eps, wd] = [1e-2, 0.9, 0.999, 1e-8, 0.05];
    for (let step = 1; step <= 4; step++) {
      const g = rand(n, 100 + step);
      adamwStep(w, g, m, v, seg, { lr, beta1: b1, beta2: b2, eps, weightDecay: wd, step });
      for (let i = 0; i < n; i++) {
        const decays = seg.decay[i < 20 ? 0 : i < 35 ? 1 : 2];
        if (decays) wr[i] *= 1 - lr * wd;
        mr[i] = b1 * mr[i] + (1 - b1) * g[i];
        vr[i] = b2 * vr[i] + (1 - b2) * g[i] * g[i];
        const mHat = mr[i] / (1 - b1 ** step);
        const vHat = vr[i] / (1 - b2 ** step);
        wr[i] -= (lr * mHat) / (Math.sqrt(vHat) + eps);
      }
    }
    expect(maxRelErr(w, wr)).toBeLessThan(1e-6);
    expect(maxRelErr(m, mr)).toBeLessThan(1e-6);
    expect(maxRelErr(v, vr)).toBeLessThan(1e-6);
  });
});

describe('SIMD module', () => {
  const mem = new WebAssembly.Memory({ initial: 4 });
  const k = simdKernels(mem);
  const F = new Float32Array(mem.buffer);

  it('gemm with strided (transposed) A equals a triple loop, for every tail width', () => {
    for (const [M, N, K] of [[5, 23, 7], [3, 16, 1], [4, 3, 9]]) {
      const a = rand(M * K, M + N, 1);
      const b = rand(K * N, K, 1);
      // A stored transposed ([K, M]): sai = 4 bytes, sak = 4·M bytes.
      F.set(a, 0);
      F.set(b, 1024);
      k.gemm(M, N, K, 0, 4, 4 * M, 1024 * 4, N * 4, 4096 * 4, N * 4);
      const ref = new Float32Array(M * N);
      for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) for (let q = 0; q < K; q++) ref[i * N + j] += a[q * M + i] * b[q * N + j];
      expect(maxRelErr(F.subarray(4096, 4096 + M * N), ref)).toBeLessThan(1e-6);
    }
  });

  it('softmax gives exact zeros, never subnormals, for entries far below the row maximum', () => {
    const n = 8;
    F.set([0, -79, -81, -86, -88, -200, 0, -1], 0);
    k.softmax(0, n, 1, n * 4);
    const row = F.subarray(0, n);
    expect(row[1]).toBeGreaterThan(1.17549435e-38);
    expect([row[2], row[3], row[4], row[5]]).toEqual([0, 0, 0, 0]);
    expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });

  it('softmax of strided rows equals the plain formula', () => {
    const rows = 3;
    const n = 7;
    const stride = 8;
    const x = rand(rows * stride, 9, 20);
    F.set(x, 0);
    k.softmax(0, n, rows, stride * 4);
    for (let r = 0; r < rows; r++) {
      const row = Array.from(x.subarray(r * stride, r * stride + n));
      const mx = Math.max(...row);
      const e = row.map((v) => Math.exp(v - mx));
      const s = e.reduce((p, q) => p + q, 0);
      expect(maxRelErr(F.subarray(r * stride, r * stride + n), e.map((v) => v / s))).toBeLessThan(1e-5);
    }
  });
});
