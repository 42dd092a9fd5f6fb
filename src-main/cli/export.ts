import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { openEngine } from '../app/engine.js';
import { EXPORT_FORMATS } from '../api/contract.js';
import { exportReport, type ExportFormat } from '../report/export.js';
import { defaultDbPath } from '../store/db.js';
import { parseFlags, UsageError } from './args.js';

export const EXPORT_USAGE = `vitlab export ID... [--format md|html|pdf|csv|json] [--out PATH] [--force] [--baseline ID] [--db PATH]
  Exports a report: md/html/pdf of one run is its run report (the seed report's form), of several
  runs a comparison report (Pareto front, per-class table, what differs, deltas against --baseline,
  default the first id); csv/json is the runs table, one row per run.
  --out writes exactly that file (its folder must exist; an existing file needs --force); without
  --out, text formats go to stdout. --format defaults to the --out extension, else md.
  PDF prints through Chromium ($CHROME_PATH, /usr/bin/chromium, chromium-browser or google-chrome).`;

function formatFrom(flag: string | undefined, out: string | undefined): ExportFormat {
  if (flag !== undefined) {
    const f = flag.toLowerCase().replace(/^markdown$/, 'md');
    if (!(EXPORT_FORMATS as readonly string[]).includes(f)) throw new UsageError(`--format: "${flag}" is not one of ${EXPORT_FORMATS.join(', ')}`);
    return f as ExportFormat;
  }
  const ext = out?.match(/\.([A-Za-z]+)$/)?.[1]?.toLowerCase().replace(/^(markdown|htm)$/, (m) => (m === 'htm' ? 'html' : 'md'));
  return ext && (EXPORT_FORMATS as readonly string[]).includes(ext) ? (ext as ExportFormat) : 'md';
}

export async function runExport(argv: string[], print: (s: string) => void): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    { db: { type: 'string' }, format: { type: 'string', short: 'f' }, out: { type: 'string', short: 'o' }, force: { type: 'boolean' }, baseline: { type: 'string' } },
    { positionals: true, configFlags: false },
  );
  if (values.help) {
    print(EXPORT_USAGE);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('give at least one run id');
  const out = values.out as string | undefined;
  if (out !== undefined && out.trim() === '') throw new UsageError('--out: give a file path');
  const format = formatFrom(values.format as string | undefined, out);
  if (format === 'pdf' && out === undefined) throw new UsageError('--format pdf writes a binary file: give --out PATH');
  if (values.force && out === undefined) throw new UsageError('--force only makes sense with --out');

  // Exporting reads: a missing database is a mistake to report, not one to create.
  const dbPath = resolve((values.db as string | undefined) ?? defaultDbPath());
  if (!existsSync(dbPath)) throw new Error(`export: no database at ${dbPath} (pass --db PATH)`);
  const engine = openEngine({ dbPath });
  try {
    const result = await exportReport(
      engine.store,
      { ids: positionals, format, baselineId: values.baseline as string | undefined, path: out, force: values.force === true },
      { allowWrite: true },
    );
    if (result.path) print(`wrote ${result.path} (${format}, ${Buffer.byteLength(result.content, result.encoding).toLocaleString('en-US')} bytes)`);
    else print(result.content.replace(/\r?\n$/, ''));
    return 0;
  } finally {
    await engine.close();
  }
}
