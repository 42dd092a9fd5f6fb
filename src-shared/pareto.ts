/**
 * The Pareto front of accuracy against cost: the runs no other run beats on both counts (at most
 * the cost and at least the accuracy, strictly better on one). Pure: no Svelte, no DOM, so it is
 * unit-tested from test/unit.
 *
 * Rules:
 * - a point without an accuracy (an unfinished run: null, undefined or NaN) or without a finite,
 *   non-negative cost is excluded: it is neither on the front nor dominated;
 * - ties on cost keep only the most accurate (the others at that cost are dominated);
 * - equal points (same cost, same accuracy) are all on the front, none dominates the other.
 */

export interface ParetoPoint {
  id: string;
  cost: number;
  acc: number | null | undefined;
}

export interface ParetoResult<P extends ParetoPoint> {
  /** On the front, by cost ascending (then by id, for a stable order among equal points). */
  front: P[];
  /** Dominated by some point of the front, in input order. */
  dominated: P[];
  /** Without accuracy or cost, in input order. */
  excluded: P[];
  /** Ids on the front, for quick look-ups. */
  frontIds: Set<string>;
}

const usable = (p: ParetoPoint): boolean =>
  typeof p.acc === 'number' && Number.isFinite(p.acc) && typeof p.cost === 'number' && Number.isFinite(p.cost) && p.cost >= 0;

export function paretoFront<P extends ParetoPoint>(points: readonly P[]): ParetoResult<P> {
  const excluded: P[] = [];
  const candidates: P[] = [];
  for (const p of points) (usable(p) ? candidates : excluded).push(p);

  const sorted = [...candidates].sort((a, b) => a.cost - b.cost || (b.acc as number) - (a.acc as number) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const frontIds = new Set<string>();
  const front: P[] = [];
  // Best accuracy among points strictly cheaper than the current cost group.
  let bestCheaper = -Infinity;
  let i = 0;
  while (i < sorted.length) {
    const cost = sorted[i]!.cost;
    const groupBest = sorted[i]!.acc as number;
    let j = i;
    while (j < sorted.length && sorted[j]!.cost === cost) {
      const p = sorted[j]!;
      if ((p.acc as number) === groupBest && groupBest > bestCheaper) {
        front.push(p);
        frontIds.add(p.id);
      }
      j++;
    }
    bestCheaper = Math.max(bestCheaper, groupBest);
    i = j;
  }
  const dominated = candidates.filter((p) => !frontIds.has(p.id));
  return { front, dominated, excluded, frontIds };
}

/**
 * The front as a step line for a chart: accuracy holds until the next front point's cost, then
 * rises ([cost, acc] pairs; `end` extends the last step to the right edge when given).
 */
export function paretoSteps(front: readonly ParetoPoint[], end?: number): [number, number][] {
  const out: [number, number][] = [];
  const push = (x: number, y: number) => {
    const last = out[out.length - 1];
    if (!last || last[0] !== x || last[1] !== y) out.push([x, y]);
  };
  for (const p of front) {
    const acc = p.acc as number;
    if (out.length) push(p.cost, out[out.length - 1]![1]);
    push(p.cost, acc);
  }
  if (end !== undefined && out.length && end > out[out.length - 1]![0]) out.push([end, out[out.length - 1]![1]]);
  return out;
}
