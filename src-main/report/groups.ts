/**
 * The "over seeds" section of a comparison report, as Markdown rows and HTML rows from one place:
 * the same figures as the compare view's group panel (src-shared/group-compare.ts).
 */
import { meanInterval } from '../../src-shared/stats.js';
import type { Summary } from '../../src-shared/stats.js';
import { groupLabel, type GroupSection } from './data.js';
import { commas, pct } from './format.js';

const pt = (x: number) => (100 * x).toFixed(2);
const signedPt = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(2)}`;
export const meanStdText = (s: Summary | null) => (!s ? '—' : s.std === null ? pct(s.mean) : `${pct(s.mean)} ± ${pt(s.std)}`);
const rangeText = (s: Summary | null) => (!s ? '—' : s.n < 2 ? pt(s.min) : `${pt(s.min)}–${pt(s.max)}`);
const ciText = (s: Summary | null) => {
  const ci = s ? meanInterval(s) : null;
  return ci ? `${pt(ci.low)}–${pt(ci.high)}` : '—';
};

export const GROUPS_INTRO =
  'Runs whose configs are equal except for the seed form a group. Accuracy over its completed runs: mean ± sample standard deviation, ' +
  "min–max and the 95 % interval of the mean (Student's t). Δ is the group mean minus the baseline group's, with Welch's 95 % interval " +
  '(unequal variances, Welch–Satterthwaite degrees of freedom); "n.s." marks a difference whose interval contains 0, i.e. within seed noise.';

export const GROUP_HEADERS = ['Group', 'n', 'Test acc mean ± std', 'min–max (%)', '95 % CI (%)', 'Δ mean (pt)', '95 % CI of Δ (Welch, pt)', 'Significant', 'Params', 'MACs/image'];

/** One row per group, baseline first, as plain text cells (the renderers escape them). */
export function groupRows(section: GroupSection): string[][] {
  const rows = section.deltas.map((d) => {
    const isBase = d.group === section.baseline;
    return {
      isBase,
      cells: [
        groupLabel(section, d.group) + (isBase ? ' (baseline)' : ''),
        String(d.group.acc?.n ?? 0),
        meanStdText(d.group.acc),
        rangeText(d.group.acc),
        ciText(d.group.acc),
        isBase || d.dMean === null ? '—' : signedPt(d.dMean),
        d.welch ? `${signedPt(d.welch.low)} … ${signedPt(d.welch.high)}` : '—',
        d.welch ? (d.welch.significant ? 'yes' : 'n.s.') : '—',
        commas(d.group.params),
        commas(d.group.macsPerImage),
      ],
    };
  });
  return [...rows.filter((r) => r.isBase), ...rows.filter((r) => !r.isBase)].map((r) => r.cells);
}

/** The fronts over group means, cheapest first: "label: mean ± std at cost (≈ overlaps a neighbour)". */
export function groupFrontLines(section: GroupSection, which: 'macs' | 'params'): string[] {
  const front = which === 'macs' ? section.frontMacs : section.frontParams;
  return front.map((p) => {
    const cost = which === 'macs' ? `${commas(p.cost)} MACs/image` : `${commas(p.cost)} parameters`;
    return `${groupLabel(section, p.group)}: ${meanStdText(p.group.acc)} (n = ${p.group.acc?.n ?? 0}) at ${cost}${p.overlapsNeighbour ? ' — ≈ its 95 % interval overlaps a front neighbour’s: not settled by these seeds' : ''}`;
  });
}
