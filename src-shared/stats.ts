/**
 * Summary statistics for repeated runs (seeds) of one config, and the intervals that tell a real
 * difference from seed noise. Pure: no Node, DOM or Electron imports, so the engine (store,
 * reports) and the dashboard compute the same figures.
 */

/** n, mean, sample standard deviation (n − 1; null below two values), min and max. */
export interface Summary {
  n: number;
  mean: number;
  /** Sample standard deviation (divides by n − 1); null when n < 2. */
  std: number | null;
  min: number;
  max: number;
}

/** A confidence interval around an estimate. */
export interface Interval {
  estimate: number;
  low: number;
  high: number;
  /** (high − low) / 2 */
  half: number;
  /** Degrees of freedom of the t distribution used. */
  df: number;
  level: number;
}

export interface WelchInterval extends Interval {
  /** The interval excludes zero: the difference is significant at 1 − level. */
  significant: boolean;
}

const finite = (xs: readonly number[]) => xs.every((x) => typeof x === 'number' && Number.isFinite(x));

function requireValues(xs: readonly number[], min: number, what: string): void {
  if (xs.length < min) throw new RangeError(`${what} needs at least ${min} value${min === 1 ? '' : 's'}, got ${xs.length}`);
  if (!finite(xs)) throw new RangeError(`${what}: every value must be a finite number`);
}

export function mean(xs: readonly number[]): number {
  requireValues(xs, 1, 'mean');
  // Shifted by the first value: sums of accuracies near 0.88 keep their low digits.
  const x0 = xs[0]!;
  let s = 0;
  for (const x of xs) s += x - x0;
  return x0 + s / xs.length;
}

/** Sample standard deviation (Bessel's n − 1), two-pass for accuracy. */
export function sampleStd(xs: readonly number[]): number {
  requireValues(xs, 2, 'sample standard deviation');
  const m = mean(xs);
  let ss = 0;
  for (const x of xs) ss += (x - m) ** 2;
  return Math.sqrt(ss / (xs.length - 1));
}

/** The summary of the finite values among `xs` (nulls, NaN skipped); null when there are none. */
export function summarize(xs: readonly (number | null | undefined)[]): Summary | null {
  const v = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  if (v.length === 0) return null;
  let min = v[0]!;
  let max = v[0]!;
  for (const x of v) {
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return { n: v.length, mean: mean(v), std: v.length > 1 ? sampleStd(v) : null, min, max };
}

// ── Student's t ─────────────────────────────────────────────────────────────────────────────

/** ln Γ(x), Lanczos (g = 7, 9 terms): about 15 significant digits for x > 0. */
function lnGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  x -= 1;
  let a = c[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 500; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** The regularised incomplete beta function I_x(a, b). */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(a, b, x)) / a : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** P(T ≤ t) for Student's t with `df` (> 0, not necessarily whole) degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`degrees of freedom must be positive, got ${df}`);
  if (!Number.isFinite(t)) return t > 0 ? 1 : 0;
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t > 0 ? 1 - tail : tail;
}

/**
 * The p-quantile of Student's t with `df` degrees of freedom (fractional df allowed, as Welch's
 * test needs): the CDF inverted by bisection to 1e-12, which is plenty for an error bar.
 */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`quantile probability must be in (0, 1), got ${p}`);
  if (!(df > 0)) throw new RangeError(`degrees of freedom must be positive, got ${df}`);
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  let lo = 0;
  let hi = 1;
  while (studentTCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, hi); i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

// ── intervals ───────────────────────────────────────────────────────────────────────────────

type Sample = Pick<Summary, 'n' | 'mean' | 'std'>;

function checkLevel(level: number): void {
  if (!(level > 0 && level < 1)) throw new RangeError(`confidence level must be in (0, 1), got ${level}`);
}

/** The `level` (default 95 %) t interval for a mean: mean ± t(1 − α/2, n − 1) · s / √n. Null when n < 2. */
export function meanInterval(s: Sample, level = 0.95): Interval | null {
  checkLevel(level);
  if (s.n < 2 || s.std === null) return null;
  const df = s.n - 1;
  const half = studentTQuantile(1 - (1 - level) / 2, df) * (s.std / Math.sqrt(s.n));
  return { estimate: s.mean, low: s.mean - half, high: s.mean + half, half, df, level };
}

/**
 * Welch's t interval for the difference of two means, a.mean − b.mean, without assuming equal
 * variances; degrees of freedom by Welch–Satterthwaite:
 *   ν = (sa²/na + sb²/nb)² / ((sa²/na)²/(na − 1) + (sb²/nb)²/(nb − 1)).
 * Null when either side has fewer than two values (no variance to speak of).
 */
export function welchInterval(a: Sample, b: Sample, level = 0.95): WelchInterval | null {
  checkLevel(level);
  if (a.n < 2 || b.n < 2 || a.std === null || b.std === null) return null;
  const va = a.std ** 2 / a.n;
  const vb = b.std ** 2 / b.n;
  const se = Math.sqrt(va + vb);
  const estimate = a.mean - b.mean;
  if (se === 0) {
    // Both sides identical across seeds: no spread, the difference is exactly what it is.
    const df = a.n + b.n - 2;
    return { estimate, low: estimate, high: estimate, half: 0, df, level, significant: estimate !== 0 };
  }
  const df = (va + vb) ** 2 / (va ** 2 / (a.n - 1) + vb ** 2 / (b.n - 1));
  const half = studentTQuantile(1 - (1 - level) / 2, df) * se;
  const low = estimate - half;
  const high = estimate + half;
  return { estimate, low, high, half, df, level, significant: low > 0 || high < 0 };
}

/** Do two intervals share any value? (An overlap means the ranking of the two is not settled.) */
export function intervalsOverlap(a: Pick<Interval, 'low' | 'high'>, b: Pick<Interval, 'low' | 'high'>): boolean {
  return a.low <= b.high && b.low <= a.high;
}
