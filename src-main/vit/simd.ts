/**
 * The attention's softmax (both directions) and the ReLU mask of a linear layer's gradient as a
 * small WebAssembly SIMD module (f32x4), on tfjs-wasm's heap itself (the module imports its memory;
 * elsewhere it gets a memory of its own):
 *
 *   softmax(P, n, rows, stride): each row (stride bytes apart) becomes the softmax of its first n.
 *   softmaxGrad(P, D, nv, rows, stride, scaleBits): D := scale·P∘(D − rowsum(P∘D)) over nv vectors
 *     a row, flushed to 0 below float32's normal range (scale passed as its float32 bits).
 *   reluMask(dy, y, g, nv): g := dy where y > 0, else 0, over nv vectors.
 *
 * Emitted from this file at load time with the encoder of kernels/wasm-encode.ts. The attention's
 * matrix products use the gemm of kernels/gemm.ts.
 */

import {
  add, block, br, brIf, f32add, f32c, f32max, f32store, funcBody, geS, get, i32c, inc, loop,
  moduleBytes as assemble, mul, OP, set, simd, splat, vadd, vload, vmax, vmul, vstore, I32, V128,
} from './kernels/wasm-encode.js';

// softmax(P, n, rows, stride): each of `rows` rows (stride bytes apart, stride ≥ 16·⌈n/4⌉) becomes
// the softmax of its first n entries, 4 lanes at a time over ⌈n/4⌉ vectors (pad lanes are set to
// -1e30 first and end up 0; they are never read as probabilities).
const vsplatc = (v: number) => [...f32c(v), ...splat];
const vsub = simd('f32x4.sub');
const vgt = simd('f32x4.gt');
const vge = simd('f32x4.ge');
const vabs = simd('f32x4.abs');
const vand = simd('v128.and');
const vnearest = simd('f32x4.nearest');
const i4trunc = simd('i32x4.trunc_sat_f32x4_s');
const i4add = simd('i32x4.add');
const i4shl = simd('i32x4.shl');
const lane = (l: number) => simd('f32x4.extract_lane', l);
const f32div = [OP['f32.div']];
const shrS = [OP['i32.shr_s']];

/**
 * x := exp(x) for x ≤ 0, and exactly 0 below −80: x = n·ln2 + r, e^r by Taylor to degree 6, 2^n
 * via the exponent bits (x clamped at −87 for that). The cut at −80 keeps every probability of a
 * softmax row normal: e^−80 / (row sum ≤ row length) stays above float32's smallest normal for rows
 * up to 10⁵ long, where e^−87 / sum went subnormal as attention sharpens — and subnormal operands
 * slow x86 floating point down (see README "Performance").
 */
function vexp(x: number, n: number, r: number, t: number, keep: number): number[] {
  const c = [1, 1, 1 / 2, 1 / 6, 1 / 24, 1 / 120, 1 / 720];
  const out: number[] = [
    ...get(x), ...vsplatc(-80), ...vgt, ...set(keep),
    ...get(x), ...vsplatc(-87), ...vmax, ...set(x),
    ...get(x), ...vsplatc(Math.LOG2E), ...vmul, ...vnearest, ...set(n),
    ...get(x), ...get(n), ...vsplatc(0.693359375), ...vmul, ...vsub,
    ...get(n), ...vsplatc(-2.12194440e-4), ...vmul, ...vsub, ...set(r),
    ...vsplatc(c[6]), ...set(t),
  ];
  for (let i = 5; i >= 0; i--) out.push(...get(t), ...get(r), ...vmul, ...vsplatc(c[i]), ...vadd, ...set(t));
  const bias = simd('v128.const', ...[127, 0, 0, 0, 127, 0, 0, 0, 127, 0, 0, 0, 127, 0, 0, 0]);
  out.push(...get(t), ...get(n), ...i4trunc, ...bias, ...i4add, ...i32c(23), ...i4shl, ...vmul, ...get(keep), ...vand, ...set(x));
  return out;
}

function softmaxBody(): number[] {
  const [P, Nn, R, ST] = [0, 1, 2, 3];
  const [Lr, Lj, Q, NV] = [4, 5, 6, 7];
  const [VM, X, NN, RR, T, VA, KEEP] = [8, 9, 10, 11, 12, 13, 14];
  const hreduce = (v: number, op: number[]) => [...get(v), ...lane(0), ...get(v), ...lane(1), ...op, ...get(v), ...lane(2), ...op, ...get(v), ...lane(3), ...op];
  const overVectors = (body: number[]) => [
    ...i32c(0), ...set(Lj), ...get(P), ...set(Q),
    ...block(loop(get(Lj), get(NV), geS, brIf(1), body, inc(Q, i32c(16)), inc(Lj, i32c(1)), br(0))),
  ];
  const row = [
    ...get(Nn), ...i32c(3), ...add, ...i32c(2), ...shrS, ...set(NV),
    ...get(Nn), ...set(Lj),
    ...block(loop(get(Lj), get(NV), i32c(4), mul, geS, brIf(1), get(P), get(Lj), i32c(4), mul, add, f32c(-1e30), f32store(), inc(Lj, i32c(1)), br(0))),
    ...vsplatc(-1e30), ...set(VM),
    ...overVectors([...get(VM), ...get(Q), ...vload(), ...vmax, ...set(VM)]),
    ...hreduce(VM, f32max), ...splat, ...set(VM),
    ...vsplatc(0), ...set(VA),
    ...overVectors([...get(Q), ...vload(), ...get(VM), ...vsub, ...set(X), ...vexp(X, NN, RR, T, KEEP), ...get(Q), ...get(X), ...vstore(), ...get(VA), ...get(X), ...vadd, ...set(VA)]),
    ...f32c(1), ...hreduce(VA, f32add), ...f32div, ...splat, ...set(VM),
    ...overVectors([...get(Q), ...get(Q), ...vload(), ...get(VM), ...vmul, ...vstore()]),
    ...inc(P, get(ST)),
  ];
  const body = block(loop(get(Lr), get(R), geS, brIf(1), row, inc(Lr, i32c(1)), br(0)));
  return funcBody([[4, I32], [7, V128]], body);
}

const hsum = (v: number) => [...get(v), ...lane(0), ...get(v), ...lane(1), ...f32add, ...get(v), ...lane(2), ...f32add, ...get(v), ...lane(3), ...f32add];

function softmaxGradBody(): number[] {
  const [P, D, NV, R, ST, SCALE] = [0, 1, 2, 3, 4, 5];
  const [Lr, Lj, QP, QD] = [6, 7, 8, 9];
  const [VA, DOT, T, SC] = [10, 11, 12, 13];
  const overVectors = (body: number[]) => [
    ...i32c(0), ...set(Lj), ...get(P), ...set(QP), ...get(D), ...set(QD),
    ...block(loop(get(Lj), get(NV), geS, brIf(1), body, inc(QP, i32c(16)), inc(QD, i32c(16)), inc(Lj, i32c(1)), br(0))),
  ];
  const row = [
    ...vsplatc(0), ...set(VA),
    ...overVectors([...get(VA), ...get(QP), ...vload(), ...get(QD), ...vload(), ...vmul, ...vadd, ...set(VA)]),
    ...hsum(VA), ...splat, ...set(DOT),
    // t = scale·P·(D − dot), kept where |t| ≥ 1.2e-38 (subnormal operands slow the gemms after it)
    ...overVectors([
      ...get(QP), ...vload(), ...get(QD), ...vload(), ...get(DOT), ...vsub, ...vmul, ...get(SC), ...vmul, ...set(T),
      ...get(QD), ...get(T), ...get(T), ...vabs, ...vsplatc(1.2e-38), ...vge, ...vand, ...vstore(),
    ]),
    ...inc(P, get(ST)), ...inc(D, get(ST)),
  ];
  const body = [...get(SCALE), OP['f32.reinterpret_i32'], ...splat, ...set(SC), ...block(loop(get(Lr), get(R), geS, brIf(1), row, inc(Lr, i32c(1)), br(0)))];
  return funcBody([[4, I32], [4, V128]], body);
}

function reluMaskBody(): number[] {
  const [DY, Y, G, NV] = [0, 1, 2, 3];
  const [Lj] = [4];
  const body = block(
    loop(
      get(Lj), get(NV), geS, brIf(1),
      get(G), get(DY), vload(), get(Y), vload(), vsplatc(0), vgt, vand, vstore(),
      inc(DY, i32c(16)), inc(Y, i32c(16)), inc(G, i32c(16)), inc(Lj, i32c(1)), br(0),
    ),
  );
  return funcBody([[1, I32]], body);
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  return assemble([
    { name: 'softmax', i32Params: 4, code: softmaxBody() },
    { name: 'softmaxGrad', i32Params: 6, code: softmaxGradBody() },
    { name: 'reluMask', i32Params: 4, code: reluMaskBody() },
  ]);
}

export interface ElementwiseKernels {
  softmax: (p: number, n: number, rows: number, stride: number) => void;
  softmaxGrad: (p: number, d: number, nv: number, rows: number, stride: number, scaleBits: number) => void;
  reluMask: (dy: number, y: number, g: number, nv: number) => void;
}

/** A float32's bits as an i32 (how softmaxGrad takes its scale). */
export const f32Bits = (v: number) => new Int32Array(new Float32Array([v]).buffer)[0];

let compiled: WebAssembly.Module | null = null;

/** The kernels bound to a memory (tfjs-wasm's heap, or one of our own). */
export function elementwiseKernels(memory: WebAssembly.Memory): ElementwiseKernels {
  compiled ??= new WebAssembly.Module(moduleBytes());
  const e = new WebAssembly.Instance(compiled, { env: { mem: memory } }).exports;
  return { softmax: e.softmax as ElementwiseKernels['softmax'], softmaxGrad: e.softmaxGrad as ElementwiseKernels['softmaxGrad'], reluMask: e.reluMask as ElementwiseKernels['reluMask'] };
}
