import os from 'node:os';
import path from 'node:path';
import { AcceptError, parseAccepts } from '../agent/accept.js';
import { Agent } from '../agent/agent.js';
import { liveness } from '../store/liveness.js';
import { openStore, storeLocation } from '../store/open-store.js';
import { numberFlag, parseFlags, UsageError } from './args.js';

export const AGENT_USAGE = `vitlab agent [--store URL|PATH] [--name NAME] [--concurrency N] [--max-memory MB]
             [--accept sweep=ID|backend=wasm,cpu|max-params=N]… [--data DIR] [--work DIR]
  Drains the shared queue from this machine: claims queued runs (PostgreSQL row locks, or SQLite's
  write lock), trains them in worker processes with this machine's cores, and writes epochs,
  results and checkpoints into the store, so a run it leaves is resumed by another agent from its
  last checkpoint. --store: a postgres:// URL or a SQLite file (default VITLAB_STORE, VITLAB_DB, the
  store saved in Settings, else the local database). --max-memory: refuse runs whose training memory estimate is above it (they stay queued
  for other agents). --name defaults to <host>-<pid>. SIGTERM or Ctrl-C stops cleanly: its runs
  become interrupted (another agent resumes them) and it exits 0. Progress goes to stderr.`;

export async function runAgent(argv: string[], print: (s: string) => void): Promise<number> {
  const { values } = parseFlags(
    argv,
    {
      store: { type: 'string' },
      name: { type: 'string' },
      concurrency: { type: 'string' },
      'max-memory': { type: 'string' },
      accept: { type: 'string', multiple: true },
      data: { type: 'string' },
      work: { type: 'string' },
    },
    { configFlags: false },
  );
  if (values.help) {
    print(AGENT_USAGE);
    return 0;
  }
  const concurrency = numberFlag('concurrency', values.concurrency as string | undefined) ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new UsageError(`--concurrency must be a whole number from 1 to 64, got ${concurrency}`);
  let accepts;
  try {
    accepts = parseAccepts((values.accept as string[] | undefined) ?? [], numberFlag('max-memory', values['max-memory'] as string | undefined));
  } catch (e) {
    if (e instanceof AcceptError) throw new UsageError(e.message);
    throw e;
  }
  const host = os.hostname();
  const name = ((values.name as string | undefined) ?? `${host}-${process.pid}`).trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$/.test(name)) throw new UsageError(`--name "${name}": use letters, digits and . _ @ - (at most 100)`);
  const live = liveness();
  // A transaction of this agent left waiting longer than the grace period (its network cut while
  // it held its run's row lock, agents.owns) is rolled back by the server: otherwise the lock holds
  // until TCP gives up, hours later, and no other agent can take the run over meanwhile. Without
  // this the cut-network test of test/integration/agents.test.ts hung in 4 of 16 runs:
  // the cut agent's session idle in transaction, the other agent's settleStale waiting on its lock.
  const store = await openStore(storeLocation(values.store as string | undefined), { staleMs: live.staleMs, idleInTransactionMs: live.staleMs });
  const log = (line: string) => process.stderr.write(`vitlab agent: ${line}\n`);
  const agent = new Agent(store, {
    name,
    host,
    concurrency,
    accepts,
    workRoot: path.resolve((values.work as string | undefined) ?? path.join(os.tmpdir(), `vitlab-agent-${name}`)),
    dataDir: values.data as string | undefined,
    heartbeatMs: live.heartbeatMs,
    log,
  });
  // Listening before the start, so a signal while it registers stops it cleanly too. A second
  // signal (npm forwarding Ctrl-C again) must not kill the stop half-way: repeats are ignored.
  const signal = new Promise<string>((resolve) => {
    let got = false;
    const stop = (s: string) => {
      if (got) return;
      got = true;
      resolve(s);
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
  try {
    await agent.start();
  } catch (e) {
    await store.close();
    throw e;
  }
  const got = await signal;
  log(`${got}: stopping; running runs become interrupted and are resumed by another agent`);
  await agent.stop(got);
  await store.close();
  return 0;
}
