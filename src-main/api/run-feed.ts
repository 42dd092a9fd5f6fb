import type pg from 'pg';
import { redactText } from '../store/redact.js';
import { NotFoundError } from '../store/errors.js';
import type { Store } from '../store/store.js';
import type { RunStatus } from '../store/types.js';
import type { ApiEvent } from './contract.js';

/**
 * The live dashboard on a shared PostgreSQL store: every write that changes a run row announces
 * the run's id on channel `vitlab_runs` in the writing transaction (a trigger of migration
 * postgres/0006, whoever writes: an agent on another machine, the CLI, another serve), and
 * agents coming and going on `vitlab_agents`. One dedicated connection LISTENs (a pooled one would
 * lose its LISTEN when handed back); each announced run is read once and turned into the events
 * the dashboard already follows from a local supervisor: `run/status`, `run/epoch` for each new
 * epoch, `runs/changed` for a deleted run or an edit. No polling: nothing is read unless notified.
 *
 * A lost connection is reopened (1 s, doubling to 30 s); after a reconnect a `runs/changed`
 * tells every view to reload, since notifications sent meanwhile are gone.
 */

export interface RunFeed {
  close(): Promise<void>;
}

interface Seen {
  status: RunStatus;
  epochsDone: number;
}

export async function listenForRuns(url: string, store: Store, emit: (e: ApiEvent) => void, opts: { warn?: (m: string) => void } = {}): Promise<RunFeed> {
  const { default: pgModule } = await import('pg');
  const warn = opts.warn ?? ((m: string) => process.stderr.write(`vitlab: ${m}\n`));
  const seen = new Map<string, Seen>();
  const pending = new Set<string>();
  let draining: Promise<void> | null = null;
  let closed = false;
  let client: pg.Client | null = null;
  let retry: NodeJS.Timeout | null = null;

  /** Reads each announced run once, in arrival order, and emits what changed since last seen. */
  const drain = async () => {
    while (pending.size) {
      const id = pending.values().next().value as string;
      pending.delete(id);
      try {
        const run = await store.get(id);
        const before = seen.get(id);
        seen.set(id, { status: run.status, epochsDone: run.epochsDone });
        if (!before) emit({ type: 'runs/changed', reason: 'created' });
        for (const e of run.epochs) {
          if (e.epoch > (before?.epochsDone ?? 0) && e.epoch <= run.epochsDone) {
            emit({ type: 'run/epoch', runId: id, metrics: { ...e, trainLoss: e.trainLoss ?? NaN, testLoss: e.testLoss ?? NaN } });
          }
        }
        if (before?.status !== run.status) emit({ type: 'run/status', runId: id, status: run.status, ...(run.error ? { error: run.error } : {}) });
        else if (before && before.epochsDone === run.epochsDone) emit({ type: 'runs/changed', reason: 'updated' });
      } catch (e) {
        if (e instanceof NotFoundError) {
          seen.delete(id);
          emit({ type: 'runs/changed', reason: 'deleted' });
        } else if (!closed) warn(`live updates: could not read run ${id}: ${(e as Error).message}`);
      }
    }
  };

  const connect = async (attempt: number): Promise<void> => {
    const c = new pgModule.Client({ connectionString: url });
    c.on('error', () => {}); // reported through 'end' below
    try {
      await c.connect();
      await c.query('LISTEN vitlab_runs');
      await c.query('LISTEN vitlab_agents');
    } catch (e) {
      await c.end().catch(() => {});
      if (closed) return;
      // The raw error is not attached as the cause: its message may hold the URL's password.
      // eslint-disable-next-line preserve-caught-error
      if (attempt === 0) throw new Error(`live updates: cannot listen on ${store.describe()}: ${redactText((e as Error).message, url)}`);
      return schedule(attempt);
    }
    if (closed) return void (await c.end().catch(() => {}));
    client = c;
    if (attempt > 0) emit({ type: 'runs/changed', reason: 'updated' });
    c.on('notification', (n) => {
      if (n.channel === 'vitlab_agents') return emit({ type: 'agents/changed' });
      if (!n.payload) return;
      pending.add(n.payload);
      draining ??= drain().finally(() => (draining = null));
    });
    c.on('end', () => {
      client = null;
      if (!closed) {
        warn(`live updates: the connection to ${store.describe()} was lost; reconnecting`);
        schedule(1);
      }
    });
  };

  const schedule = (attempt: number) => {
    retry = setTimeout(() => void connect(attempt + 1), Math.min(30_000, 1000 * 2 ** (attempt - 1)));
    retry.unref();
  };

  await connect(0);
  return {
    close: async () => {
      closed = true;
      if (retry) clearTimeout(retry);
      await client?.end().catch(() => {});
      await draining;
    },
  };
}
