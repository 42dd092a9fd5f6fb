/**
 * The one entry point for every export (IPC, WebSocket, CLI): md/html/pdf of one run is its run
 * report, of several runs a comparison report; csv/json is the runs table. Optionally writes the
 * result to exactly the path given, atomically, never over an existing file unless forced.
 * Every refusal is an Error whose message starts with `export:` (handlers map it to invalid_input).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, lstatSync, openSync, renameSync, rmSync, statSync, writeSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { DomainError } from '../../src-shared/errors.js';
import { EXPORT_FORMATS, type ExportResult, type RequestInput } from '../api/contract.js';
import type { RunDetail } from '../store/types.js';
import { runsCsv, runsJson } from './csv.js';
import { fileStem } from './format.js';
import { comparisonMarkdown, runMarkdown } from './markdown.js';
import { chromiumPdfEngine, type PdfEngine } from './pdf.js';

export type { PdfEngine } from './pdf.js';
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export type ExportInput = RequestInput<'reports/export'>;

/** Where runs come from: the RunStore, a Store (store/store.ts, either backend), or anything with their `get`. */
export interface ReportSource {
  get(id: string): RunDetail | Promise<RunDetail>;
}

export interface ExportOptions {
  /** Whether `input.path` may be written (CLI, desktop main); false over the browser transport. */
  allowWrite: boolean;
  /** How HTML becomes PDF; default headless Chromium found on the machine. */
  pdfEngine?: PdfEngine;
  /** The report's "generated on" time; default now. */
  now?: () => Date;
}

export const MIME: Record<ExportFormat, string> = {
  md: 'text/markdown; charset=utf-8',
  html: 'text/html; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
  pdf: 'application/pdf',
};

const fail = (message: string): never => {
  throw new DomainError('invalid_input', `export: ${message}`);
};

/** The suggested file name: from the run's name for one run, from the count for several. */
export function exportFilename(runs: Pick<RunDetail, 'name' | 'id'>[], format: ExportFormat): string {
  if (runs.length === 1) return `${fileStem(runs[0].name, fileStem(runs[0].id, 'run'))}.${format}`;
  return format === 'csv' || format === 'json' ? `runs-${runs.length}.${format}` : `comparison-${runs.length}-runs.${format}`;
}

/** HTML (and with it ECharts, a second of loading) is only loaded when an export needs it. */
async function renderHtml(runs: RunDetail[], report: { generatedAt: Date; baselineId?: string }): Promise<string> {
  const { comparisonHtml, runHtml } = await import('./html.js');
  return runs.length === 1 ? runHtml(runs[0], report) : comparisonHtml(runs, report);
}

export async function exportReport(store: ReportSource, input: ExportInput, opts: ExportOptions): Promise<ExportResult> {
  const format = input.format;
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) fail(`unknown format "${String(format)}" (one of ${EXPORT_FORMATS.join(', ')})`);
  const ids = [...new Set(input.ids ?? [])];
  if (ids.length === 0) fail('give at least one run id');
  if (input.baselineId !== undefined && !ids.includes(input.baselineId)) {
    fail(`the baseline ${input.baselineId} is not one of the exported runs`);
  }

  // Refuse a bad destination before any work (a PDF can take seconds); checked again when writing.
  let target: string | undefined;
  if (input.path !== undefined) {
    if (!opts.allowWrite) fail('writing files is not allowed over this transport');
    target = checkTarget(input.path, input.force === true);
  }

  const runs = await Promise.all(ids.map((id) => store.get(id)));
  const generatedAt = opts.now?.() ?? new Date();
  const report = { generatedAt, baselineId: input.baselineId };

  let content: string;
  let bytes: Buffer;
  let encoding: ExportResult['encoding'] = 'utf8';
  switch (format) {
    case 'md':
      content = runs.length === 1 ? runMarkdown(runs[0], report) : comparisonMarkdown(runs, report);
      break;
    case 'html':
      content = await renderHtml(runs, report);
      break;
    case 'csv':
      content = runsCsv(runs);
      break;
    case 'json':
      content = runsJson(runs);
      break;
    case 'pdf': {
      const html = await renderHtml(runs, report);
      try {
        bytes = await (opts.pdfEngine ?? chromiumPdfEngine())(html);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        throw msg.startsWith('export:') ? e : new Error(`export: the PDF engine failed: ${msg}`);
      }
      content = bytes.toString('base64');
      encoding = 'base64';
      break;
    }
    default:
      return fail(`unknown format "${String(format)}"`);
  }
  bytes ??= Buffer.from(content, 'utf8');

  const result: ExportResult = { format, filename: exportFilename(runs, format), mime: MIME[format], content, encoding };
  if (target !== undefined) {
    writeExclusive(target, bytes, input.force === true);
    result.path = target;
  }
  return result;
}

// ── writing ──────────────────────────────────────────────────────────────────────────────────

function lstatOrNull(p: string): Stats | null {
  try {
    return lstatSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

function statOrNull(p: string): Stats | null {
  try {
    return statSync(p);
  } catch {
    return null;
  }
}

/**
 * The absolute path an export may be written to, or an `export:` error: not empty, not a folder,
 * in a folder that exists, and not an existing file unless `force`.
 */
export function checkTarget(path: string, force: boolean): string {
  if (typeof path !== 'string' || path.trim() === '') fail('the output path is empty');
  if (path.includes('\0')) fail('the output path contains a NUL character');
  const abs = resolve(path);
  if (/[\\/]$/.test(path) || path.endsWith(sep)) fail(`${abs} names a folder; give a file path`);
  const dir = dirname(abs);
  const dirStat = statOrNull(dir);
  if (!dirStat) fail(`the folder ${dir} does not exist (create it first)`);
  if (!dirStat!.isDirectory()) fail(`${dir} is not a folder`);
  const own = lstatOrNull(abs);
  if (own) {
    if (statOrNull(abs)?.isDirectory()) fail(`${abs} is a folder; give a file path`);
    if (!force) fail(`${abs} already exists; use --force (force: true) to overwrite it`);
    if (!own.isFile() && !own.isSymbolicLink()) fail(`${abs} exists and is not a regular file`);
  }
  return abs;
}

/**
 * Writes `data` to exactly `target`: into a temp file in the same folder (created exclusively,
 * so it never follows or reuses an existing entry), flushed, then moved into place in one step.
 * Without `force` the move is a hard link, which fails rather than replace a file that appeared
 * meanwhile; with `force` a rename replaces the entry at `target` (a symlink there is replaced,
 * not followed). The temp file is gone afterwards whatever happens.
 */
export function writeExclusive(target: string, data: Buffer, force: boolean): void {
  const abs = checkTarget(target, force);
  const dir = dirname(abs);
  const tmp = join(dir, `.${basename(abs).slice(0, 100)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o644);
    for (let off = 0; off < data.length; ) off += writeSync(fd, data, off, data.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    if (force) renameSync(tmp, abs);
    else {
      try {
        linkSync(tmp, abs);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') fail(`${abs} already exists; use --force (force: true) to overwrite it`);
        // File systems without hard links (FAT, some network mounts): check, then rename.
        if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw e;
        if (lstatOrNull(abs)) fail(`${abs} already exists; use --force (force: true) to overwrite it`);
        renameSync(tmp, abs);
      }
    }
  } catch (e) {
    const msg = (e as Error).message;
    if (e instanceof DomainError) throw e;
    throw new DomainError('unavailable', `export: could not write ${abs}: ${msg}`, { cause: e });
  } finally {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
  }
  try {
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // Best effort: not every platform can fsync a folder.
  }
}
