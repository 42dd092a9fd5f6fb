/**
 * A minimal WebAssembly binary encoder for the SIMD kernels (simd.ts, kernels/gemm.ts): every
 * opcode by its name in the WebAssembly spec, instructions as small functions returning bytes, and
 * a module assembler. Kernels are emitted from TypeScript at load time: no toolchain needed.
 */

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}
export function sleb(n: number): number[] {
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
export const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;

/** Core opcodes used here, by their names in the WebAssembly spec. */
export const OP = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  br: 0x0c,
  br_if: 0x0d,
  end: 0x0b,
  select: 0x1b,
  'local.get': 0x20,
  'local.set': 0x21,
  'f32.load': 0x2a,
  'f32.store': 0x38,
  'i32.const': 0x41,
  'f32.const': 0x43,
  'i32.eqz': 0x45,
  'i32.lt_s': 0x48,
  'i32.gt_s': 0x4a,
  'i32.ge_s': 0x4e,
  'i32.add': 0x6a,
  'i32.sub': 0x6b,
  'i32.mul': 0x6c,
  'i32.and': 0x71,
  'i32.shr_s': 0x75,
  'f32.add': 0x92,
  'f32.sub': 0x93,
  'f32.mul': 0x94,
  'f32.div': 0x95,
  'f32.sqrt': 0x91,
  'f32.convert_i32_s': 0xb2,
  'f32.max': 0x97,
  'f32.reinterpret_i32': 0xbe,
  /** Prefix of every SIMD instruction (followed by the LEB128 code below). */
  simd: 0xfd,
} as const;

/** SIMD (v128) opcodes used here, by their spec names (after the 0xfd prefix). */
export const SIMD = {
  'v128.load': 0x00,
  'v128.load32_splat': 0x09,
  'v128.store': 0x0b,
  'v128.const': 0x0c,
  'i8x16.shuffle': 0x0d,
  'i32x4.splat': 0x11,
  'f32x4.splat': 0x13,
  'f32x4.extract_lane': 0x1f,
  'f32x4.gt': 0x44,
  'i32x4.lt_s': 0x39,
  'f32x4.ge': 0x46,
  'v128.and': 0x4e,
  'v128.bitselect': 0x52,
  'f32x4.nearest': 0x6a,
  'i32x4.shl': 0xab,
  'i32x4.add': 0xae,
  'f32x4.abs': 0xe0,
  'f32x4.add': 0xe4,
  'f32x4.sub': 0xe5,
  'f32x4.mul': 0xe6,
  'f32x4.div': 0xe7,
  'f32x4.max': 0xe9,
  /** Pseudo-maximum b < a ? a : b: one x86 maxps, where f32x4.max's NaN and ±0 rules cost ≈ 7 instructions. */
  'f32x4.pmax': 0xeb,
  'i32x4.trunc_sat_f32x4_s': 0xf8,
  /** Relaxed SIMD: a·b + c, fused or not (the engine's choice). */
  'f32x4.relaxed_madd': 0x105,
  /** Relaxed SIMD: −(a·b) + c, fused or not. */
  'f32x4.relaxed_nmadd': 0x106,
} as const;

/** Memory immediates: alignment 2^2 (4 bytes) and a byte offset. */
const ALIGN4 = 2;

// instructions
export const get = (i: number) => [OP['local.get'], ...uleb(i)];
export const set = (i: number) => [OP['local.set'], ...uleb(i)];
export const i32c = (v: number) => [OP['i32.const'], ...sleb(v)];
export const add = [OP['i32.add']];
export const sub = [OP['i32.sub']];
export const mul = [OP['i32.mul']];
export const and = [OP['i32.and']];
export const eqz = [OP['i32.eqz']];
export const gtS = [OP['i32.gt_s']];
export const ltS = [OP['i32.lt_s']];
export const geS = [OP['i32.ge_s']];
/** Block type 0x40: no result. */
export const block = (...body: number[][]) => [OP.block, 0x40, ...body.flat(), OP.end];
export const loop = (...body: number[][]) => [OP.loop, 0x40, ...body.flat(), OP.end];
/** `if` on the i32 on the stack, no result. */
export const ifThen = (...body: number[][]) => [OP.if, 0x40, ...body.flat(), OP.end];
export const br = (d: number) => [OP.br, ...uleb(d)];
export const brIf = (d: number) => [OP.br_if, ...uleb(d)];
export const f32load = (off = 0) => [OP['f32.load'], ALIGN4, ...uleb(off)];
export const f32store = (off = 0) => [OP['f32.store'], ALIGN4, ...uleb(off)];
export const f32add = [OP['f32.add']];
export const f32mul = [OP['f32.mul']];
export const f32max = [OP['f32.max']];
export const f32c = (v: number) => [OP['f32.const'], ...new Uint8Array(new Float32Array([v]).buffer)];
export const f32zero = f32c(0);
export const simd = (op: keyof typeof SIMD, ...imm: number[]) => [OP.simd, ...uleb(SIMD[op]), ...imm];
export const vload = (off = 0) => simd('v128.load', ALIGN4, ...uleb(off));
export const vloadSplat = (off = 0) => simd('v128.load32_splat', ALIGN4, ...uleb(off));
export const vstore = (off = 0) => simd('v128.store', ALIGN4, ...uleb(off));
export const vzero = simd('v128.const', ...new Array<number>(16).fill(0));
export const splat = simd('f32x4.splat');
export const vadd = simd('f32x4.add');
export const vmul = simd('f32x4.mul');
export const vmax = simd('f32x4.max');
/** local += delta */
export const inc = (l: number, delta: number[]) => [...get(l), ...delta, ...add, ...set(l)];

/** A function's code entry: its locals (runs of [count, type]) and body, ended and sized. */
export function funcBody(locals: [number, number][], body: number[]): number[] {
  const code = [...vec(locals), ...body, OP.end];
  return [...uleb(code.length), ...code];
}

/** Section ids and the other binary-format constants of a module, by their spec names. */
const SECTION = { type: 1, import: 2, function: 3, export: 7, code: 10 } as const;
const FUNC_TYPE = 0x60;
const EXTERNAL = { func: 0x00, memory: 0x02 } as const;
/** "\0asm", then format version 1. */
const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

export interface WasmFunc {
  name: string;
  /** Number of i32 parameters (every kernel takes i32s only: sizes, strides, byte pointers). */
  i32Params: number;
  /** From `funcBody`. */
  code: number[];
}

/** A module importing its memory as env.mem (no maximum), exporting `funcs` (no results). */
export function moduleBytes(funcs: WasmFunc[]): Uint8Array<ArrayBuffer> {
  const type = vec(funcs.map((f) => [FUNC_TYPE, ...uleb(f.i32Params), ...new Array<number>(f.i32Params).fill(I32), 0]));
  const imports = vec([[...str('env'), ...str('mem'), EXTERNAL.memory, 0x00, 0x00]]);
  const fns = vec(funcs.map((_, i) => uleb(i)));
  const exports = vec(funcs.map((f, i) => [...str(f.name), EXTERNAL.func, ...uleb(i)]));
  const code = vec(funcs.map((f) => f.code));
  return new Uint8Array([
    ...HEADER,
    ...section(SECTION.type, type),
    ...section(SECTION.import, imports),
    ...section(SECTION.function, fns),
    ...section(SECTION.export, exports),
    ...section(SECTION.code, code),
  ]);
}
