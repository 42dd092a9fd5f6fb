/**
 * A small seeded PRNG (mulberry32) for shuffling and augmentation: JS's Math.random cannot be
 * seeded, and a run must be reproducible from its seed (and resumable mid-run: each epoch derives
 * its own stream from (seed, epoch), so epoch 7 shuffles the same whether or not 1–6 ran here).
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function epochRng(seed: number, epoch: number, stream = 0): () => number {
  return mulberry32((seed * 1_000_003 + epoch * 7919 + stream * 104_729) >>> 0);
}

/** Fisher–Yates permutation of 0..n-1. */
export function permutation(n: number, rand: () => number): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
