/**
 * The attention's softmax (both directions) and the ReLU mask of a linear layer's gradient as a
 * small WebAssembly SIMD module (f32x4), on tfjs-wasm's heap itself (the module imports its memory;
 * elsewhere it gets a memory of its own):
 *
 *   softmax(P, n, rows, stride): each row (stride bytes apart) becomes the softmax of its first n
 *     (n ≥ 1; the rest of its last vector becomes 0).
 *   softmaxGrad(P, D, nv, rows, stride, scaleBits): D := scale·P∘(D − rowsum(P∘D)) over nv vectors
 *     a row, flushed to 0 below float32's normal range (scale passed as its float32 bits).
 *   reluMask(dy, y, g, nv): g := dy where y > 0, else 0, over nv vectors.
 *   layerNorm / layerNormGrad: LayerNorm over rows of 4·nv floats, both directions.
 *   transposeScaled: the attention's scale·Kᵀ and Vᵀ per head.
 *
 * Emitted from this file at load time with the encoder of kernels/wasm-encode.ts. The attention's
 * matrix products use the gemm of kernels/gemm.ts.
 */

import {
  add, and, block, br, brIf, f32add, f32c, f32load, f32store, funcBody, geS, get, i32c, inc, loop, ltS,
  moduleBytes as assemble, mul, OP, set, simd, splat, sub, vadd, vload, vmul, vstore, F32, I32, V128,
} from './kernels/wasm-encode.js';
import { relaxedSimd } from './kernels/gemm.js';

// softmax(P, n, rows, stride): each of `rows` rows (stride bytes apart, stride ≥ 16·⌈n/4⌉) becomes
// the softmax of its first n entries, 4 lanes at a time over ⌈n/4⌉ vectors (pad lanes are set to
// -1e30 first and end up 0; they are never read as probabilities).
const vsplatc = (v: number) => [...f32c(v), ...splat];
const vsub = simd('f32x4.sub');
const vgt = simd('f32x4.gt');
const vge = simd('f32x4.ge');
const vabs = simd('f32x4.abs');
const vand = simd('v128.and');
const vpmax = simd('f32x4.pmax');
const i4add = simd('i32x4.add');
const i4shl = simd('i32x4.shl');
const lane = (l: number) => simd('f32x4.extract_lane', l);
const f32div = [OP['f32.div']];
const shrS = [OP['i32.shr_s']];
const f32mulOp = [OP['f32.mul']];
const f32sqrt = [OP['f32.sqrt']];
const reinterpret = [OP['f32.reinterpret_i32']];

/**
 * x := exp(x) for x ≤ 0, and exactly 0 below −80: x = n·ln2 + r with |r| ≤ ln2/2, e^r by a
 * degree-5 minimax polynomial (relative error 2.2e-7 in float32, fitted on Chebyshev nodes), 2^n
 * by the exponent bits (x clamped at −87 for that). The cut at −80 keeps every probability of a
 * softmax row normal: e^−80 / (row sum ≤ row length) stays above float32's smallest normal for rows
 * up to 10⁵ long, where e^−87 / sum went subnormal as attention sharpens — and subnormal operands
 * slow x86 floating point down (see README "Performance").
 *
 * n is rounded by adding 1.5·2²³ (the float's mantissa then holds n in its low bits, so shifting
 * those bits left by 23 gives n's exponent field directly), and the clamp is f32x4.pmax: V8 lowers
 * f32x4.nearest + i32x4.trunc_sat_f32x4_s and f32x4.max (NaN / ±0 rules) to ≈ 20 x86 instructions
 * where these take 4. Measured (bench/attention.ts, the 20,000 rows of 50 of one layer's forward): 3.1 → 2.0 ms.
 */
const EXP_POLY = [1.0000001192092896, 0.9999997019767761, 0.49998894333839417, 0.16667574644088745, 0.04191538318991661, 0.008297653868794441];
const ROUND_MAGIC = 12582912; // 1.5·2²³
/** a·b + c and c − a·b: one relaxed-SIMD FMA each, or mul + add / sub. */
const madd = (fma: boolean, a: number[], b: number[], c: number[]) => (fma ? [...a, ...b, ...c, ...simd('f32x4.relaxed_madd')] : [...a, ...b, ...vmul, ...c, ...vadd]);
const nmadd = (fma: boolean, a: number[], b: number[], c: number[]) => (fma ? [...a, ...b, ...c, ...simd('f32x4.relaxed_nmadd')] : [...c, ...a, ...b, ...vmul, ...vsub]);
function vexp(fma: boolean, x: number, n: number, r: number, t: number, keep: number): number[] {
  const c = EXP_POLY;
  const out: number[] = [
    ...get(x), ...vsplatc(-80), ...vgt, ...set(keep),
    ...get(x), ...vsplatc(-87), ...vpmax, ...set(x),
    // n (as j = n + 1.5·2²³), then r = x − n·ln2 in two parts (Cody–Waite)
    ...madd(fma, get(x), vsplatc(Math.LOG2E), vsplatc(ROUND_MAGIC)), ...set(n),
    ...get(n), ...vsplatc(ROUND_MAGIC), ...vsub, ...set(r),
    ...nmadd(fma, get(r), vsplatc(0.693359375), get(x)),
    ...set(t),
    ...nmadd(fma, get(r), vsplatc(-2.12194440e-4), get(t)),
    ...set(r),
    ...vsplatc(c[5]), ...set(t),
  ];
  for (let i = 4; i >= 0; i--) out.push(...madd(fma, get(t), get(r), vsplatc(c[i])), ...set(t));
  const bias = simd('v128.const', ...[0, 0, 128, 63, 0, 0, 128, 63, 0, 0, 128, 63, 0, 0, 128, 63]); // 127 << 23 per lane
  out.push(...get(t), ...get(n), ...i32c(23), ...i4shl, ...bias, ...i4add, ...vmul, ...get(keep), ...vand, ...set(x));
  return out;
}

/** v := op over its 4 lanes, in every lane (two shuffles; no lane extracts, no scalar NaN rules). */
const shuffle = (lanes: number[]) => simd('i8x16.shuffle', ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]));
const allLanes = (v: number, op: number[]) => [
  ...get(v), ...get(v), ...get(v), ...shuffle([2, 3, 0, 1]), ...op, ...set(v),
  ...get(v), ...get(v), ...get(v), ...shuffle([1, 0, 3, 2]), ...op, ...set(v),
];

/**
 * softmax: per row, the pad lanes of its last vector are set to −1e30 with one bitselect (a lane
 * mask made once per call; scalar stores into a vector that is loaded right after stall store
 * forwarding), then the max, the exp and the sum, and the scaling by 1 / sum, reductions in vector
 * registers. Measured (bench/attention.ts, one layer's 20,000 rows of 50): 2.0 → 1.5 ms (1.86
 * without FMA, VITLAB_RELAXED_SIMD=0).
 */
function softmaxBody(fma: boolean): number[] {
  const [P, Nn, R, ST] = [0, 1, 2, 3];
  const [Lr, Lj, Q, NV, LAST] = [4, 5, 6, 7, 8];
  const [VM, X, NN, RR, T, VA, KEEP, MASK] = [9, 10, 11, 12, 13, 14, 15, 16];
  const overVectors = (body: number[]) => [
    ...i32c(0), ...set(Lj), ...get(P), ...set(Q),
    ...block(loop(get(Lj), get(NV), geS, brIf(1), body, inc(Q, i32c(16)), inc(Lj, i32c(1)), br(0))),
  ];
  const iota = simd('v128.const', ...[0, 1, 2, 3].flatMap((l) => [l, 0, 0, 0]));
  const row = [
    // last vector: lanes ≥ n := −1e30
    ...get(P), ...get(LAST), ...add,
    ...vsplatc(-1e30), ...get(P), ...get(LAST), ...add, ...vload(), ...get(MASK), ...simd('v128.bitselect'),
    ...vstore(),
    ...vsplatc(-1e30), ...set(VM),
    ...overVectors([...get(VM), ...get(Q), ...vload(), ...vpmax, ...set(VM)]),
    ...allLanes(VM, vpmax),
    ...vsplatc(0), ...set(VA),
    ...overVectors([...get(Q), ...vload(), ...get(VM), ...vsub, ...set(X), ...vexp(fma, X, NN, RR, T, KEEP), ...get(Q), ...get(X), ...vstore(), ...get(VA), ...get(X), ...vadd, ...set(VA)]),
    ...allLanes(VA, vadd),
    ...vsplatc(1), ...get(VA), ...simd('f32x4.div'), ...set(VM),
    ...overVectors([...get(Q), ...get(Q), ...vload(), ...get(VM), ...vmul, ...vstore()]),
    ...inc(P, get(ST)),
  ];
  const body = [
    ...get(Nn), ...i32c(3), ...add, ...i32c(2), ...shrS, ...set(NV),
    ...get(NV), ...i32c(1), ...sub, ...i32c(16), ...mul, ...set(LAST),
    // MASK lane l: n − 1 < 4·(nv − 1) + l, i.e. the lane is past the row (all ones: take the −1e30)
    ...get(Nn), ...i32c(1), ...sub, ...simd('i32x4.splat'), ...get(LAST), ...i32c(2), ...shrS, ...simd('i32x4.splat'), ...iota, ...i4add, ...simd('i32x4.lt_s'),
    ...set(MASK),
    ...block(loop(get(Lr), get(R), geS, brIf(1), row, inc(Lr, i32c(1)), br(0))),
  ];
  return funcBody([[5, I32], [8, V128]], body);
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

/**
 * transposeScaled(src, ld, n, cols, dst, ldt, scaleBits): dst[c·ldt + j] = scale·src[j·ld + c] for
 * j < n, c < cols, and 0 for n ≤ j < ldt (ld in bytes, ldt in floats). The attention's Kᵀ and Vᵀ
 * per (sample, head): the same loop in JS over tfjs-wasm's heap took 1.6 ms of the forward's
 * 7 ms (its F.fill for the pad another ≈ 0.6), one float at a time here ≈ 0.16–0.3, and with the
 * 4 × 4 blocks (4 row loads, 8 shuffles, 4 stores) for j < n − n mod 4, c < cols − cols mod 4,
 * the rest one float at a time, 0.15 → 0.07–0.12 ms (bench/attention.ts, load 8).
 */
function transposeScaledBody(): number[] {
  const [SRC, LD, Nn, COLS, DST, LDT, SCALE] = [0, 1, 2, 3, 4, 5, 6];
  const [Lc, Lj, PS, PD, N4, C4] = [7, 8, 9, 10, 11, 12];
  const [S] = [13];
  const [R0, R1, R2, R3, T0, T1, T2, T3, VS] = [14, 15, 16, 17, 18, 19, 20, 21, 22];
  // a 4 × 4 block at (j = Lj, c = Lc): PS = src + j·ld + 4c, PD = dst + 4(c·ldt + j)
  const rowsAt = [R0, R1, R2, R3].flatMap((r, i) => [...get(PS), ...(i ? [...get(LD), ...i32c(i), ...mul, ...add] : []), ...vload(), ...set(r)]);
  const pair = (a: number, b: number, lanes: number[], to: number) => [...get(a), ...get(b), ...shuffle(lanes), ...set(to)];
  const out = (i: number, a: number, b: number, lanes: number[]) => [
    ...get(PD), ...(i ? [...get(LDT), ...i32c(4 * i), ...mul, ...add] : []),
    ...get(a), ...get(b), ...shuffle(lanes), ...get(VS), ...vmul, ...vstore(),
  ];
  const blockAt = [
    ...get(SRC), ...get(Lj), ...get(LD), ...mul, ...add, ...get(Lc), ...i32c(4), ...mul, ...add, ...set(PS),
    ...get(DST), ...get(Lc), ...get(LDT), ...mul, ...get(Lj), ...add, ...i32c(4), ...mul, ...add, ...set(PD),
    ...rowsAt,
    ...pair(R0, R1, [0, 4, 1, 5], T0), ...pair(R0, R1, [2, 6, 3, 7], T1), ...pair(R2, R3, [0, 4, 1, 5], T2), ...pair(R2, R3, [2, 6, 3, 7], T3),
    ...out(0, T0, T2, [0, 1, 4, 5]), ...out(1, T0, T2, [2, 3, 6, 7]), ...out(2, T1, T3, [0, 1, 4, 5]), ...out(3, T1, T3, [2, 3, 6, 7]),
  ];
  const blocks = [
    ...i32c(0), ...set(Lc),
    ...block(loop(get(Lc), get(C4), geS, brIf(1),
      i32c(0), set(Lj),
      block(loop(get(Lj), get(N4), geS, brIf(1), blockAt, inc(Lj, i32c(4)), br(0))),
      inc(Lc, i32c(4)), br(0))),
  ];
  // every column: its rows not in a block (from n4 where c < c4, else from 0), then the pad
  const col = [
    ...get(N4), ...i32c(0), ...get(Lc), ...get(C4), ...ltS, OP.select, ...set(Lj),
    ...get(SRC), ...get(Lc), ...i32c(4), ...mul, ...add, ...get(Lj), ...get(LD), ...mul, ...add, ...set(PS),
    ...get(DST), ...get(Lc), ...get(LDT), ...mul, ...get(Lj), ...add, ...i32c(4), ...mul, ...add, ...set(PD),
    ...block(loop(get(Lj), get(Nn), geS, brIf(1), get(PD), get(PS), f32load(), get(S), f32mulOp, f32store(), inc(PS, get(LD)), inc(PD, i32c(4)), inc(Lj, i32c(1)), br(0))),
    ...block(loop(get(Lj), get(LDT), geS, brIf(1), get(PD), f32c(0), f32store(), inc(PD, i32c(4)), inc(Lj, i32c(1)), br(0))),
  ];
  const body = [
    ...get(SCALE), ...reinterpret, ...set(S), ...get(S), ...splat, ...set(VS),
    ...get(Nn), ...i32c(-4), ...and, ...set(N4), ...get(COLS), ...i32c(-4), ...and, ...set(C4),
    ...blocks,
    ...i32c(0), ...set(Lc),
    ...block(loop(get(Lc), get(COLS), geS, brIf(1), col, inc(Lc, i32c(1)), br(0))),
  ];
  return funcBody([[6, I32], [1, F32], [9, V128]], body);
}

// LayerNorm over rows of d = 4·nv floats (the math: kernels/layer-norm.ts), sums in float32.

/** `body` once per vector of a row, with each [local, base] pointer stepping 16 bytes from its base. */
function overRow(lj: number, nv: number, ptrs: [number, number][], body: number[]): number[] {
  return [
    ...i32c(0), ...set(lj), ...ptrs.flatMap(([l, base]) => [...get(base), ...set(l)]),
    ...block(loop(get(lj), get(nv), geS, brIf(1), body, ...ptrs.map(([l]) => inc(l, i32c(16))), inc(lj, i32c(1)), br(0))),
  ];
}

/** layerNorm(x, g, b, y, stats, rows, nv, epsBits): y = (x − μ)·r·g + b, stats[row] = (μ, r). */
function layerNormBody(): number[] {
  const [X, G, Bb, Y, STATS, R, NV, EPS] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [Lr, Lj, QX, QG, QB, QY, ROWB] = [8, 9, 10, 11, 12, 13, 14];
  const [ACC, MU, RS, T] = [15, 16, 17, 18];
  const [INVD, SMU, SRS] = [19, 20, 21];
  const row = [
    ...vsplatc(0), ...set(ACC),
    ...overRow(Lj, NV, [[QX, X]], [...get(ACC), ...get(QX), ...vload(), ...vadd, ...set(ACC)]),
    ...hsum(ACC), ...get(INVD), ...f32mulOp, ...set(SMU), ...get(SMU), ...splat, ...set(MU),
    ...vsplatc(0), ...set(ACC),
    ...overRow(Lj, NV, [[QX, X]], [...get(QX), ...vload(), ...get(MU), ...vsub, ...set(T), ...get(ACC), ...get(T), ...get(T), ...vmul, ...vadd, ...set(ACC)]),
    ...f32c(1), ...hsum(ACC), ...get(INVD), ...f32mulOp, ...get(EPS), ...reinterpret, ...f32add, ...f32sqrt, ...f32div, ...set(SRS),
    ...get(SRS), ...splat, ...set(RS),
    ...overRow(Lj, NV, [[QX, X], [QG, G], [QB, Bb], [QY, Y]], [
      ...get(QY), ...get(QX), ...vload(), ...get(MU), ...vsub, ...get(RS), ...vmul, ...get(QG), ...vload(), ...vmul, ...get(QB), ...vload(), ...vadd, ...vstore(),
    ]),
    ...get(STATS), ...get(SMU), ...f32store(0), ...get(STATS), ...get(SRS), ...f32store(4),
    ...inc(X, get(ROWB)), ...inc(Y, get(ROWB)), ...inc(STATS, i32c(8)),
  ];
  const body = [
    ...get(NV), ...i32c(16), ...mul, ...set(ROWB),
    ...f32c(1), ...get(NV), ...i32c(4), ...mul, OP['f32.convert_i32_s'], ...f32div, ...set(INVD),
    ...block(loop(get(Lr), get(R), geS, brIf(1), row, inc(Lr, i32c(1)), br(0))),
  ];
  return funcBody([[7, I32], [4, V128], [3, F32]], body);
}

/**
 * layerNormGrad(dy, x, g, stats, dx, dg, db, rows, nv): x̂ = (x − μ)·r, ĝ = dy·g,
 * dx = r·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)), dg = Σ_rows dy·x̂, db = Σ_rows dy (dg, db overwritten).
 */
function layerNormGradBody(): number[] {
  const [DY, X, G, STATS, DX, DG, DB, R, NV] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [Lr, Lj, QDY, QX, QG, QDX, QDG, QDB, ROWB] = [9, 10, 11, 12, 13, 14, 15, 16, 17];
  const [MU, RS, SG, SGX, XH, GH, DYV] = [18, 19, 20, 21, 22, 23, 24];
  const [INVD] = [25];
  const xhat = [...get(QX), ...vload(), ...get(MU), ...vsub, ...get(RS), ...vmul, ...set(XH)];
  const row = [
    ...get(STATS), ...f32load(0), ...splat, ...set(MU), ...get(STATS), ...f32load(4), ...splat, ...set(RS),
    ...vsplatc(0), ...set(SG), ...vsplatc(0), ...set(SGX),
    ...overRow(Lj, NV, [[QDY, DY], [QX, X], [QG, G], [QDG, DG], [QDB, DB]], [
      ...xhat,
      ...get(QDY), ...vload(), ...set(DYV),
      ...get(DYV), ...get(QG), ...vload(), ...vmul, ...set(GH),
      ...get(SG), ...get(GH), ...vadd, ...set(SG),
      ...get(SGX), ...get(GH), ...get(XH), ...vmul, ...vadd, ...set(SGX),
      ...get(QDG), ...get(QDG), ...vload(), ...get(DYV), ...get(XH), ...vmul, ...vadd, ...vstore(),
      ...get(QDB), ...get(QDB), ...vload(), ...get(DYV), ...vadd, ...vstore(),
    ]),
    ...hsum(SG), ...get(INVD), ...f32mulOp, ...splat, ...set(SG),
    ...hsum(SGX), ...get(INVD), ...f32mulOp, ...splat, ...set(SGX),
    ...overRow(Lj, NV, [[QDY, DY], [QX, X], [QG, G], [QDX, DX]], [
      ...xhat,
      ...get(QDX), ...get(QDY), ...vload(), ...get(QG), ...vload(), ...vmul, ...get(SG), ...vsub, ...get(XH), ...get(SGX), ...vmul, ...vsub, ...get(RS), ...vmul, ...vstore(),
    ]),
    ...inc(DY, get(ROWB)), ...inc(X, get(ROWB)), ...inc(DX, get(ROWB)), ...inc(STATS, i32c(8)),
  ];
  const body = [
    ...get(NV), ...i32c(16), ...mul, ...set(ROWB),
    ...f32c(1), ...get(NV), ...i32c(4), ...mul, OP['f32.convert_i32_s'], ...f32div, ...set(INVD),
    ...overRow(Lj, NV, [[QDG, DG], [QDB, DB]], [...get(QDG), ...vsplatc(0), ...vstore(), ...get(QDB), ...vsplatc(0), ...vstore()]),
    ...block(loop(get(Lr), get(R), geS, brIf(1), row, inc(Lr, i32c(1)), br(0))),
  ];
  return funcBody([[9, I32], [7, V128], [1, F32]], body);
}

function moduleBytes(fma: boolean): Uint8Array<ArrayBuffer> {
  return assemble([
    { name: 'softmax', i32Params: 4, code: softmaxBody(fma) },
    { name: 'softmaxGrad', i32Params: 6, code: softmaxGradBody() },
    { name: 'reluMask', i32Params: 4, code: reluMaskBody() },
    { name: 'layerNorm', i32Params: 8, code: layerNormBody() },
    { name: 'layerNormGrad', i32Params: 9, code: layerNormGradBody() },
    { name: 'transposeScaled', i32Params: 7, code: transposeScaledBody() },
  ]);
}

export interface ElementwiseKernels {
  softmax: (p: number, n: number, rows: number, stride: number) => void;
  softmaxGrad: (p: number, d: number, nv: number, rows: number, stride: number, scaleBits: number) => void;
  reluMask: (dy: number, y: number, g: number, nv: number) => void;
  layerNorm: (x: number, g: number, b: number, y: number, stats: number, rows: number, nv: number, epsBits: number) => void;
  layerNormGrad: (dy: number, x: number, g: number, stats: number, dx: number, dg: number, db: number, rows: number, nv: number) => void;
  transposeScaled: (src: number, ld: number, n: number, cols: number, dst: number, ldt: number, scaleBits: number) => void;
}

/** A float32's bits as an i32 (how softmaxGrad takes its scale). */
export const f32Bits = (v: number) => new Int32Array(new Float32Array([v]).buffer)[0];

const compiled = new Map<boolean, WebAssembly.Module>();

/**
 * The kernels bound to a memory (tfjs-wasm's heap, or one of our own); `fma`: the softmax's exp
 * with relaxed-SIMD multiply-adds (the runtime's default, as for the gemm).
 */
export function elementwiseKernels(memory: WebAssembly.Memory, fma = relaxedSimd()): ElementwiseKernels {
  let mod = compiled.get(fma);
  if (!mod) {
    mod = new WebAssembly.Module(moduleBytes(fma));
    compiled.set(fma, mod);
  }
  const e = new WebAssembly.Instance(mod, { env: { mem: memory } }).exports;
  const names = ['softmax', 'softmaxGrad', 'reluMask', 'layerNorm', 'layerNormGrad', 'transposeScaled'] as const;
  return Object.fromEntries(names.map((n) => [n, e[n]])) as unknown as ElementwiseKernels;
}
