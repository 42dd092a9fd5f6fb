/**
 * Number formatting and escaping shared by every report format. Pure: no I/O.
 */

const intFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 277760000 → "277,760,000", the way the seed report writes MACs. */
export const commas = (n: number): string => (Number.isFinite(n) ? intFmt.format(n) : '—');

/** A plain integer without separators, the way the seed report writes per-layer parameters (12480). */
export const plain = (n: number): string => (Number.isFinite(n) ? String(Math.round(n)) : '—');

/** 0.8828 → "88.28%". */
export const pct = (x: number | null | undefined, digits = 2): string =>
  x == null || !Number.isFinite(x) ? '—' : `${(100 * x).toFixed(digits)}%`;

export const fixed = (x: number | null | undefined, digits = 4): string =>
  x == null ? 'NaN' : Number.isFinite(x) ? x.toFixed(digits) : String(x);

/** Percentage points with a sign: 0.0125 → "+1.25 pp". */
export function points(delta: number | null | undefined): string {
  if (delta == null || !Number.isFinite(delta)) return '—';
  const v = 100 * delta;
  const s = Math.abs(v) < 0.005 ? '±0.00' : `${v > 0 ? '+' : '−'}${Math.abs(v).toFixed(2)}`;
  return `${s} pp`;
}

/** A ratio against a baseline: 2 → "×2.00". */
export function times(r: number | null | undefined): string {
  if (r == null || !Number.isFinite(r)) return '—';
  return `×${r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2)}`;
}

/** 11161216 → "11.16 M" (short form for chart axes and cards). */
export function compact(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return '—';
  const a = Math.abs(n);
  if (a >= 1e12) return `${(n / 1e12).toFixed(2)} T`;
  if (a >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (a >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (a >= 1e4) return `${(n / 1e3).toFixed(1)} k`;
  return commas(n);
}

/** 3725 → "1 h 2 min 5 s". */
export function duration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (h > 0) return `${h} h ${m} min ${r} s`;
  if (m > 0) return `${m} min ${r} s`;
  return `${seconds < 10 ? seconds.toFixed(1) : r} s`;
}

/** An ISO timestamp as "2026-03-01 14:05:09 UTC" (stable across machines and time zones). */
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** Seconds between two ISO timestamps, or null. */
export function secondsBetween(from: string | null | undefined, to: string | null | undefined): number | null {
  if (!from || !to) return null;
  const ms = new Date(to).getTime() - new Date(from).getTime();
  return Number.isFinite(ms) && ms >= 0 ? ms / 1000 : null;
}

// ── escaping ────────────────────────────────────────────────────────────────────────────────────

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for HTML element content and (quoted) attribute values. */
export const escapeHtml = (s: unknown): string => String(s ?? '').replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);

/**
 * User text (a run name, a tag) as inline Markdown that renders as exactly that text: no HTML, no
 * links or images, no emphasis, no code spans, no math, no table cell breaks, no heading, list or
 * quote at the start, and no line breaks (a newline would end a table row or a heading). `&`, `<`
 * and `>` become entities, which every CommonMark renderer shows as the characters themselves.
 * Characters that are harmless mid-line (`-`, `.`, `(`) stay as they are, so the source reads well;
 * `atLineStart` also escapes what would open a block there (a heading `#`, a list `-`, `1.`).
 */
export function mdText(s: unknown, atLineStart = false): string {
  return mdLine(cleanText(s).replace(/\s+/g, ' ').trim(), atLineStart);
}

/**
 * Multi-line user text (notes) as Markdown paragraphs: blank lines separate paragraphs, single
 * newlines become hard line breaks, every line escaped as in mdText.
 */
export function mdParagraphs(s: unknown): string {
  return cleanText(s)
    .split(/\n[ \t]*\n+/)
    .map((p) => p.split('\n').map((l) => mdLine(l.replace(/[ \t]+/g, ' ').trim(), true)).filter((l) => l !== '').join('\\\n'))
    .filter((p) => p !== '')
    .join('\n\n');
}

function cleanText(s: unknown): string {
  return (
    String(s ?? '')
      .replace(/\r\n?/g, '\n')
      // Control characters (other than newline and tab) have no business in a report.
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')
  );
}

function mdLine(line: string, blockStart: boolean): string {
  const inline = line.replace(/[\\`*_[\]|~$<>&]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : `\\${c}`));
  // Block syntax that only counts where the text may start a block (a paragraph, a list item):
  // headings, list markers, setext underlines. Table cells are inline and need none of it.
  return blockStart ? inline.replace(/^([#+=-])/, '\\$1').replace(/^(\d+)([.)])/, '$1\\$2') : inline;
}

/** A table cell: mdText, and never empty (a cell of nothing but spaces would be ambiguous). */
export const mdCell = (s: unknown): string => {
  const t = mdText(s);
  return t === '' ? ' ' : t;
};

// ── file names ──────────────────────────────────────────────────────────────────────────────────

/**
 * A safe file name stem from user text: letters and digits of any script, dot, dash and
 * underscore; everything else becomes a dash. No leading dots (hidden files), no path parts,
 * no Windows device names, at most 80 characters.
 */
export function fileStem(name: string, fallback = 'report'): string {
  let s = name
    .normalize('NFC')
    .replace(/[^\p{L}\p{N}._-]+/gu, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  s = [...s].slice(0, 80).join('').replace(/[-.]+$/g, '');
  if (!s || /^(con|prn|aux|nul|com\d|lpt\d)$/i.test(s)) return fallback;
  return s;
}
