/**
 * A tiny hand-assembled WebAssembly SIMD module with one kernel, a strided small-matrix product
 * that tfjs-backend-wasm lacks (its batched / transposed matMul is a scalar loop):
 *
 *   gemm(M, N, K, A, sai, sak, B, ldb, C, ldc):  C[i, j] = Σ_k A[i·sai + k·sak] · B[k·ldb + j]
 *
 * All pointers and strides are in bytes. A is read one scalar at a time (so any strides, i.e. a
 * transposed A, cost nothing); B and C rows are contiguous in j and read/written 16 or 4 floats at a
 * time (f32x4, four accumulators kept in registers), with a scalar tail. C is overwritten.
 *
 * The module imports its memory, so on the wasm backend it runs directly on tfjs's heap (no copies);
 * elsewhere it gets a memory of its own. Emitted from this file at load time: no toolchain needed.
 */

import {
  add, block, br, brIf, f32add, f32c, f32load, f32max, f32mul, f32store, f32zero, funcBody, geS, get, gtS, i32c, inc, loop,
  moduleBytes as assemble, mul, OP, set, simd, splat, vadd, vload, vmax, vmul, vstore, vzero, F32, I32, V128,
} from './kernels/wasm-encode.js';

// gemm's locals: params 0..9, then i32 i, j, k, pa, pb, pc; v128 acc0..3, av; f32 s
const [M, N, K, A, SAI, SAK, B, LDB, C, LDC] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const [Li, Lj, Lk, PA, PB, PC] = [10, 11, 12, 13, 14, 15];
const ACC = [16, 17, 18, 19];
const AV = 20;
const S = 21;

/** One j-block of `lanes` vectors (lanes 0 → scalar) for row i, looping while it fits. */
function jBlock(lanes: number): number[] {
  const width = lanes === 0 ? 1 : lanes * 4;
  const accs = lanes === 0 ? [S] : ACC.slice(0, lanes);
  const init = accs.flatMap((a) => [...(lanes === 0 ? f32zero : vzero), ...set(a)]);
  const aval = lanes === 0 ? [...get(PA), ...f32load(), ...set(S + 1)] : [...get(PA), ...f32load(), ...splat, ...set(AV)];
  const fma =
    lanes === 0
      ? [...get(S), ...get(S + 1), ...get(PB), ...f32load(), ...f32mul, ...f32add, ...set(S)]
      : accs.flatMap((a, v) => [...get(a), ...get(AV), ...get(PB), ...vload(16 * v), ...vmul, ...vadd, ...set(a)]);
  const store =
    lanes === 0
      ? [...get(PC), ...get(S), ...f32store()]
      : accs.flatMap((a, v) => [...get(PC), ...get(a), ...vstore(16 * v)]);
  return block(
    loop(
      // while (j + width <= N)
      get(Lj),
      i32c(width),
      add,
      get(N),
      gtS,
      brIf(1),
      init,
      // pa = A + i·sai; pb = B + 4j; k = 0
      get(A),
      get(Li),
      get(SAI),
      mul,
      add,
      set(PA),
      get(B),
      get(Lj),
      i32c(4),
      mul,
      add,
      set(PB),
      i32c(0),
      set(Lk),
      block(loop(get(Lk), get(K), geS, brIf(1), aval, fma, inc(PA, get(SAK)), inc(PB, get(LDB)), inc(Lk, i32c(1)), br(0))),
      // pc = C + i·ldc + 4j
      get(C),
      get(Li),
      get(LDC),
      mul,
      add,
      get(Lj),
      i32c(4),
      mul,
      add,
      set(PC),
      store,
      inc(Lj, i32c(width)),
      br(0),
    ),
  );
}

function gemmBody(): number[] {
  const body = block(loop(get(Li), get(M), geS, brIf(1), i32c(0), set(Lj), jBlock(4), jBlock(1), jBlock(0), inc(Li, i32c(1)), br(0)));
  return funcBody([[6, I32], [5, V128], [2, F32]], body);
}

// softmax(P, n, rows, stride): each of `rows` rows (stride bytes apart, stride ≥ 16·⌈n/4⌉) becomes
// the softmax of its first n entries, 4 lanes at a time over ⌈n/4⌉ vectors (pad lanes are set to
// -1e30 first and end up 0; they are never read as probabilities).
const vsplatc = (v: number) => [...f32c(v), ...splat];
const vsub = simd('f32x4.sub');
const vgt = simd('f32x4.gt');
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

function moduleBytes(): Uint8Array<ArrayBuffer> {
  return assemble([
    { name: 'gemm', i32Params: 10, code: gemmBody() },
    { name: 'softmax', i32Params: 4, code: softmaxBody() },
  ]);
}

export type GemmFn = (
  M: number,
  N: number,
  K: number,
  a: number,
  sai: number,
  sak: number,
  b: number,
  ldb: number,
  c: number,
  ldc: number,
) => void;

let compiled: WebAssembly.Module | null = null;

/** The kernels bound to a memory (tfjs-wasm's heap, or a fresh one). */
export type SoftmaxFn = (p: number, n: number, rows: number, stride: number) => void;

export function simdKernels(memory: WebAssembly.Memory): { gemm: GemmFn; softmax: SoftmaxFn } {
  compiled ??= new WebAssembly.Module(moduleBytes());
  const inst = new WebAssembly.Instance(compiled, { env: { mem: memory } });
  return { gemm: inst.exports.gemm as GemmFn, softmax: inst.exports.softmax as SoftmaxFn };
}

export function simdSupported(): boolean {
  try {
    return WebAssembly.validate(moduleBytes());
  } catch {
    return false;
  }
}
