import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { adamwStep } from '../../src-main/vit/kernels/adam.js';
import { fusedLayerNorm, layerNormBackward, layerNormForward } from '../../src-main/vit/kernels/layer-norm.js';
import { GEMM_FLAGS, GEMM_TILE, gemmKernel, relaxedSimd } from '../../src-main/vit/kernels/gemm.js';
import { gemmLinear } from '../../src-main/vit/kernels/linear.js';
import { layerNorm } from '../../src-main/vit/reference.js';
import { elementwiseKernels, f32Bits } from '../../src-main/vit/simd.js';
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

  // d = 13: the plain loops; d = 16 and 64: the f32x4 kernels of simd.ts.
  for (const backend of ['cpu', 'wasm']) for (const dk of [13, 16, 64]) {
    it(`runs as a tfjs kernel with a gradient on ${backend}, d = ${dk}`, async () => {
      await tf.setBackend(backend);
      await tf.ready();
      const n = 37;
      const [xt, gt, bt, dyt] = [tf.tensor2d(rand(n * dk, 21, 3), [n, dk]), tf.tensor1d(rand(dk, 22)), tf.tensor1d(rand(dk, 23)), tf.tensor2d(rand(n * dk, 24), [n, dk])];
      const f = (xa: tf.Tensor, ga: tf.Tensor, ba: tf.Tensor) => fusedLayerNorm(xa as tf.Tensor2D, ga, ba);
      const r = (xa: tf.Tensor, ga: tf.Tensor, ba: tf.Tensor) => layerNorm(xa as tf.Tensor2D, { g: ga, b: ba } as never);
      expect(maxRelErr(f(xt, gt, bt).dataSync(), r(xt, gt, bt).dataSync())).toBeLessThan(1e-5);
      const gf = tf.grads(f)([xt, gt, bt], dyt);
      const gr = tf.grads(r)([xt, gt, bt], dyt);
      gf.forEach((t, i) => expect(maxRelErr(t.dataSync(), gr[i].dataSync())).toBeLessThan(1e-5));
    });
  }
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

// The module without and (where the runtime has relaxed SIMD) with FMA in the softmax's exp.
for (const fma of [false, ...(relaxedSimd() ? [true] : [])]) describe(`softmax module (simd.ts)${fma ? ' with relaxed-SIMD FMA' : ''}`, () => {
  const mem = new WebAssembly.Memory({ initial: 4 });
  const k = elementwiseKernels(mem, fma);
  const F = new Float32Array(mem.buffer);

  it('softmax gives exact zeros, never subnormals, for entries far below the row maximum', () => {
    const n = 8;
    F.set([0, -79, -81, -86, -88, -200, 0, -1], 0);
    k.softmax(0, n, 1, n * 4);
    const row = F.subarray(0, n);
    expect(row[1]).toBeGreaterThan(1.17549435e-38);
    expect([row[2], row[3], row[4], row[5]]).toEqual([0, 0, 0, 0]);
    expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });

  it('reluMask keeps dy where y > 0 and gives 0 elsewhere (0 and −0 included)', () => {
    const n = 12;
    const dy = rand(n, 5);
    const y = Float32Array.from([1, -1, 0, -0, 2, 1e-30, -1e-30, 3, NaN, 5, -5, 0.5]);
    F.set(dy, 0);
    F.set(y, 64);
    F.fill(9, 128, 128 + n);
    k.reluMask(0, 64 * 4, 128 * 4, n / 4);
    expect(Array.from(F.subarray(128, 128 + n))).toEqual(Array.from(dy, (v, i) => (y[i] > 0 ? v : 0)));
  });

  it('softmaxGrad equals scale·P∘(D − rowsum(P∘D)) in doubles, with exact zeros below the normal range', () => {
    const [rows, nv, stride, scale] = [3, 2, 12, 0.25];
    const p = rand(rows * stride, 11, 1).map(Math.abs);
    const d = rand(rows * stride, 12, 3);
    // A row whose probabilities are tiny: its products fall below float32's normal range.
    for (let j = 0; j < 8; j++) p[2 * stride + j] = 1.2e-38;
    F.set(p, 0);
    F.set(d, 100);
    k.softmaxGrad(0, 100 * 4, nv, rows, stride * 4, f32Bits(scale));
    for (let r = 0; r < rows; r++) {
      let dot = 0;
      for (let j = 0; j < 4 * nv; j++) dot += p[r * stride + j] * d[r * stride + j];
      const want = Array.from({ length: 4 * nv }, (_, j) => {
        const v = scale * p[r * stride + j] * (d[r * stride + j] - dot);
        return Math.abs(v) < 1.2e-38 ? 0 : v;
      });
      const got = F.subarray(100 + r * stride, 100 + r * stride + 4 * nv);
      if (r === 2) expect(Array.from(got)).toEqual(new Array(8).fill(0));
      else expect(maxRelErr(got, want)).toBeLessThan(1e-5);
      // Past the row's vectors nothing is written.
      expect(F[100 + r * stride + 4 * nv]).toBe(d[r * stride + 4 * nv]);
    }
  });

  it('softmax’s exp keeps its relative error near float32 rounding over the whole range it keeps (above −80)', () => {
    // Rows [0, x]: the second probability is e^x / (1 + e^x), so every x probes the exp itself.
    // Float32 inputs (the kernel's): the error measured is the exp's, not the input's rounding.
    const xs = Array.from({ length: 2001 }, (_, i) => Math.fround(-79.99 + (79.99 * i) / 2000));
    xs.forEach((x, r) => F.set([0, x, 0, 0], r * 4));
    k.softmax(0, 2, xs.length, 16);
    const worst = Math.max(...xs.map((x, r) => Math.abs(F[r * 4 + 1] / (Math.exp(x) / (1 + Math.exp(x))) - 1)));
    expect(worst).toBeLessThan(1e-6);
    expect(worst).toBeGreaterThan(0);
  });

  // [n, cols, ld, ldt]: 4 × 4 blocks plus row and column tails; blocks only (the seed's heads); tails only
  for (const [n, cols, ld, ldt] of [[7, 5, 9, 12], [50, 16, 192, 52], [3, 2, 5, 4], [8, 4, 4, 8]]) it(`transposeScaled writes scale·srcᵀ and zeroes the pad columns, leaving the rest alone (${n} × ${cols})`, () => {
    const scale = 0.5;
    const src = rand(n * ld, 13, 4);
    F.set(src, 0);
    const dst = n * ld + 8;
    F.fill(9, dst, dst + cols * ldt + 4);
    k.transposeScaled(0, ld * 4, n, cols, dst * 4, ldt, f32Bits(scale));
    for (let c = 0; c < cols; c++) {
      for (let j = 0; j < ldt; j++) expect(F[dst + c * ldt + j]).toBe(j < n ? Math.fround(scale * src[j * ld + c]) : 0);
    }
    expect(F[dst + cols * ldt]).toBe(9);
  });

  // n = 7, 5, 1: pad lanes in the last vector; n = 4, 8: none.
  for (const n of [7, 5, 1, 4, 8]) it(`softmax of strided rows equals the plain formula, n = ${n}`, () => {
    const rows = 3;
    const stride = 12;
    const x = rand(rows * stride, 9 + n, 20);
    F.set(x, 0);
    k.softmax(0, n, rows, stride * 4);
    for (let r = 0; r < rows; r++) {
      const row = Array.from(x.subarray(r * stride, r * stride + n));
      const mx = Math.max(...row);
      const e = row.map((v) => Math.exp(v - mx));
      const s = e.reduce((p, q) => p + q, 0);
      expect(maxRelErr(F.subarray(r * stride, r * stride + n), e.map((v) => v / s))).toBeLessThan(1e-5);
      // Past the row's last vector nothing is written.
      const end = r * stride + 4 * Math.ceil(n / 4);
      expect(Array.from(F.subarray(end, (r + 1) * stride))).toEqual(Array.from(x.subarray(end, (r + 1) * stride)));
    }
  });
});

describe('dense-layer gemm (kernels/gemm.ts)', () => {
  const mem = new WebAssembly.Memory({ initial: 64 });
  const F = new Float32Array(mem.buffer);
  // Float offsets of A, B, C, bias in the memory.
  const [AT, BT, CT, BIAS] = [0, 300_000, 600_000, 900_000];
  const shapes = [{ ...GEMM_TILE, fma: false }, ...(relaxedSimd() ? [{ ...GEMM_TILE, fma: true }] : []), { mr: 3, nv: 1, fma: false }];
  // [M, N, K]: every row tail (M mod mr), column tail (vector, scalar) and K = 0, 1, odd, long.
  const sizes = [[1, 1, 1], [7, 9, 5], [65, 17, 3], [13, 10, 257], [2, 32, 64], [5, 7, 0], [9, 33, 1]];

  /** The plain loop the gemm must equal: init (C / bias), Σ_k in doubles, ReLU. */
  function reference(M: number, N: number, K: number, a: (i: number, k: number) => number, b: Float32Array, c0: Float32Array, bias: Float32Array, flags: number) {
    const out = new Float64Array(M * N);
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = (flags & GEMM_FLAGS.ACCUMULATE ? c0[i * N + j] : 0) + (flags & GEMM_FLAGS.BIAS ? bias[j] : 0);
        for (let q = 0; q < K; q++) s += a(i, q) * b[q * N + j];
        out[i * N + j] = flags & GEMM_FLAGS.RELU ? Math.max(0, s) : s;
      }
    }
    return out;
  }

  for (const shape of shapes) {
    it(`${shape.mr}×${4 * shape.nv}${shape.fma ? ' with relaxed-SIMD FMA' : ''}: plain and transposed A, every flag, odd sizes`, () => {
      const gemm = gemmKernel(mem, shape);
      for (const [M, N, K] of sizes) {
        for (const transposed of [false, true]) {
          for (const flags of [0, GEMM_FLAGS.ACCUMULATE, GEMM_FLAGS.BIAS, GEMM_FLAGS.BIAS | GEMM_FLAGS.RELU, 7]) {
            const a = rand(M * K, M * 31 + K, 1);
            const b = rand(K * N, N * 17 + K, 1);
            const c0 = rand(M * N, M + N, 1);
            const bias = rand(N, N, 1);
            F.set(a, AT);
            F.set(b, BT);
            F.set(c0, CT);
            F.set(bias, BIAS);
            // A [M, K] row-major (sai = 4K, sak = 4) or stored as [K, M] (sai = 4, sak = 4M).
            const [sai, sak] = transposed ? [4, 4 * M] : [4 * K, 4];
            gemm(M, N, K, AT * 4, sai, sak, BT * 4, 4 * N, CT * 4, 4 * N, BIAS * 4, flags);
            const ref = reference(M, N, K, (i, q) => (transposed ? a[q * M + i] : a[i * K + q]), b, c0, bias, flags);
            expect(maxRelErr(F.subarray(CT, CT + M * N), ref), `M ${M} N ${N} K ${K} transposed ${transposed} flags ${flags}`).toBeLessThan(1e-5);
          }
        }
      }
    });
  }

  it('leaves memory beyond C untouched and honours a row stride of C', () => {
    const gemm = gemmKernel(mem, { ...GEMM_TILE, fma: false });
    const [M, N, K, ldc] = [5, 11, 4, 16];
    F.fill(7, CT, CT + M * ldc + 64);
    F.set(rand(M * K, 1), AT);
    F.set(rand(K * N, 2), BT);
    gemm(M, N, K, AT * 4, 4 * K, 4, BT * 4, 4 * N, CT * 4, 4 * ldc, 0, 0);
    for (let i = 0; i < M; i++) for (let j = N; j < ldc; j++) expect(F[CT + i * ldc + j]).toBe(7);
    expect(F[CT + M * ldc]).toBe(7);
  });

  it('the dense layer gives x·W + b, ReLU, and dx, dW (chunked), db as plain loops, on cpu and wasm', async () => {
    for (const backend of ['cpu', 'wasm']) {
      await tf.setBackend(backend);
      await tf.ready();
      for (const [M, K, N] of [[7, 5, 3], [300, 17, 33], [65, 64, 10]]) {
        for (const activation of ['linear', 'relu'] as const) {
          const x = rand(M * K, M + K, 1);
          const w = rand(K * N, K + N, 1);
          const b = rand(N, N, 1);
          const dy = rand(M * N, M * N, 1);
          const [xt, wt, bt, dyt] = [tf.tensor2d(x, [M, K]), tf.tensor2d(w, [K, N]), tf.tensor1d(b), tf.tensor2d(dy, [M, N])];
          const y = gemmLinear(xt, wt, bt, activation).dataSync();
          const [dx, dw, db] = tf.grads((xa, wa, ba) => gemmLinear(xa as tf.Tensor2D, wa, ba, activation))([xt, wt, bt], dyt).map((t) => t.dataSync());
          const yRef = new Float64Array(M * N);
          for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
            let s = b[j];
            for (let q = 0; q < K; q++) s += x[i * K + q] * w[q * N + j];
            yRef[i * N + j] = activation === 'relu' ? Math.max(0, s) : s;
          }
          const g = dy.map((v, i) => (activation === 'relu' && !(yRef[i] > 0) ? 0 : v));
          const dxRef = new Float64Array(M * K);
          const dwRef = new Float64Array(K * N);
          const dbRef = new Float64Array(N);
          for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
            dbRef[j] += g[i * N + j];
            for (let q = 0; q < K; q++) {
              dxRef[i * K + q] += g[i * N + j] * w[q * N + j];
              dwRef[q * N + j] += x[i * K + q] * g[i * N + j];
            }
          }
          const at = `${backend} ${M}×${K}·${K}×${N} ${activation}`;
          expect(maxRelErr(y, yRef), at).toBeLessThan(1e-5);
          expect(maxRelErr(dx, dxRef), at).toBeLessThan(1e-5);
          expect(maxRelErr(dw, dwRef), at).toBeLessThan(1e-5);
          expect(maxRelErr(db, dbRef), at).toBeLessThan(1e-5);
          tf.dispose([xt, wt, bt, dyt]);
        }
      }
    }
  });
});
