/**
 * Comparing groups (runs equal but for the seed): each group's accuracy summary and 95 % interval,
 * the Pareto front over group means with the points whose ranking seed noise could flip, and
 * differences against a baseline group with Welch's 95 % interval. Pure, so the compare view and
 * the exported reports show the same figures.
 */
import { groupRuns } from './groups.js';
import { paretoFront } from './pareto.js';
import { intervalsOverlap, meanInterval, summarize, welchInterval, type Interval, type Summary, type WelchInterval } from './stats.js';

export interface GroupableRun {
  id: string;
  name?: string;
  status?: string;
  config: Readonly<Record<string, unknown>>;
  testAcc: number | null;
  testLoss?: number | null;
  params: number;
  macsPerImage: number;
}

export interface GroupStat<R extends GroupableRun = GroupableRun> {
  key: string;
  runs: R[];
  /** Over runs with an accuracy (completed ones, where status is known). */
  acc: Summary | null;
  loss: Summary | null;
  /** 95 % t interval of the mean accuracy; null below two runs. */
  ci: Interval | null;
  params: number;
  macsPerImage: number;
}

/** Which spread an error bar shows; every chart and table says which. */
export type ErrorBar = 'ci95' | 'std';
export const ERROR_BAR_LABEL: Record<ErrorBar, string> = {
  ci95: "95 % confidence interval of the mean (Student's t, n − 1 df)",
  std: 'mean ± one sample standard deviation over seeds',
};

const counts = (r: GroupableRun) => r.status === undefined || r.status === 'completed';

export function groupStats<R extends GroupableRun>(runs: readonly R[]): GroupStat<R>[] {
  return groupRuns(runs).map((g) => {
    const done = g.runs.filter(counts);
    const acc = summarize(done.map((r) => r.testAcc));
    return {
      key: g.key,
      runs: g.runs,
      acc,
      loss: summarize(done.map((r) => r.testLoss ?? null)),
      ci: acc ? meanInterval(acc) : null,
      params: g.runs[0]!.params,
      macsPerImage: g.runs[0]!.macsPerImage,
    };
  });
}

/** [low, high] of a group's error bar, or null (one run: no bar). */
export function errorBar(g: Pick<GroupStat, 'acc' | 'ci'>, bar: ErrorBar): [number, number] | null {
  if (!g.acc) return null;
  if (bar === 'ci95') return g.ci ? [g.ci.low, g.ci.high] : null;
  return g.acc.std === null ? null : [g.acc.mean - g.acc.std, g.acc.mean + g.acc.std];
}

export interface GroupFrontPoint<R extends GroupableRun = GroupableRun> {
  group: GroupStat<R>;
  cost: number;
  /**
   * The error bar overlaps that of a neighbour on the front (the next cheaper or dearer front
   * point): which of the two is more accurate is not settled by these seeds.
   */
  overlapsNeighbour: boolean;
}

/** The Pareto front over group means (cost ascending); dominated and unusable groups apart. */
export function groupFront<R extends GroupableRun>(groups: readonly GroupStat<R>[], cost: 'params' | 'macs', bar: ErrorBar) {
  const pts = groups.map((g) => ({ id: g.key, cost: cost === 'params' ? g.params : g.macsPerImage, acc: g.acc?.mean ?? null, g }));
  const r = paretoFront(pts);
  const bars = r.front.map((p) => errorBar(p.g, bar));
  const front: GroupFrontPoint<R>[] = r.front.map((p, i) => {
    const me = bars[i];
    const near = [bars[i - 1], bars[i + 1]].filter((b): b is [number, number] => !!b);
    const overlapsNeighbour = !!me && near.some((b) => intervalsOverlap({ low: me[0], high: me[1] }, { low: b[0], high: b[1] }));
    return { group: p.g, cost: p.cost, overlapsNeighbour };
  });
  return { front, frontKeys: r.frontIds, dominated: r.dominated.map((p) => p.g), excluded: r.excluded.map((p) => p.g) };
}

export interface GroupDelta<R extends GroupableRun = GroupableRun> {
  group: GroupStat<R>;
  /** mean − baseline mean, as a fraction (0.01 = +1 pt); null without both. */
  dMean: number | null;
  /** Welch's 95 % interval of the difference; null where either side has fewer than two runs. */
  welch: WelchInterval | null;
}

export function groupDeltas<R extends GroupableRun>(groups: readonly GroupStat<R>[], baseline: GroupStat<R> | undefined): GroupDelta<R>[] {
  return groups.map((g) => ({
    group: g,
    dMean: g.acc && baseline?.acc ? g.acc.mean - baseline.acc.mean : null,
    welch: g.acc && baseline?.acc && g !== baseline ? welchInterval(g.acc, baseline.acc) : null,
  }));
}
