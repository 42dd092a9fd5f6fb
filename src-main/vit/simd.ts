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

// ---- a minimal binary encoder ----------------------------------------------------------------
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}
const str = (s: string) => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];

const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;

/** Core opcodes used here, by their names in the WebAssembly spec. */
const OP = {
  block: 0x02,
  loop: 0x03,
  br: 0x0c,
  br_if: 0x0d,
  end: 0x0b,
  'local.get': 0x20,
  'local.set': 0x21,
  'f32.load': 0x2a,
  'f32.store': 0x38,
  'i32.const': 0x41,
  'f32.const': 0x43,
  'i32.gt_s': 0x4a,
  'i32.ge_s': 0x4e,
  'i32.add': 0x6a,
  'i32.mul': 0x6c,
  'i32.shr_s': 0x75,
  'f32.add': 0x92,
  'f32.mul': 0x94,
  'f32.div': 0x95,
  'f32.max': 0x97,
  /** Prefix of every SIMD instruction (followed by the LEB128 code below). */
  simd: 0xfd,
} as const;

/** SIMD (v128) opcodes used here, by their spec names (after the 0xfd prefix). */
const SIMD = {
  'v128.load': 0x00,
  'v128.store': 0x0b,
  'v128.const': 0x0c,
  'f32x4.splat': 0x13,
  'f32x4.extract_lane': 0x1f,
  'f32x4.gt': 0x44,
  'v128.and': 0x4e,
  'f32x4.nearest': 0x6a,
  'i32x4.shl': 0xab,
  'i32x4.add': 0xae,
  'f32x4.add': 0xe4,
  'f32x4.sub': 0xe5,
  'f32x4.mul': 0xe6,
  'f32x4.max': 0xe9,
  'i32x4.trunc_sat_f32x4_s': 0xf8,
} as const;

/** Memory immediates: alignment 2^2 (4 bytes) and a byte offset. */
const ALIGN4 = 2;

// instructions
const get = (i: number) => [OP['local.get'], ...uleb(i)];
const set = (i: number) => [OP['local.set'], ...uleb(i)];
const i32c = (v: number) => [OP['i32.const'], ...sleb(v)];
const add = [OP['i32.add']];
const mul = [OP['i32.mul']];
const gtS = [OP['i32.gt_s']];
const geS = [OP['i32.ge_s']];
/** Block type 0x40: no result. */
const block = (...body: number[][]) => [OP.block, 0x40, ...body.flat(), OP.end];
const loop = (...body: number[][]) => [OP.loop, 0x40, ...body.flat(), OP.end];
const br = (d: number) => [OP.br, ...uleb(d)];
const brIf = (d: number) => [OP.br_if, ...uleb(d)];
const f32load = (off = 0) => [OP['f32.load'], ALIGN4, ...uleb(off)];
const f32store = (off = 0) => [OP['f32.store'], ALIGN4, ...uleb(off)];
const f32add = [OP['f32.add']];
const f32mul = [OP['f32.mul']];
const f32zero = [OP['f32.const'], 0, 0, 0, 0];
const simd = (op: keyof typeof SIMD, ...imm: number[]) => [OP.simd, ...uleb(SIMD[op]), ...imm];
const vload = (off = 0) => simd('v128.load', ALIGN4, ...uleb(off));
const vstore = (off = 0) => simd('v128.store', ALIGN4, ...uleb(off));
const vzero = simd('v128.const', ...new Array<number>(16).fill(0));
const splat = simd('f32x4.splat');
const vadd = simd('f32x4.add');
const vmul = simd('f32x4.mul');
/** local += delta */
const inc = (l: number, delta: number[]) => [...get(l), ...delta, ...add, ...set(l)];

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
  const locals = vec([
    [6, I32],
    [5, V128],
    [2, F32],
  ]);
  const body = block(loop(get(Li), get(M), geS, brIf(1), i32c(0), set(Lj), jBlock(4), jBlock(1), jBlock(0), inc(Li, i32c(1)), br(0)));
  const code = [...locals, ...body, OP.end];
  return [...uleb(code.length), ...code];
}

// softmax(P, n, rows, stride): each of `rows` rows (stride bytes apart, stride ≥ 16·⌈n/4⌉) becomes
// the softmax of its first n entries, 4 lanes at a time over ⌈n/4⌉ vectors (pad lanes are set to
// -1e30 first and end up 0; they are never read as probabilities).
const f32c = (v: number) => [OP['f32.const'], ...new Uint8Array(new Float32Array([v]).buffer)];
const vsplatc = (v: number) => [...f32c(v), ...splat];
const vsub = simd('f32x4.sub');
const vmax = simd('f32x4.max');
const vgt = simd('f32x4.gt');
const vand = simd('v128.and');
const vnearest = simd('f32x4.nearest');
const i4trunc = simd('i32x4.trunc_sat_f32x4_s');
const i4add = simd('i32x4.add');
const i4shl = simd('i32x4.shl');
const lane = (l: number) => simd('f32x4.extract_lane', l);
const f32max = [OP['f32.max']];
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
  const locals = vec([
    [4, I32],
    [7, V128],
  ]);
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
  const code = [...locals, ...body, OP.end];
  return [...uleb(code.length), ...code];
}

/** Section ids and the other binary-format constants of a module, by their spec names. */
const SECTION = { type: 1, import: 2, function: 3, export: 7, code: 10 } as const;
const FUNC_TYPE = 0x60;
const EXTERNAL = { func: 0x00, memory: 0x02 } as const;
/** "\0asm", then format version 1. */
const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

function moduleBytes(): Uint8Array<ArrayBuffer> {
  // Type 0: gemm's 10 i32 parameters; type 1: softmax's 4; no results.
  const type = vec([
    [FUNC_TYPE, ...uleb(10), ...new Array<number>(10).fill(I32), 0],
    [FUNC_TYPE, 4, I32, I32, I32, I32, 0],
  ]);
  // env.mem: a memory with no maximum (limits flag 0) and at least 0 pages.
  const imports = vec([[...str('env'), ...str('mem'), EXTERNAL.memory, 0x00, 0x00]]);
  const funcs = vec([[0], [1]]);
  const exports = vec([
    [...str('gemm'), EXTERNAL.func, 0],
    [...str('softmax'), EXTERNAL.func, 1],
  ]);
  const code = vec([gemmBody(), softmaxBody()]);
  return new Uint8Array([
    ...HEADER,
    ...section(SECTION.type, type),
    ...section(SECTION.import, imports),
    ...section(SECTION.function, funcs),
    ...section(SECTION.export, exports),
    ...section(SECTION.code, code),
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
