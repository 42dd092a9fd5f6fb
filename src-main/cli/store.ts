import { copyStore, type CopyProgress } from '../store/copy.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { numberFlag, parseFlags, UsageError } from './args.js';
import { textTable } from './table.js';

export const STORE_USAGE = `vitlab store copy SRC DST [--batch N]
  Copies everything stored (runs, epochs, per-class results, confusion matrices, costs, artifacts
  and checkpoint rows, per-step curves, sweeps, comparisons) from one store into another: each a
  SQLite file path or a postgres:// URL (e.g. a local history into a lab's shared PostgreSQL).
  Idempotent: rows already in DST are left as they are there, so a second copy adds nothing and
  an interrupted copy is finished by running it again. DST is created/migrated; SRC is only read.
  Progress and an ETA go to stderr; passwords are never printed. --batch rows per transaction (500).
  Checkpoint files themselves stay where they are: copy the rows' paths' files yourself if DST's
  users must read them from elsewhere.`;

const fmt = (n: number) => n.toLocaleString('en-US');

function progressLine(p: CopyProgress): string {
  const pct = p.totalAll > 0 ? Math.floor((100 * p.doneAll) / p.totalAll) : 100;
  const rate = p.elapsedMs > 0 ? p.doneAll / p.elapsedMs : 0;
  const eta = rate > 0 ? Math.ceil((p.totalAll - p.doneAll) / rate / 1000) : 0;
  return `store copy: ${p.table} ${fmt(p.done)}/${fmt(p.total)}; all ${fmt(p.doneAll)}/${fmt(p.totalAll)} rows (${pct}%), ${fmt(p.added)} new, ETA ${eta}s`;
}

export async function runStore(argv: string[], print: (s: string) => void): Promise<number> {
  const { values, positionals } = parseFlags(argv, { batch: { type: 'string' } }, { positionals: true, configFlags: false });
  if (values.help) {
    print(STORE_USAGE);
    return 0;
  }
  const [sub, ...args] = positionals;
  if (sub !== 'copy') throw new UsageError(sub === undefined ? 'give a subcommand: copy' : `unknown subcommand "${sub}" (known: copy)`);
  if (args.length !== 2) throw new UsageError(`store copy takes SRC and DST, got ${args.length} argument(s)`);
  const batch = numberFlag('batch', values.batch as string | undefined) ?? 500;
  const [srcLoc, dstLoc] = args;

  const opened: Store[] = [];
  try {
    const src = await openStore(srcLoc, { readonly: true, create: false });
    opened.push(src);
    const dst = await openStore(dstLoc);
    opened.push(dst);
    console.error(`store copy: ${src.describe()} → ${dst.describe()}`);
    let last = 0;
    const result = await copyStore(src, dst, {
      batch,
      onProgress: (p) => {
        // A line at most every half second, and the last one of each table.
        if (p.elapsedMs - last >= 500 || p.done === p.total) {
          last = p.elapsedMs;
          console.error(progressLine(p));
        }
      },
    });
    print(
      textTable(
        ['table', 'rows in source', 'new in destination'],
        result.tables.map((t) => [t.table, fmt(t.source), fmt(t.added)]),
        { right: [false, true, true] },
      ),
    );
    print(`${fmt(result.added)} new row(s) copied from ${src.describe()} to ${dst.describe()}`);
    return 0;
  } finally {
    for (const s of opened) await s.close();
  }
}
