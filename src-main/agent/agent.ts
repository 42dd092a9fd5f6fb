import fs from 'node:fs';
import path from 'node:path';
import { messageWrite, exitEnd, writeEnd, type StoredMessage } from '../runs/run-writes.js';
import { agentsOf, type AgentAccepts, type AgentRegistry } from '../store/agents.js';
import { checkpointBlobsOf, requeueToStoredCheckpoint } from '../store/checkpoint-blobs.js';
import { isBusy, StoreError } from '../store/errors.js';
import type { Store } from '../store/store.js';
import type { FinalStatus, RunSummary } from '../store/types.js';
import { checkpointDirFor } from '../train/checkpoint.js';
import { startWorker, type WorkerHandle, type WorkerOutcome } from '../train/launch.js';
import type { FromWorker } from '../train/messages.js';
import { claimFilterOf, refusalOf } from './accept.js';
import { packCheckpoint, unpackCheckpoint } from './checkpoint-archive.js';

/**
 * `vitlab agent`: one process on one machine that drains the shared queue together with the
 * agents on other machines. It claims queued runs through the store's own row locks (claimNext:
 * FOR UPDATE SKIP LOCKED on PostgreSQL, a compare-and-set under SQLite's write lock), trains each
 * in a worker process as the local supervisor does (launch.ts, and run-writes.ts's message → write
 * mapping), and keeps every result in the store: epochs, step points, the final evaluation and
 * each checkpoint as chunked rows (store/checkpoint-blobs.ts), so that a run this agent leaves —
 * killed, or stopped with SIGTERM — is resumed by another agent from its last stored checkpoint.
 *
 * Every write of a run happens in a transaction that first checks the run is still this agent's
 * (agents.owns): an agent whose heartbeat went stale (a paused machine) and whose run another agent
 * took over writes nothing more for it and stops its worker.
 */

export interface AgentOptions {
  name: string;
  host: string;
  concurrency: number;
  accepts: AgentAccepts;
  /** This machine's folder for the runs' local checkpoints (materialised and written by workers). */
  workRoot: string;
  dataDir?: string;
  heartbeatMs: number;
  stepPoints?: number;
  /** A run interrupted on an agent is resumed automatically while agents claimed it fewer times. Default 3. */
  maxClaims?: number;
  /** Progress and problems (stderr in the CLI). */
  log: (line: string) => void;
}

interface Active {
  run: RunSummary;
  handle: WorkerHandle;
  writes: Promise<void>;
  /** Why this agent stopped the run (its SIGTERM, a write that failed, the run taken over). */
  stopReason?: { status: 'interrupted'; error: string } | { lost: 'taken' | 'cancelled' };
  ended: Promise<void>;
}

// Both are StoreErrors so that a store passes them through its transaction unchanged.

/** The run is no longer this agent's (see owns): nothing more is written for it. */
class LostRun extends StoreError {
  constructor(id: string) {
    super(`run ${id} is no longer this agent's`, 'conflict');
  }
}

/** The claimed run is one this machine cannot train: thrown to roll the claim back (it stays queued). */
class Refused extends StoreError {
  constructor(
    readonly run: RunSummary,
    readonly why: string,
  ) {
    super(why, 'conflict');
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How long a refused run is left out of this agent's claims before it is judged again. */
const REFUSAL_MS = 60_000;

/**
 * Failures worth another try: SQLite's lock held by another process, PostgreSQL's serialization
 * failure, deadlock, admin shutdown or a lost connection (pg-errors.ts ends its message with the code).
 */
const PG_TRANSIENT = /\((40001|40P01|57P01|08\d\d\d|ECONNRESET|ECONNREFUSED)\)$/;
function transient(e: unknown): boolean {
  return isBusy(e) || (e instanceof StoreError && PG_TRANSIENT.test(e.message));
}

export class Agent {
  private readonly active = new Map<string, Active>();
  /**
   * Runs this machine will not train, and since when: excluded from its claims for REFUSAL_MS
   * (free memory changes), judged again after; why is said once per run.
   */
  private readonly refused = new Map<string, number>();
  private readonly said = new Set<string>();
  private readonly agents: AgentRegistry;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private stopping = false;
  private lastProblem = '';
  /** Resolves when the agent has nothing more to do after stop() (its runs settled). */
  private idle: Promise<void> = Promise.resolve();

  constructor(
    readonly store: Store,
    readonly opts: AgentOptions,
  ) {
    this.agents = agentsOf(store);
  }

  private problem(message: string): void {
    if (message === this.lastProblem) return;
    this.lastProblem = message;
    this.opts.log(`problem: ${message}`);
  }

  /** Registers (refusing a name a live agent holds), then claims and heartbeats every heartbeatMs. */
  async start(): Promise<void> {
    await this.agents.register({ name: this.opts.name, host: this.opts.host, pid: process.pid, concurrency: this.opts.concurrency, accepts: this.opts.accepts });
    this.opts.log(`agent ${this.opts.name} on ${this.opts.host} (pid ${process.pid}) registered with ${this.store.describe()}; up to ${this.opts.concurrency} run(s) at once`);
    this.timer = setInterval(() => void this.tick(), this.opts.heartbeatMs);
    await this.tick();
  }

  get runningIds(): string[] {
    return [...this.active.keys()];
  }

  workerPid(id: string): number | undefined {
    return this.active.get(id)?.handle.pid;
  }

  /** One heartbeat: sign of life, the runs' heartbeats, dead agents' runs back in the queue, then claims. */
  tick(): Promise<void> {
    this.ticking ??= this.beat()
      .catch((e: unknown) => this.problem(`store: ${(e as Error).message}`))
      .finally(() => {
        this.ticking = null;
      });
    return this.ticking;
  }

  private async beat(): Promise<void> {
    if (!(await this.agents.heartbeat(this.opts.name)) && !this.stopping) {
      // Our row was removed (by hand, or by a store copy): register again rather than run unseen.
      await this.agents.register({ name: this.opts.name, host: this.opts.host, pid: process.pid, concurrency: this.opts.concurrency, accepts: this.opts.accepts });
    }
    for (const [id, a] of this.active) {
      if (a.stopReason) continue;
      if (await this.agents.owns(id, this.opts.name)) {
        await this.store.heartbeat(id);
        continue;
      }
      // Not ours any more. `cancelled` is a user's cancel (runs/cancel on a shared store; this agent
      // never writes it): stop the worker and write nothing more. Another final status is the
      // worker's own last message (it is exiting); anything else means another process settled or
      // took the run: stop writing for it.
      const status = await this.store.storedStatus(id);
      if (status === 'cancelled') this.stopRun(id, a, { lost: 'cancelled' });
      else if (status === 'queued' || status === 'running' || status === 'interrupted') this.stopRun(id, a, { lost: 'taken' });
    }
    if (this.stopping) return;
    // Runs of agents that died: written down as interrupted (readers already show them so; the
    // write is what tells PostgreSQL listeners), then requeued to resume from their checkpoint.
    const stale = (await this.store.listStale()).filter((id) => !this.active.has(id));
    if (stale.length) await this.store.settleStale(stale);
    for (const id of await this.agents.resumable(this.opts.maxClaims ?? 3)) await this.requeue(id);
    await this.fill();
  }

  /** Back in the queue, keeping the epochs up to its newest stored checkpoint (the resume point). */
  private async requeue(id: string): Promise<void> {
    try {
      const run = await requeueToStoredCheckpoint(this.store, id);
      this.opts.log(`run ${id} (${run.name}) was interrupted on agent ${run.agent ?? '?'}: queued again to resume from ${run.epoch !== null ? `its checkpoint of epoch ${run.epoch}` : 'the start'}`);
    } catch (e) {
      // Another agent requeued (or the user resumed) it first: nothing to do.
      if ((e as { code?: string }).code !== 'invalid-state') throw e;
    }
  }

  /** Claims queued runs while there is room. */
  private async fill(): Promise<void> {
    const now = Date.now();
    for (const [id, at] of this.refused) if (now - at > REFUSAL_MS) this.refused.delete(id);
    while (!this.stopping && this.active.size < this.opts.concurrency) {
      // Never a run this agent still has a worker for: one cancelled (or taken over) and queued
      // again before that worker has exited would be launched beside it, and the old worker's end
      // (active.delete, its folder removed) would then unhook the new one, whose run goes
      // unheartbeaten and is interrupted. It is claimed once the old worker is gone (its end
      // handler ticks again), here or by another agent.
      const filter = claimFilterOf(this.opts.accepts, [...this.refused.keys(), ...this.active.keys()]);
      let run: RunSummary | null;
      try {
        run = await this.store.transaction(async (tx) => {
          const claimed = await tx.claimNext(filter);
          if (!claimed) return null;
          // Judged under the claim's lock: a refusal rolls the claim back, so the run stays queued.
          const why = refusalOf(claimed.config, this.opts.accepts, { dataDir: this.opts.dataDir });
          if (why) throw new Refused(claimed, why);
          await agentsOf(tx).assign(claimed.id, this.opts.name);
          return claimed;
        });
      } catch (e) {
        if (!(e instanceof Refused)) throw e;
        this.refused.set(e.run.id, Date.now());
        if (!this.said.has(e.run.id)) this.opts.log(`run ${e.run.id} (${e.run.name}) stays queued for other agents: ${e.why}`);
        this.said.add(e.run.id);
        continue;
      }
      if (!run) return;
      await this.launch(run);
    }
  }

  private async launch(run: RunSummary): Promise<void> {
    const id = run.id;
    const checkpointDir = path.join(this.opts.workRoot, id);
    // The store's checkpoint is the truth; a folder left here by an earlier attempt is not.
    fs.rmSync(checkpointDir, { recursive: true, force: true });
    let resumeFrom: string | undefined;
    if (run.epochsDone > 0) {
      const ck = await checkpointBlobsOf(this.store).latest(id, run.epochsDone);
      if (ck) {
        resumeFrom = checkpointDirFor(checkpointDir, ck.epoch);
        unpackCheckpoint(ck.bytes, resumeFrom);
      }
      this.opts.log(`run ${id} (${run.name}): resuming ${ck ? `from the stored checkpoint of epoch ${ck.epoch}` : 'from the start (no stored checkpoint)'}`);
    } else {
      this.opts.log(`run ${id} (${run.name}): started, ${run.config.epochs} epoch(s)`);
    }
    const handle = startWorker({ type: 'start', runId: id, config: run.config, checkpointDir, dataDir: this.opts.dataDir, resumeFrom, stepPoints: this.opts.stepPoints }, (m) => this.onMessage(id, m));
    const a: Active = { run, handle, writes: Promise.resolve(), ended: Promise.resolve() };
    this.active.set(id, a);
    a.ended = handle.done
      .then(async (o) => {
        await a.writes;
        await this.settleEnd(id, a, o);
        this.active.delete(id);
        // A completed run keeps its folder (the path it records, as under the supervisor); any
        // other resumes from the store's copy, wherever it resumes.
        if (o.status !== 'completed') fs.rmSync(checkpointDir, { recursive: true, force: true });
        if (!this.stopping) void this.tick();
      })
      .catch((e: unknown) => this.problem(`run ${id}: ${(e as Error).message}`));
  }

  /** A write of one of the run's messages, in one transaction that first checks the run is still ours. */
  private async persist(id: string, write: (tx: Store) => Promise<unknown>): Promise<void> {
    const deadline = Date.now() + this.store.staleMs;
    for (let delay = 50; ; delay = Math.min(2 * delay, 1000)) {
      try {
        await this.store.transaction(async (tx) => {
          if (!(await agentsOf(tx).owns(id, this.opts.name))) throw new LostRun(id);
          await write(tx);
        });
        return;
      } catch (e) {
        if (!transient(e) || Date.now() + delay > deadline) throw e;
      }
      await sleep(delay);
    }
  }

  private onMessage(id: string, m: FromWorker): void {
    const a = this.active.get(id);
    if (!a || m.type === 'progress') return;
    if (m.type === 'step') {
      // As in the supervisor: a curve point that cannot be stored is skipped, never fatal.
      a.writes = a.writes.then(() => (a.stopReason ? undefined : this.persist(id, (tx) => tx.appendStep(id, m.point)).catch(() => undefined)));
      return;
    }
    const w = messageWrite(id, m);
    let write = w.write;
    if (m.type === 'checkpoint') {
      // Packed now, while the folder is surely complete; stored with the checkpoint's row in one
      // transaction.
      let bytes: Buffer | null = null;
      try {
        bytes = packCheckpoint(m.path);
      } catch (e) {
        this.problem(`run ${id}: cannot read its checkpoint ${m.path}: ${(e as Error).message}`);
      }
      write = async (tx) => {
        await w.write(tx);
        if (bytes) await checkpointBlobsOf(tx).put(id, m.epoch, bytes, this.opts.name);
      };
    }
    a.writes = a.writes.then(async () => {
      if (a.stopReason) return;
      try {
        await this.persist(id, write);
      } catch (e) {
        if (e instanceof LostRun) return this.stopRun(id, a, { lost: (await this.store.storedStatus(id).catch(() => undefined)) === 'cancelled' ? 'cancelled' : 'taken' });
        this.stopRun(id, a, { status: 'interrupted', error: `agent ${this.opts.name} could not save ${w.what}: ${(e as Error).message}; resume it to continue from its last checkpoint` });
        return;
      }
      w.afterStored?.();
      this.report(a, m);
    });
  }

  /** Progress on stderr: one line per epoch and per end. */
  private report(a: Active, m: StoredMessage): void {
    const name = `run ${a.run.id} (${a.run.name})`;
    if (m.type === 'epoch') {
      const e = m.metrics;
      this.opts.log(`${name}: epoch ${e.epoch}/${a.run.config.epochs}, train loss ${e.trainLoss.toFixed(4)}, test acc ${(100 * e.testAcc).toFixed(2)} %, ${Math.round(e.samplesPerSec)} samples/s`);
    } else if (m.type === 'evaluated') {
      this.opts.log(`${name}: completed, test acc ${((100 * m.result.correct) / m.result.total).toFixed(2)} %`);
    } else if (m.type === 'failed') {
      this.opts.log(`${name}: failed: ${m.error}`);
    }
  }

  /** Stops a run's worker now; the end handler writes why (or nothing, when the run is no longer ours). */
  private stopRun(id: string, a: Active, reason: NonNullable<Active['stopReason']>): void {
    if (a.stopReason) return;
    a.stopReason = reason;
    if ('lost' in reason && reason.lost === 'cancelled') this.opts.log(`run ${id}: cancelled in the store; stopping its worker`);
    else if ('lost' in reason) this.opts.log(`run ${id}: no longer this agent's (another took it over after this one's heartbeat went stale); stopping its worker`);
    else this.problem(`run ${id}: ${reason.error}`);
    a.handle.kill();
  }

  /** Writes how the run ended unless its worker's last message did (or the run is no longer ours). */
  private async settleEnd(id: string, a: Active, o: WorkerOutcome): Promise<void> {
    const reason = a.stopReason;
    if (reason && 'lost' in reason) return;
    const end: { status: FinalStatus; error?: string } = reason ?? exitEnd(o, false);
    let written = false;
    try {
      await this.persist(id, async (tx) => {
        // owns() saw it running: no final message settled it (a crash, or this agent stopped it).
        await writeEnd(tx, id, end);
        written = true;
      });
    } catch (e) {
      // Not ours (its own final message settled it, or another agent took it): nothing to write.
      if (e instanceof LostRun) return;
      // Unwritable: the run stays `running` without a heartbeat, so the heartbeat rule shows it
      // interrupted within the grace period, and another agent resumes it.
      this.problem(`run ${id}: could not save how it ended (${end.status}): ${(e as Error).message}`);
      return;
    }
    if (written) this.opts.log(`run ${id} (${a.run.name}): ${end.status}${end.error ? `: ${end.error}` : ''}`);
  }

  /**
   * A clean stop (SIGTERM, SIGINT): no more claims; running workers are stopped and their runs
   * written `interrupted` (another agent resumes them from the last stored checkpoint); then the
   * agent's row goes. Idempotent.
   */
  async stop(signal = 'stop'): Promise<void> {
    if (this.stopping) return this.idle;
    this.stopping = true;
    this.idle = (async () => {
      if (this.timer) clearInterval(this.timer);
      await this.ticking;
      for (const [id, a] of this.active) {
        this.stopRun(id, a, { status: 'interrupted', error: `agent ${this.opts.name} on ${this.opts.host} was stopped (${signal}); another agent resumes it from its last checkpoint` });
      }
      await Promise.all([...this.active.values()].map((a) => a.ended));
      await this.agents.deregister(this.opts.name).catch((e: unknown) => this.problem(`could not deregister: ${(e as Error).message}`));
      this.opts.log(`agent ${this.opts.name} stopped`);
    })();
    return this.idle;
  }
}
