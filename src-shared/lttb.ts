/**
 * Largest-Triangle-Three-Buckets downsampling (Steinarsson 2013, "Downsampling Time Series for
 * Visual Representation", ch. 4.2): keeps the first and last point and, from each of threshold − 2
 * equal buckets in between, the point forming the largest triangle with the point kept before it
 * and the mean of the next bucket. Peaks and dips survive; a flat stretch costs one point. Pure.
 * Returns indices into the input (so several series sharing x keep aligned), ascending.
 */
export function lttbIndices(x: ArrayLike<number>, y: ArrayLike<number>, threshold: number): number[] {
  const n = x.length;
  if (y.length !== n) throw new RangeError(`lttb: x has ${n} values, y ${y.length}`);
  if (!Number.isInteger(threshold) || threshold < 0) throw new RangeError(`lttb: threshold must be a whole number ≥ 0, got ${threshold}`);
  // 0 means "no limit"; below 3 there are no buckets: the ends are all there is to keep.
  if (threshold === 0 || threshold >= n) return Array.from({ length: n }, (_, i) => i);
  if (threshold === 1) return [n - 1];
  if (threshold === 2) return [0, n - 1];
  const out = [0];
  const every = (n - 2) / (threshold - 2);
  let a = 0;
  for (let i = 0; i < threshold - 2; i++) {
    // The next bucket's mean (the last bucket's "next" is the final point).
    const nextStart = Math.floor((i + 1) * every) + 1;
    const nextEnd = Math.min(n, Math.floor((i + 2) * every) + 1);
    let avgX = 0;
    let avgY = 0;
    const len = Math.max(1, nextEnd - nextStart);
    for (let j = nextStart; j < nextEnd; j++) {
      avgX += x[j]!;
      avgY += y[j]!;
    }
    if (nextEnd <= nextStart) {
      avgX = x[n - 1]!;
      avgY = y[n - 1]!;
    } else {
      avgX /= len;
      avgY /= len;
    }
    const start = Math.floor(i * every) + 1;
    const end = Math.floor((i + 1) * every) + 1;
    let best = start;
    let bestArea = -1;
    for (let j = start; j < end; j++) {
      const area = Math.abs((x[a]! - avgX) * (y[j]! - y[a]!) - (x[a]! - x[j]!) * (avgY - y[a]!));
      if (area > bestArea) {
        bestArea = area;
        best = j;
      }
    }
    out.push(best);
    a = best;
  }
  out.push(n - 1);
  return out;
}

/** [x, y] pairs downsampled to at most `threshold` points (all of them when there are fewer). */
export function lttb(x: ArrayLike<number>, y: ArrayLike<number>, threshold: number): [number, number][] {
  return lttbIndices(x, y, threshold).map((i) => [x[i]!, y[i]!]);
}
