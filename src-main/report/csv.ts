/**
 * The runs table as CSV (RFC 4180) and JSON: one row per run with its config fields, cost,
 * results and per-class accuracies. Pure: no I/O.
 */
import type { RunDetail } from '../store/types.js';
import { classCount, CONFIG_FIELDS, costOf } from './data.js';

export type Cell = string | number | null;

export interface PerClassCell {
  class: number;
  correct: number;
  total: number;
  acc: number | null;
}

const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Column names, in order, for these runs (per-class columns up to the largest class count). */
export function tableColumns(runs: RunDetail[]): string[] {
  const known = new Set<string>(CONFIG_FIELDS);
  const extra = [...new Set(runs.flatMap((r) => Object.keys(r.config)))].filter((k) => !known.has(k)).sort();
  const classes = Math.max(0, ...runs.map(classCount));
  return [
    'id',
    'name',
    'status',
    'tags',
    ...[...CONFIG_FIELDS, ...extra].map(snake),
    'backend_used',
    'params',
    'macs_per_image',
    'macs_per_batch',
    'flops_per_image',
    'test_acc',
    'test_loss',
    'epochs_done',
    'created_at',
    'started_at',
    'finished_at',
    ...Array.from({ length: classes }, (_, k) => `acc_class_${k}`),
  ];
}

/** One flat row per run; numbers stay numbers, missing values are null. */
export function tableRow(run: RunDetail, columns: string[]): Record<string, Cell> {
  const cost = costOf(run);
  const row: Record<string, Cell> = {};
  const cfg: Readonly<Record<string, unknown>> = run.config;
  const byCol: Record<string, Cell> = {
    id: run.id,
    name: run.name,
    status: run.status,
    tags: run.tags.join(';'),
    backend_used: run.backend,
    params: cost.params.total,
    macs_per_image: cost.macs.perImage,
    macs_per_batch: cost.macs.perBatch,
    flops_per_image: cost.flops.perImage,
    test_acc: run.testAcc,
    test_loss: run.testLoss,
    epochs_done: run.epochsDone,
    created_at: run.createdAt,
    started_at: run.startedAt,
    finished_at: run.finishedAt,
  };
  for (const k of Object.keys(cfg)) {
    const v = cfg[k];
    byCol[snake(k)] = typeof v === 'number' || typeof v === 'string' ? v : v == null ? null : JSON.stringify(v);
  }
  for (const c of run.perClass) byCol[`acc_class_${c.class}`] = c.acc;
  for (const col of columns) row[col] = byCol[col] ?? null;
  return row;
}

// ── CSV ──────────────────────────────────────────────────────────────────────────────────────

const NUMERIC = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * One CSV field: quoted when it holds a comma, quote, CR or LF (quotes doubled), per RFC 4180.
 * Text that a spreadsheet would run as a formula (starting with = + - @, tab or CR) gets a
 * leading single quote, unless it is a plain number.
 */
export function csvField(v: Cell): string {
  if (v == null) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  let s = v;
  if (/^[=+\-@\t\r]/.test(s) && !NUMERIC.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The runs table as CSV: a header line, one line per run, CRLF line ends (RFC 4180). */
export function runsCsv(runs: RunDetail[]): string {
  const cols = tableColumns(runs);
  const lines = [cols.map(csvField).join(','), ...runs.map((r) => {
    const row = tableRow(r, cols);
    return cols.map((c) => csvField(row[c])).join(',');
  })];
  return `${lines.join('\r\n')}\r\n`;
}

/** Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF). For tests and round trips. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += ch;
      i++;
      continue;
    }
    if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      if (ch === '\r' && text[i + 1] === '\n') i++;
    } else field += ch;
    i++;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

// ── JSON ─────────────────────────────────────────────────────────────────────────────────────

/** The same rows as the CSV, plus each run's per-class counts nested as `perClass`. */
export function runsJson(runs: RunDetail[]): string {
  const cols = tableColumns(runs);
  const rows = runs.map((r) => ({
    ...tableRow(r, cols),
    perClass: r.perClass.map((c): PerClassCell => ({ class: c.class, correct: c.correct, total: c.total, acc: c.acc })),
  }));
  return `${JSON.stringify(rows, null, 2)}\n`;
}
