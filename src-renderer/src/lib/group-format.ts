import { meanInterval, type Summary } from '../../../src-shared/stats';
import { num, pct } from './format';

/**
 * How a group's figure reads everywhere in the dashboard: "mean ± std" (std: the sample standard
 * deviation over the group's seeds), and "min–max". Accuracy in %, loss plain.
 */
export function meanStd(s: Summary | null, kind: 'acc' | 'loss'): string {
  if (!s) return '—';
  const f = (x: number) => (kind === 'acc' ? pct(x) : num(x, 4));
  const sd = (x: number) => (kind === 'acc' ? (100 * x).toFixed(2) : x.toFixed(4));
  return s.std === null ? f(s.mean) : `${f(s.mean)} ± ${sd(s.std)}`;
}

export function minMax(s: Summary | null, kind: 'acc' | 'loss'): string {
  if (!s) return '—';
  const f = (x: number) => (kind === 'acc' ? (100 * x).toFixed(2) : x.toFixed(4));
  return s.n < 2 ? f(s.min) : `${f(s.min)}–${f(s.max)}`;
}

/** "88.10 – 88.60 %" (95 % t interval of the mean), or a dash below two runs. */
export function ci95(s: Summary | null): string {
  const ci = s ? meanInterval(s) : null;
  return ci ? `${(100 * ci.low).toFixed(2)} – ${pct(ci.high)}` : '—';
}
