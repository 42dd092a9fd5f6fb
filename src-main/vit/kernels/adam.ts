/**
 * One AdamW step over a flat weight buffer (PyTorch's update rule, eps outside the square root,
 * decoupled weight decay), in place. One JS loop over every parameter instead of ≈ 12 tfjs ops per
 * parameter tensor (≈ 600 dispatches per step for the seed config, 12–20 ms measured; this loop
 * takes ≈ 1 ms for its 205k parameters). Arithmetic in doubles, stored as float32.
 *
 * `decay[i]` (per parameter segment, see params.ts) says whether weight decay applies to the
 * elements from `offsets[i]` to `offsets[i] + sizes[i]`.
 */
export interface AdamWHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** 1-based step number (bias correction). */
  step: number;
}

export interface Segments {
  offsets: number[];
  sizes: number[];
  decay: boolean[];
}

export function adamwStep(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, seg: Segments, h: AdamWHyper): void {
  const { lr, beta1, beta2, eps, weightDecay, step } = h;
  const bc1 = 1 - beta1 ** step;
  const sbc2 = Math.sqrt(1 - beta2 ** step);
  const c1 = 1 - beta1;
  const c2 = 1 - beta2;
  const stepSize = lr / bc1;
  for (let s = 0; s < seg.offsets.length; s++) {
    const from = seg.offsets[s];
    const to = from + seg.sizes[s];
    const keep = seg.decay[s] && weightDecay > 0 ? 1 - lr * weightDecay : 1;
    for (let i = from; i < to; i++) {
      const gi = g[i];
      const mi = beta1 * m[i] + c1 * gi;
      const vi = beta2 * v[i] + c2 * gi * gi;
      m[i] = mi;
      v[i] = vi;
      w[i] = w[i] * keep - (stepSize * mi) / (Math.sqrt(vi) / sbc2 + eps);
    }
  }
}
