/** Largest absolute difference between a and b, relative to b's largest magnitude (tests only). */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-6): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / Math.max(scale, floor);
}
