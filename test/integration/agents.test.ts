import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, onTestFailed } from 'vitest';
import { sharedQueue } from '../../src-main/app/services/run-queue.js';
import { agentsOf } from '../../src-main/store/agents.js';
import { checkpointBlobsOf } from '../../src-main/store/checkpoint-blobs.js';
import { openStore } from '../../src-main/store/open-store.js';
import type { Store } from '../../src-main/store/store.js';
import { resolveConfig, type RunConfig } from '../../src-main/vit/config.js';
import { sleep } from '../fixtures/wait.js';
import pg from 'pg';
import { startAgent as spawnAgent, type AgentProcess } from '../helpers/agent.js';
import { openTestNet, type TestHost } from '../helpers/netns.js';
import { usePostgres } from '../helpers/postgres.js';

/**
 * Real `vitlab agent` processes draining one queue of tiny real runs (Fashion-MNIST slices), on
 * PostgreSQL (a throwaway cluster) and on one SQLite file. Agents heartbeat every 200 ms, so a
 * killed agent's run is stale after 1.5 s (liveness.ts: 7.5 heartbeats), as every process agrees
 * through VITLAB_HEARTBEAT_MS.
 *
 * On PostgreSQL each agent is a separate test host where the machine allows (root, iproute2):
 * its own network namespace whose only way to the database is a veth to this process's namespace
 * (test/helpers/netns.ts), PostgreSQL listening on that network's address. Elsewhere they are
 * plain processes, and the reason is logged.
 */

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-agents-'));
const HEARTBEAT_MS = 200;
const STALE_MS = 1500;
const testNet = openTestNet();
const net = 'net' in testNet ? testNet.net : null;
if (!net) console.warn(`agents run as plain processes, not separate test hosts: ${'unavailable' in testNet ? testNet.unavailable : ''}`);
const pgHolder = usePostgres({ listen: net ? [net.hostAddress] : [] });

const started: AgentProcess[] = [];
afterAll(async () => {
  for (const a of started) if (a.child.exitCode === null && a.child.signalCode === null) a.child.kill('SIGKILL');
  await Promise.all(started.map((a) => a.exited));
  net?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface Agent extends AgentProcess {
  /** Its test host, when it runs on one (PostgreSQL with network namespaces). */
  host?: TestHost;
}

/** On PostgreSQL with a test network: on a new host of it, reaching the store at the database host's address. */
function startAgent(location: string, name: string, args: string[] = []): Agent {
  const onNet = net && location.startsWith('postgres://');
  const host = onNet ? net.addHost() : undefined;
  const where = host ? location.replace('@127.0.0.1:', `@${net!.hostAddress}:`) : location;
  const a = spawnAgent(where, name, path.join(tmp, `work-${name}`), { args, exec: host?.exec, env: { VITLAB_HEARTBEAT_MS: String(HEARTBEAT_MS), VITLAB_STEP_POINTS: '2' } });
  started.push(a);
  return { ...a, host };
}

/** The addresses PostgreSQL sees the database's clients connect from. */
async function clientAddresses(url: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query<{ a: string }>('SELECT DISTINCT host(client_addr) AS a FROM pg_stat_activity WHERE datname = current_database() AND client_addr IS NOT NULL');
    return r.rows.map((x) => x.a).sort();
  } finally {
    await c.end();
  }
}

/** Polls an async condition every 100 ms; throws naming what was awaited after the timeout. */
async function until<T>(what: string, f: () => Promise<T | null | undefined | false>, timeoutMs = 240_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const tiny = (over: Partial<RunConfig>): RunConfig => resolveConfig({ epochs: 4, limitTrain: 600, limitTest: 300, ...over }, 'tiny');

const backends = [
  { kind: 'postgres', location: async () => pgHolder.cluster.createDatabase() },
  { kind: 'sqlite', location: async () => path.join(tmp, `agents-${Date.now()}.db`) },
] as const;

describe.each(backends)('vitlab agent on $kind', ({ kind, location: makeLocation }) => {
  it('three agents drain a sweep, each run once; a kill -9 mid-run is resumed elsewhere from its stored checkpoint with the same result', async () => {
    const location = await makeLocation();
    const store: Store = await openStore(location, { staleMs: STALE_MS });
    try {
      // Three configs, each queued twice: the twin of the run whose agent is killed trains
      // uninterrupted, and runs are deterministic for a config, so the two must agree exactly.
      const sweepId = await store.createSweep({ name: `agents on ${kind}`, grid: { seed: [1, 2, 3] } });
      const configs = [1, 2, 3].map((seed) => tiny({ seed }));
      const ids: string[] = [];
      for (const round of [0, 1]) for (const c of configs) ids.push(await store.createRun({ config: c, sweepId, name: `seed=${c.seed} #${round + 1}` }));
      const twinOf = (id: string) => ids[(ids.indexOf(id) + 3) % 6];

      const agents = ['a1', 'a2', 'a3'].map((n) => startAgent(location, n));
      await until('three agents registered and alive', async () => (await agentsOf(store).list()).filter((a) => a.alive).length === 3);
      if (agents[0].host) {
        // Each agent talks to the store from its own host's address, and this test from loopback.
        const seen = await until('every agent connected from its host', async () => {
          const got = await clientAddresses(location);
          return agents.every((a) => got.includes(a.host!.address)) && got;
        });
        expect(seen).toEqual(['127.0.0.1', ...agents.map((a) => a.host!.address)].sort());
      }

      // A run that has a stored checkpoint and epochs still to go: its agent is killed now.
      const victim = await until('a run with a stored checkpoint, mid-run', async () => {
        for (const r of (await store.list({ sweepId, status: 'running' })).rows) {
          const ck = await checkpointBlobsOf(store).epochs(r.id);
          if (ck.length && r.epochsDone < r.config.epochs && r.agent) return { id: r.id, agent: r.agent, checkpoint: ck[0] };
        }
        return null;
      });
      const killed = agents.find((a) => a.name === victim.agent)!;
      killed.child.kill('SIGKILL');
      await killed.exited;

      // The dead agent's row stays, shown as gone once its heartbeat is stale; the run is
      // interrupted by the heartbeat rule and another agent resumes it from the stored checkpoint.
      await until('the killed agent shown as gone', async () => (await agentsOf(store).list()).find((a) => a.name === victim.agent)?.alive === false);
      const resumer = await until('another agent resuming the run', async () => agents.find((a) => a !== killed && a.log().includes(`run ${victim.id} `) && /resuming from the stored checkpoint of epoch (\d+)/.test(a.log().split(`run ${victim.id} `).slice(1).join(''))));
      const requeued = agents.filter((a) => a !== killed).map((a) => a.log()).join('\n');
      expect(requeued).toMatch(new RegExp(`run ${victim.id} \\(.*\\) was interrupted on agent ${victim.agent}: queued again to resume from its checkpoint of epoch \\d+`));
      const resumedFrom = Number(new RegExp(`run ${victim.id} \\(.*\\): resuming from the stored checkpoint of epoch (\\d+)`).exec(resumer.log())![1]);
      expect(resumedFrom).toBeGreaterThanOrEqual(victim.checkpoint);

      await until('every run of the sweep finished', async () => (await store.getSweep(sweepId)).counts.completed === 6, 600_000);
      // An agent stores a run's result, then logs its completion: the last line can trail the store.
      const completionsOf = (id: string) => agents.map((a) => a.log().split('\n').filter((l) => l.includes(`run ${id} `) && l.includes(': completed, test acc')).length);
      await until('every completion in an agent log', async () => ids.every((id) => completionsOf(id).some((n) => n > 0)), 20_000).catch(() => undefined);
      for (const id of ids) {
        const run = await store.get(id);
        // No epoch lost or stored twice, and one final evaluation.
        expect(run.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
        expect(run.perClass.reduce((s, c) => s + c.total, 0)).toBe(300);
        // Completed exactly once: one agent reported its completion.
        expect(completionsOf(id).reduce((s, n) => s + n, 0), `completion lines for run ${id} in the agents' logs`).toBe(1);
      }
      const resumed = await store.get(victim.id);
      expect(resumed.agent).toBe(resumer.name);
      const twin = await store.get(twinOf(victim.id));
      expect(resumed.testAcc).toBe(twin.testAcc);
      expect(resumed.testLoss).toBe(twin.testLoss);
      expect(resumed.epochs.map((e) => [e.testAcc, e.trainLoss])).toEqual(twin.epochs.map((e) => [e.testAcc, e.trainLoss]));
      expect(resumed.confusion).toEqual(twin.confusion);

      // A clean stop: each remaining agent exits 0 and deregisters.
      for (const a of agents.filter((x) => x !== killed)) a.child.kill('SIGTERM');
      for (const a of agents.filter((x) => x !== killed)) expect(await a.exited).toBe(0);
      expect((await agentsOf(store).list()).map((a) => a.name)).toEqual([victim.agent]);
    } finally {
      await store.close();
    }
  });

  it('SIGTERM: the running run becomes interrupted, the agent exits 0; another agent resumes it from its stored checkpoint', async () => {
    const location = await makeLocation();
    const store = await openStore(location, { staleMs: STALE_MS });
    try {
      const id = await store.createRun({ config: tiny({ epochs: 30, seed: 7 }) });
      const first = startAgent(location, `t1-${kind}`);
      await until('a stored checkpoint', async () => (await checkpointBlobsOf(store).epochs(id)).length > 0);
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      const run = await store.get(id);
      expect(run.status).toBe('interrupted');
      expect(run.error).toContain(`agent t1-${kind}`);
      expect(run.error).toContain('SIGTERM');
      expect(await agentsOf(store).list()).toEqual([]);
      const stored = (await checkpointBlobsOf(store).latest(id, run.epochsDone))!.epoch;
      expect(stored).toBeGreaterThanOrEqual(1);

      const second = startAgent(location, `t2-${kind}`);
      await until('the second agent resuming it', async () => second.log().includes(`resuming from the stored checkpoint of epoch ${stored}`));
      await until('an epoch after the checkpoint', async () => (await store.get(id)).epochsDone > stored);
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
      const after = await store.get(id);
      expect(after.agent).toBe(`t2-${kind}`);
      expect(after.epochs.map((e) => e.epoch)).toEqual(Array.from({ length: after.epochsDone }, (_, i) => i + 1));
    } finally {
      await store.close();
    }
  });

  // Only where agents are separate hosts: a process cannot lose its network alone.
  // Quarantined (VITLAB_TEST_NET_CUT=1 runs it): it passed in 7–10 s in two CI dry runs and hung
  // for the whole 180 s in a third (2026-12-01): an intermittent hang after a cut, not yet diagnosed.
  const netCut = process.env.VITLAB_TEST_NET_CUT === '1';
  it.skipIf(kind !== 'postgres' || !net || !netCut)(`a cut network: the cut-off agent's run is interrupted and resumed elsewhere; back online, the agent writes nothing more into it${!net ? ` (skipped: ${'unavailable' in testNet ? testNet.unavailable : ''})` : netCut ? '' : ' (skipped: quarantined for an intermittent hang; VITLAB_TEST_NET_CUT=1 runs it)'}`, async () => {
    const location = await makeLocation();
    const store = await openStore(location, { staleMs: STALE_MS });
    const db = new pg.Client({ connectionString: location });
    // The cluster's stop ends this connection too when the test timed out before its finally.
    db.on('error', () => {});
    await db.connect();
    try {
      const id = await store.createRun({ config: tiny({ epochs: 8, seed: 11 }) });
      const agents = [`n1-${kind}`, `n2-${kind}`].map((n) => startAgent(location, n));
      onTestFailed(() => console.log(agents.map((a) => `${a.name} (exit ${a.child.exitCode ?? a.child.signalCode ?? 'none yet'}):\n${a.log()}`).join('\n')));
      const claimed = await until('a stored checkpoint, mid-run', async () => {
        const r = await store.get(id);
        return (await checkpointBlobsOf(store).epochs(id)).length > 0 && r.status === 'running' && r.epochsDone < r.config.epochs && r.agent;
      });
      const cut = agents.find((a) => a.name === claimed)!;
      const other = agents.find((a) => a !== cut)!;
      cut.host!.down();
      const logAtCut = cut.log().length;

      // Its heartbeat stops reaching the store: the run is interrupted and the other agent resumes it.
      const resumedFrom = Number(
        (await until('the other agent resuming it', async () => new RegExp(`run ${id} \\(.*\\): resuming from the stored checkpoint of epoch (\\d+)`).exec(other.log())))[1],
      );
      expect(other.log()).toMatch(new RegExp(`run ${id} \\(.*\\) was interrupted on agent ${cut.name}: queued again`));
      await until('an epoch written by the other agent', async () => (await store.get(id)).epochsDone > resumedFrom);
      expect((await store.get(id)).agent).toBe(other.name);

      // Back online, the cut-off agent finds the run is not its own any more and stops its worker.
      cut.host!.up();
      await until('the cut-off agent giving the run up', async () => cut.log().slice(logAtCut).includes(`run ${id}: no longer this agent's`));
      await until('the run completed', async () => (await store.getStatus(id)) === 'completed');
      const run = await store.get(id);
      expect(run.agent).toBe(other.name);
      expect(run.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(run.perClass.reduce((s, c) => s + c.total, 0)).toBe(300);
      // What the cut-off agent stored after the cut (writes the store committed before the link
      // went down, answered only when it came back) is at most the checkpoint the run resumed from.
      const lateEpochs = [...cut.log().slice(logAtCut).matchAll(new RegExp(`run ${id} \\(.*\\): epoch (\\d+)/`, 'g'))].map((m) => Number(m[1]));
      for (const e of lateEpochs) expect(e).toBeLessThanOrEqual(resumedFrom);
      expect(cut.log().slice(logAtCut)).not.toContain(`run ${id} (${run.name}): completed`);
      const blobs = await db.query<{ epoch: number; agent: string }>('SELECT epoch, agent FROM checkpoint_blobs WHERE run_id = $1 ORDER BY epoch', [id]);
      for (const b of blobs.rows) expect([b.epoch, b.agent]).toEqual([b.epoch, b.epoch <= resumedFrom ? cut.name : other.name]);
      for (const a of agents) a.child.kill('SIGTERM');
      for (const a of agents) expect(await a.exited).toBe(0);
    } finally {
      await db.end();
      await store.close();
    }
  });

  it('--concurrency 2: a run cancelled and queued again while its worker is stopping is trained by one worker at a time and completes once', async () => {
    const location = await makeLocation();
    const store = await openStore(location, { staleMs: STALE_MS });
    try {
      const id = await store.createRun({ config: tiny({ epochs: 10, seed: 5 }) });
      const agent = startAgent(location, `c-${kind}`, ['--concurrency', '2']);
      const queue = sharedQueue(store, undefined);
      const logAt = agent.log().length;
      // Three times: the dashboard's cancel then resume, both between two of the agent's
      // heartbeats. The agent finds the run queued and not its own, stops its worker and, with a
      // free slot, could claim the run again while that worker is still exiting. Whether it gets
      // there first is timing (before the fix, about half the single tries failed), hence three.
      for (let cycle = 1; cycle <= 3; cycle++) {
        const since = (await checkpointBlobsOf(store).epochs(id)).at(-1) ?? 0;
        await until(`a new stored checkpoint, mid-run (cycle ${cycle})`, async () => {
          const r = await store.get(id);
          return ((await checkpointBlobsOf(store).epochs(id)).at(-1) ?? 0) > since && r.status === 'running' && r.epochsDone < r.config.epochs;
        });
        await queue.cancel(id);
        await queue.resume(id);
      }
      await until('the run completed', async () => (await store.getStatus(id)) === 'completed');
      const run = await store.get(id);
      expect(run.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(run.agent).toBe(agent.name);
      // The agent stores the result, then logs the completion: the line can trail the store.
      const completed = `run ${id} (${run.name}): completed, test acc`;
      await until('the completion line in the agent log', async () => agent.log().slice(logAt).includes(completed), 20_000).catch(() => undefined);
      const after = agent.log().slice(logAt);
      // One new attempt per resume, the last ran to the end: none lost to the earlier worker's
      // exit (its run then goes unheartbeaten, is interrupted and requeued), no problem on the way.
      expect(after).not.toContain('problem:');
      expect(after).not.toContain('was interrupted');
      expect(after.split(`run ${id} (${run.name}): resuming`).length - 1).toBe(3);
      expect(after.split(completed).length - 1, 'completion lines in the agent log').toBe(1);
      agent.child.kill('SIGTERM');
      expect(await agent.exited).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('a run above --max-memory stays queued for other agents, said once', async () => {
    const location = await makeLocation();
    const store = await openStore(location, { staleMs: STALE_MS });
    try {
      const id = await store.createRun({ config: tiny({ epochs: 1 }) });
      const small = startAgent(location, `m1-${kind}`, ['--max-memory', '1']);
      await until('the refusal', async () => small.log().includes(`run ${id} `) && small.log().includes('stays queued for other agents'));
      await sleep(3 * HEARTBEAT_MS);
      expect(await store.getStatus(id)).toBe('queued');
      expect(small.log().split('stays queued').length - 1).toBe(1);
      expect(small.log()).toContain('--max-memory is 1 MB');
      const big = startAgent(location, `m2-${kind}`);
      await until('the other agent completing it', async () => (await store.getStatus(id)) === 'completed');
      expect((await store.get(id)).agent).toBe(`m2-${kind}`);
      for (const a of [small, big]) a.child.kill('SIGTERM');
      expect(await small.exited).toBe(0);
      expect(await big.exited).toBe(0);
    } finally {
      await store.close();
    }
  });
});
