import v8 from 'node:v8';
import {
  add, and, block, br, brIf, eqz, f32add, f32load, f32max, f32mul, f32store, f32zero, funcBody, get, gtS, i32c, ifThen, inc, loop,
  moduleBytes, mul, set, simd, sub, vadd, vload, vloadSplat, vmax, vmul, vstore, vzero, F32, I32, V128, geS,
} from './wasm-encode.js';

/**
 * A register-blocked f32 matrix product in wasm SIMD for the model's dense layers (forward and
 * both gradients), running on tfjs-wasm's heap:
 *
 *   gemm(M, N, K, A, sai, sak, B, ldb, C, ldc, bias, flags):
 *     C[i, j] = act( init[i, j] + Σ_k A[i·sai + k·sak] · B[k·ldb + j] )
 *     init = C[i, j] (flags & ACCUMULATE) + bias[j] (flags & BIAS), else 0; act = ReLU (flags & RELU)
 *
 * Pointers and strides are in bytes. A is read one scalar at a time (a broadcast load), so a
 * transposed A costs nothing: x·W has sai = 4K, sak = 4; xᵀ·dy has sai = 4, sak = 4K. B and C rows
 * are contiguous in j. The micro-kernel keeps an MR × 4·NV tile of C in MR·NV f32x4 registers and
 * per k loads NV vectors of B and MR broadcasts of A; column tails take one vector, then scalars,
 * and row tails one row at a time. Measured on this machine (bench/gemm.ts, best of 15, load 6–8):
 * 2 × 16 with FMA was the best tile on every training shape, 38–54 GFLOP/s (4×8: 36–45, 3×8,
 * 2×12, 2×8, 4×4 lower; 6×8 and 3×16 spill: 7–15), against 12–30 for tfjs's matMul (XNNPACK).
 * Unrolling the k loop by 2 or 4 halved it (≈ 25 GFLOP/s on every shape, alternating runs at load
 * 10): V8 then spills the tile's registers.
 *
 * Where the runtime has relaxed SIMD (Electron's V8; Node 20 behind a V8 flag, which we set), the
 * multiply-add is `f32x4.relaxed_madd` (one FMA on x86 with FMA3); else f32x4.mul + f32x4.add. The
 * two round differently (one rounding vs two): both stay within float tolerance of the reference.
 */

export const GEMM_FLAGS = { ACCUMULATE: 1, RELU: 2, BIAS: 4 } as const;

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
  bias: number,
  flags: number,
) => void;

export interface GemmShape {
  /** Rows of the register tile. */
  mr: number;
  /** f32x4 vectors per row of the tile (columns = 4·nv). */
  nv: number;
  /** relaxed_madd instead of mul + add. */
  fma: boolean;
}

// parameters
const [M, N, K, A, SAI, SAK, B, LDB, C, LDC, BIAS, FLAGS] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const PARAMS = 12;

function gemmCode({ mr: MR, nv: NV, fma }: GemmShape): number[] {
  // locals: i32 i, j, k, pb, pc, pbias, pa[MR]; v128 acc[MR·NV], bv[NV], av; f32 sacc[MR], sb
  const [Li, Lj, Lk, PB, PC, PBIAS] = [0, 1, 2, 3, 4, 5].map((x) => PARAMS + x);
  const PA = Array.from({ length: MR }, (_, r) => PARAMS + 6 + r);
  const v0 = PARAMS + 6 + MR;
  const ACCV = (r: number, v: number) => v0 + r * NV + v;
  const BV = (v: number) => v0 + MR * NV + v;
  const AV = v0 + MR * NV + NV;
  const f0 = AV + 1;
  const SACC = (r: number) => f0 + r;
  const SB = f0 + MR;
  const flag = (f: number) => [...get(FLAGS), ...i32c(f), ...and];
  const madd = fma ? simd('f32x4.relaxed_madd') : [...vmul, ...vadd];

  /** One tile of `mr` rows × `nv` vectors (nv 0: one scalar column) at (i, j). */
  function tile(mr: number, nv: number): number[] {
    const scalar = nv === 0;
    const cols = scalar ? [0] : Array.from({ length: nv }, (_, v) => v);
    const rows = Array.from({ length: mr }, (_, r) => r);
    const accs = rows.flatMap((r) => cols.map((v) => (scalar ? SACC(r) : ACCV(r, v))));
    const cLoad = (off: number) => (scalar ? f32load(off) : vload(off));
    const plus = scalar ? f32add : vadd;
    // pc = C + i·ldc + 4j
    const pcAt = [...get(C), ...get(Li), ...get(LDC), ...mul, ...add, ...get(Lj), ...i32c(4), ...mul, ...add, ...set(PC)];
    const out: number[] = [];
    // A row pointers and the B pointer
    out.push(...get(A), ...get(Li), ...get(SAI), ...mul, ...add, ...set(PA[0]));
    for (let r = 1; r < mr; r++) out.push(...get(PA[r - 1]), ...get(SAI), ...add, ...set(PA[r]));
    out.push(...get(B), ...get(Lj), ...i32c(4), ...mul, ...add, ...set(PB));
    for (const a of accs) out.push(...(scalar ? f32zero : vzero), ...set(a));
    // init from C
    out.push(
      ...flag(GEMM_FLAGS.ACCUMULATE),
      ...ifThen(
        pcAt,
        ...rows.map((r) => [...cols.flatMap((v) => [...get(PC), ...cLoad(16 * v), ...set(scalar ? SACC(r) : ACCV(r, v))]), ...inc(PC, get(LDC))]),
      ),
    );
    // + bias
    out.push(
      ...flag(GEMM_FLAGS.BIAS),
      ...ifThen(
        [...get(BIAS), ...get(Lj), ...i32c(4), ...mul, ...add, ...set(PBIAS)],
        scalar ? [...get(PBIAS), ...f32load(), ...set(SB)] : cols.flatMap((v) => [...get(PBIAS), ...vload(16 * v), ...set(BV(v))]),
        ...rows.map((r) =>
          cols.flatMap((v) => {
            const a = scalar ? SACC(r) : ACCV(r, v);
            return [...get(a), ...get(scalar ? SB : BV(v)), ...plus, ...set(a)];
          }),
        ),
      ),
    );
    // Σ_k, counting k down
    const kBody: number[] = [];
    if (scalar) {
      kBody.push(...get(PB), ...f32load(), ...set(SB));
      for (const r of rows) kBody.push(...get(SACC(r)), ...get(PA[r]), ...f32load(), ...get(SB), ...f32mul, ...f32add, ...set(SACC(r)));
    } else {
      for (const v of cols) kBody.push(...get(PB), ...vload(16 * v), ...set(BV(v)));
      for (const r of rows) {
        kBody.push(...get(PA[r]), ...vloadSplat(), ...set(AV));
        for (const v of cols) {
          const a = ACCV(r, v);
          kBody.push(...(fma ? [...get(AV), ...get(BV(v)), ...get(a), ...madd] : [...get(a), ...get(AV), ...get(BV(v)), ...madd]), ...set(a));
        }
      }
    }
    for (const r of rows) kBody.push(...inc(PA[r], get(SAK)));
    kBody.push(...inc(PB, get(LDB)), ...get(Lk), ...i32c(1), ...sub, ...set(Lk));
    out.push(...get(K), ...set(Lk), ...block(loop(get(Lk), eqz, brIf(1), kBody, br(0))));
    // ReLU
    out.push(
      ...flag(GEMM_FLAGS.RELU),
      ...ifThen(...accs.map((a) => (scalar ? [...get(a), ...f32zero, ...f32max, ...set(a)] : [...get(a), ...vzero, ...vmax, ...set(a)]))),
    );
    // store
    out.push(...pcAt);
    for (const r of rows) {
      for (const v of cols) out.push(...get(PC), ...get(scalar ? SACC(r) : ACCV(r, v)), ...(scalar ? f32store(16 * v) : vstore(16 * v)));
      if (r < mr - 1) out.push(...inc(PC, get(LDC)));
    }
    return out;
  }

  /** Every column block of the current rows: full tiles, then one vector, then scalars. */
  const widths = [...new Set([NV, 1, 0])];
  const columns = (mr: number) => [
    ...i32c(0),
    ...set(Lj),
    ...widths.flatMap((nv) => {
      const w = nv === 0 ? 1 : 4 * nv;
      return block(loop(get(Lj), i32c(w), add, get(N), gtS, brIf(1), tile(mr, nv), inc(Lj, i32c(w)), br(0)));
    }),
  ];
  const body = [
    ...i32c(0),
    ...set(Li),
    ...block(loop(get(Li), i32c(MR), add, get(M), gtS, brIf(1), columns(MR), inc(Li, i32c(MR)), br(0))),
    ...(MR > 1 ? block(loop(get(Li), get(M), geS, brIf(1), columns(1), inc(Li, i32c(1)), br(0))) : []),
  ];
  return funcBody(
    [
      [6 + MR, I32],
      [MR * NV + NV + 1, V128],
      [MR + 1, F32],
    ],
    body,
  );
}

export function gemmModuleBytes(shape: GemmShape): Uint8Array<ArrayBuffer> {
  return moduleBytes([{ name: 'gemm', i32Params: PARAMS, code: gemmCode(shape) }]);
}

/** The tile the engine uses (see the header for the measurement). */
export const GEMM_TILE = { mr: 2, nv: 4 } as const;

let relaxed: boolean | null = null;
/**
 * Whether relaxed SIMD validates here, turning on Node 20's V8 flag for it first (V8 reads it when
 * it validates a module, so setting it at run time works; Electron's V8 ships it on).
 * VITLAB_RELAXED_SIMD=0 turns it off (then the plain mul + add kernel runs).
 */
export function relaxedSimd(): boolean {
  if (relaxed !== null) return relaxed;
  if (process.env.VITLAB_RELAXED_SIMD === '0') return (relaxed = false);
  const probe = gemmModuleBytes({ ...GEMM_TILE, fma: true });
  if (!WebAssembly.validate(probe)) {
    try {
      v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    } catch {
      // not a V8 that takes flags: no relaxed SIMD
    }
  }
  return (relaxed = WebAssembly.validate(probe));
}

const compiled = new Map<string, WebAssembly.Module>();

/** The gemm of a tile shape bound to a memory (tfjs-wasm's heap, or one of our own). */
export function gemmKernel(memory: WebAssembly.Memory, shape: GemmShape = { ...GEMM_TILE, fma: relaxedSimd() }): GemmFn {
  const key = `${shape.mr}x${shape.nv}${shape.fma ? 'f' : ''}`;
  let mod = compiled.get(key);
  if (!mod) {
    if (shape.fma && !relaxedSimd()) throw new Error('gemm: this runtime has no relaxed SIMD (f32x4.relaxed_madd)');
    mod = new WebAssembly.Module(gemmModuleBytes(shape));
    compiled.set(key, mod);
  }
  return new WebAssembly.Instance(mod, { env: { mem: memory } }).exports.gemm as GemmFn;
}
