/** The fastest of `reps` calls after one warm-up, in ms: on a shared machine the minimum is the figure least disturbed by neighbours. */
export function bestOf(reps: number, fn: () => void): number {
  fn();
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    fn();
    best = Math.min(best, performance.now() - t);
  }
  return best;
}
