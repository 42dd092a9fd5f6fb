/**
 * How fast agents drain a shared PostgreSQL queue: runs claimed per second by 8 agent-like
 * claimers (8 connections, each claiming the way `vitlab agent` does — one transaction of
 * claimNext's SELECT … FOR UPDATE SKIP LOCKED + UPDATE and agents.assign — with no training), on a
 * throwaway cluster (test/helpers/postgres.ts). Then checks that no run was claimed twice: each
 * run was returned to exactly one claimer, and its row is running with that claimer as its agent.
 *
 *   npx tsx bench/agent-claims.ts [--runs 2000] [--claimers 8]
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { agentsOf } from '../src-main/store/agents.js';
import { openStore } from '../src-main/store/open-store.js';
import type { Store } from '../src-main/store/store.js';
import { resolveConfig } from '../src-main/vit/config.js';
import { startPostgres } from '../test/helpers/postgres.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '2000' }, claimers: { type: 'string', default: '8' } } });
const RUNS = Number(values.runs);
const CLAIMERS = Number(values.claimers);

const cluster = await startPostgres();
try {
  const url = await cluster.createDatabase('claims');
  const setup = await openStore(url);
  const config = resolveConfig({ epochs: 1 }, 'tiny');
  const t0 = performance.now();
  await setup.transaction(async (tx) => {
    for (let i = 0; i < RUNS; i++) await tx.createRun({ config, name: `r${i}` });
  });
  console.log(`queued ${RUNS} runs in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const stores: Store[] = await Promise.all(Array.from({ length: CLAIMERS }, () => openStore(url, { poolSize: 1 })));
  const claimed: string[][] = stores.map(() => []);
  const start = performance.now();
  await Promise.all(
    stores.map(async (store, k) => {
      const name = `claimer-${k}`;
      for (;;) {
        const run = await store.transaction(async (tx) => {
          const r = await tx.claimNext();
          if (r) await agentsOf(tx).assign(r.id, name);
          return r;
        });
        if (!run) return;
        claimed[k].push(run.id);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;

  const all = claimed.flat();
  const distinct = new Set(all).size;
  const rows = (await setup.list({ limit: 10_000 })).rows;
  const wrongOwner = rows.filter((r) => r.status !== 'running' || !r.agent || !claimed[Number(r.agent.split('-')[1])].includes(r.id)).length;
  console.log(`${all.length} claims by ${CLAIMERS} claimers in ${seconds.toFixed(2)} s: ${(all.length / seconds).toFixed(0)} runs claimed per second`);
  console.log(`per claimer: ${claimed.map((c) => c.length).join(', ')}`);
  console.log(`double claims: ${all.length - distinct}; runs not claimed: ${RUNS - distinct}; rows whose owner disagrees: ${wrongOwner}`);
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model}; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  await Promise.all([...stores, setup].map((s) => s.close()));
  if (all.length !== distinct || distinct !== RUNS || wrongOwner) process.exitCode = 1;
} finally {
  await cluster.stop();
}
