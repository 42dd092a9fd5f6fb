import { EXPORT_FORMATS, RUN_STATUSES } from '../api/contract.js';
import type { RunStatus } from '../store/types.js';
import { exportReport, type ExportFormat } from '../report/export.js';
import { parseFlags, UsageError } from './args.js';
import { STORE_FLAGS, storeFromFlags, withReadStore } from './open.js';

export const EXPORT_USAGE = `vitlab export ID...|--all|--status S[,S]|--search TEXT|--sweep ID [--format md|html|pdf|csv|json] [--out PATH] [--force] [--baseline ID] [--store URL|PATH]
  Exports a report: md/html/pdf of one run is its run report (the seed report's form), of several
  runs a comparison report (Pareto front, per-class table, what differs, deltas against --baseline,
  default the first id); csv/json is the runs table, one row per run.
  --out writes exactly that file (its folder must exist; an existing file needs --force); without
  --out, text formats go to stdout. --format defaults to the --out extension, else md.
  Instead of ids, a filter picks the runs (e.g. \`--status completed --format csv\` for the table).
  PDF prints through Chromium ($CHROME_PATH, /usr/bin/chromium, chromium-browser or google-chrome).
  --format safetensors|vitlab exports one run's weights (vitlab export --format safetensors --help).`;

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
  // Weights (safetensors, the portable run file) are another kind of export, with their own flags.
  const { weightsFormatIn, runWeightsExport } = await import('./weights.js');
  if (weightsFormatIn(argv)) return runWeightsExport(argv, print);
  const { values, positionals } = parseFlags(
    argv,
    {
      ...STORE_FLAGS,
      format: { type: 'string', short: 'f' },
      out: { type: 'string', short: 'o' },
      force: { type: 'boolean' },
      baseline: { type: 'string' },
      all: { type: 'boolean' },
      status: { type: 'string' },
      search: { type: 'string' },
      sweep: { type: 'string' },
    },
    { positionals: true, configFlags: false },
  );
  if (values.help) {
    print(EXPORT_USAGE);
    return 0;
  }
  const filtered = Boolean(values.all || values.status || values.search || values.sweep);
  if (positionals.length === 0 && !filtered) throw new UsageError('give at least one run id, or a filter (--all, --status, --search, --sweep)');
  if (positionals.length > 0 && filtered) throw new UsageError('give run ids or a filter, not both');
  const status = (values.status as string | undefined)?.split(',').map((x) => x.trim()) as RunStatus[] | undefined;
  for (const st of status ?? []) if (!RUN_STATUSES.includes(st)) throw new UsageError(`--status: "${st}" is not one of ${RUN_STATUSES.join(', ')}`);
  const out = values.out as string | undefined;
  if (out !== undefined && out.trim() === '') throw new UsageError('--out: give a file path');
  const format = formatFrom(values.format as string | undefined, out);
  if (format === 'pdf' && out === undefined) throw new UsageError('--format pdf writes a binary file: give --out PATH');
  if (values.force && out === undefined) throw new UsageError('--force only makes sense with --out');

  // Exporting reads: a missing database is a mistake to report, not one to create.
  return withReadStore(storeFromFlags(values), async (store) => {
    const ids = filtered
      ? (await store.list({ status, search: values.search as string | undefined, sweepId: values.sweep as string | undefined, sort: 'createdAt', dir: 'asc', limit: 10_000 })).rows.map(
          (r) => r.id,
        )
      : positionals;
    if (ids.length === 0) throw new Error('no run matches the filter');
    const result = await exportReport(
      store,
      { ids, format, baselineId: values.baseline as string | undefined, path: out, force: values.force === true },
      { allowWrite: true },
    );
    if (result.path) print(`wrote ${result.path} (${format}, ${Buffer.byteLength(result.content, result.encoding).toLocaleString('en-US')} bytes)`);
    else print(result.content.replace(/\r?\n$/, ''));
    return 0;
  });
}
