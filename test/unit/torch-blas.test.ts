import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkTorchBlas, classifyBlas, describeTorchBlas, isTrustedBlas, type TorchBlas } from '../../bench/torch-blas.js';

const OPENBLAS = '/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3';
const hasTorch = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

describe('which BLAS PyTorch uses, before a ratio is printed', () => {
  it('names the BLAS from the libraries mapped into torch', () => {
    expect(classifyBlas(['/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3', '/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblasp-r0.3.21.so'], 'generic')).toBe('openblas');
    // Debian's libblas3, what python3-torch gets without libopenblas0-pthread.
    expect(classifyBlas(['/usr/lib/x86_64-linux-gnu/blas/libblas.so.3', '/usr/lib/x86_64-linux-gnu/lapack/liblapack.so.3'], 'generic')).toBe('reference');
    expect(classifyBlas(['/opt/intel/lib/libmkl_rt.so.2'], 'generic')).toBe('mkl');
    expect(classifyBlas([], 'mkl')).toBe('mkl');
    expect(classifyBlas(['/usr/lib/x86_64-linux-gnu/blis-openmp/libblas.so.3'], 'generic')).toBe('blis');
    expect(classifyBlas([], 'generic')).toBe('unknown');
  });

  it('refuses ratios against the reference BLAS, an unknown one, or a failed probe, and says why in the line', () => {
    const base: TorchBlas = { kind: 'reference', libs: ['/usr/lib/x86_64-linux-gnu/blas/libblas.so.3'], blasInfo: 'generic', gflops: 2.1, torch: '1.13.1' };
    expect(isTrustedBlas(base)).toBe(false);
    expect(describeTorchBlas(base)).toMatch(/reference .*NOT an optimised BLAS: ratios to PyTorch are not printed \(install libopenblas0-pthread\)/);
    expect(isTrustedBlas({ ...base, kind: 'unknown', libs: [] })).toBe(false);
    expect(isTrustedBlas({ ...base, kind: 'openblas' })).toBe(true);
    const failed = checkTorchBlas(process.env, '/bin/false');
    expect(failed).toMatchObject({ error: expect.stringContaining('probe failed') });
    expect(isTrustedBlas(failed)).toBe(false);
    expect(describeTorchBlas(failed)).toContain('no ratios will be printed');
  });

  it.skipIf(!hasTorch || !fs.existsSync(OPENBLAS))('finds OpenBLAS in the real torch when it is preloaded, as the bench does', () => {
    const b = checkTorchBlas({ ...process.env, LD_PRELOAD: OPENBLAS });
    expect(b).toMatchObject({ kind: 'openblas' });
    expect(isTrustedBlas(b)).toBe(true);
    if (isTrustedBlas(b)) expect(b.gflops).toBeGreaterThan(0);
  }, 120_000);
});
