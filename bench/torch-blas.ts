// Which BLAS PyTorch really uses, checked before any tfjs / PyTorch ratio is printed. Debian's
// python3-torch is built with BLAS_INFO=generic: it links the generic libblas.so.3, which is the
// reference (netlib) BLAS unless libopenblas0-pthread is installed (or preloaded). With the
// reference BLAS the PyTorch side ran at 60 instead of 426 samples/s (issue 16), so a ratio against
// it says nothing about our engine. The check runs in a python3 with the same environment as the
// measurement: the BLAS libraries mapped into the process (/proc/self/maps), torch's own build
// line (torch.__config__.show()), and an sgemm GFLOP/s figure (512×512, one thread, 0.3 s).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

export type BlasKind = 'openblas' | 'mkl' | 'blis' | 'reference' | 'unknown';

export interface TorchBlas {
  kind: BlasKind;
  /** BLAS / LAPACK libraries mapped into torch's process. */
  libs: string[];
  /** torch's BLAS_INFO build setting (generic, mkl, open, …). */
  blasInfo: string;
  /** sgemm 512×512 on one thread. */
  gflops: number;
  torch: string;
}

const PROBE = `
import json, re, time, torch
info = re.search(r'BLAS_INFO=([^,\\s]+)', torch.__config__.show())
torch.set_num_threads(1)
a = torch.randn(512, 512); b = torch.randn(512, 512)
a @ b
t = time.perf_counter(); n = 0
while time.perf_counter() - t < 0.3:
    a @ b; n += 1
g = 2 * 512 ** 3 * n / (time.perf_counter() - t) / 1e9
with open('/proc/self/maps') as f:
    libs = sorted({l.split()[-1] for l in f if re.search(r'(blas|mkl|blis|lapack)[^/]*\\.so', l.split()[-1], re.I)})
print(json.dumps({'torch': torch.__version__, 'blasInfo': info.group(1) if info else '?', 'libs': libs, 'gflops': g}))
`;

/**
 * Names the BLAS from what is loaded (the build setting only where nothing is mapped, e.g. MKL
 * linked statically). Anything not recognised is 'unknown', which is refused like the reference.
 */
export function classifyBlas(libs: readonly string[], blasInfo: string): BlasKind {
  const all = libs.join(' ').toLowerCase();
  if (all.includes('openblas')) return 'openblas';
  if (all.includes('mkl')) return 'mkl';
  if (all.includes('blis')) return 'blis';
  // Debian's libblas3 (netlib reference) installs /usr/lib/<triplet>/blas/libblas.so.3.
  if (/\/blas\/libblas\.so/.test(all)) return 'reference';
  if (/mkl/i.test(blasInfo)) return 'mkl';
  return 'unknown';
}

/** Runs the probe in /usr/bin/python3 with `env` (LD_PRELOAD included); never throws. */
export function checkTorchBlas(env: NodeJS.ProcessEnv = process.env, python = '/usr/bin/python3'): TorchBlas | { error: string } {
  const r = spawnSync(python, ['-c', PROBE], { encoding: 'utf8', env: { ...env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' }, timeout: 120_000 });
  try {
    const p = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '') as Omit<TorchBlas, 'kind'>;
    return { ...p, kind: classifyBlas(p.libs, p.blasInfo) };
  } catch {
    return { error: `the BLAS probe failed (exit ${r.status}): ${(r.stderr || r.stdout || r.error?.message || '').trim().split('\n').at(-1)}` };
  }
}

/** An optimised BLAS, the only kind a tfjs / PyTorch ratio may be printed against. */
export function isTrustedBlas(b: TorchBlas | { error: string }): b is TorchBlas {
  return !('error' in b) && (b.kind === 'openblas' || b.kind === 'mkl' || b.kind === 'blis');
}

/** One line for the bench output: what PyTorch runs on, and whether ratios will be printed. */
export function describeTorchBlas(b: TorchBlas | { error: string }): string {
  if ('error' in b) return `pytorch BLAS check: ${b.error} — no ratios will be printed`;
  const libs = b.libs.map((l) => l.split('/').slice(-2).join('/')).join(', ') || 'no BLAS library mapped';
  const head = `pytorch BLAS check: ${b.kind} (${libs}; torch ${b.torch} built with BLAS_INFO=${b.blasInfo}), sgemm 512² ${b.gflops.toFixed(1)} GFLOP/s on 1 thread`;
  if (isTrustedBlas(b)) return head;
  return `${head} — NOT an optimised BLAS: ratios to PyTorch are not printed (install libopenblas0-pthread)`;
}

/** OpenBLAS's libblas.so.3 where libopenblas0-pthread is installed. */
export const OPENBLAS = ['/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3', '/usr/lib/aarch64-linux-gnu/openblas-pthread/libblas.so.3'].find((p) => fs.existsSync(p));

/**
 * The environment a PyTorch measurement runs in: `threads` for OpenMP and OpenBLAS, and OpenBLAS
 * preloaded — Debian's torch links the generic libblas.so.3 (the reference BLAS unless
 * update-alternatives says otherwise), and the preload makes it use OpenBLAS's sgemm.
 */
export function torchEnv(threads: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) };
  if (OPENBLAS) env.LD_PRELOAD = OPENBLAS;
  return env;
}
