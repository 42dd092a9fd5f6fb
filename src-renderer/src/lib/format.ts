const intFmt = new Intl.NumberFormat('en-US');

/** 49984 → "49,984". */
export const int = (n: number | null | undefined): string => (n == null || !Number.isFinite(n) ? '—' : intFmt.format(Math.round(n)));

/** 277760000 → "277.8M". */
export function compact(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return '—';
  const a = Math.abs(n);
  if (a >= 1e12) return `${(n / 1e12).toFixed(a >= 1e13 ? 1 : 2)}T`;
  if (a >= 1e9) return `${(n / 1e9).toFixed(a >= 1e10 ? 1 : 2)}G`;
  if (a >= 1e6) return `${(n / 1e6).toFixed(a >= 1e7 ? 1 : 2)}M`;
  if (a >= 1e3) return `${(n / 1e3).toFixed(a >= 1e4 ? 1 : 2)}k`;
  return String(Math.round(n * 100) / 100);
}

/** 0.8828 → "88.28 %". */
export const pct = (x: number | null | undefined, digits = 2): string => (x == null || !Number.isFinite(x) ? '—' : `${(x * 100).toFixed(digits)} %`);

export const num = (x: number | null | undefined, digits = 4): string => (x == null || !Number.isFinite(x) ? '—' : x.toFixed(digits));

export function duration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${String(m % 60).padStart(2, '0')}m`;
}

export function dateTime(v: string | number | null | undefined): string {
  if (v == null || v === '') return '—';
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) return String(v);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A signed difference in percentage points: +1.23 pt. */
export function points(delta: number | null | undefined): string {
  if (delta == null || !Number.isFinite(delta)) return '—';
  const p = delta * 100;
  return `${p >= 0 ? '+' : '−'}${Math.abs(p).toFixed(2)} pt`;
}

/** A ratio: ×1.50. */
export const ratio = (r: number | null | undefined): string => (r == null || !Number.isFinite(r) ? '—' : `×${r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2)}`);
