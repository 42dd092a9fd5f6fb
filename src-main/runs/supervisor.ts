import fs from 'node:fs';
import path from 'node:path';
import { DomainError } from '../../src-shared/errors.js';
import { startWorker, type WorkerHandle } from '../train/launch.js';
import { latestResumableCheckpoint } from '../train/checkpoint.js';
import type { FromWorker } from '../train/messages.js';
import { storePortableRun, type PortableRun } from '../inspect/portable.js';
import { describeStoreFailure, isBusy, StoreError } from '../store/errors.js';
import type { RunStore } from '../store/runs.js';
import { SqliteStore } from '../store/sqlite-store.js';
import type { FinalStatus, RunStatus } from '../store/types.js';
import { isFinished } from '../../src-shared/run-status.js';
import type { RunConfig } from '../vit/config.js';
import { admitRun, type AdmissionContext } from './admission.js';
import { exitEnd, messageWrite, ProgressGate, writeEnd } from './run-writes.js';
import { storedEventOf, type RunEvent, type RunEventListener, type RunEventSource } from './events.js';
import { defaultSweepName, sweepRunName, type SweepGrid, type SweepPlan } from './sweep.js';

export interface SupervisorOptions {
  /** Where each run's checkpoints go: <root>/<run id>/epoch-NNNN. */
  checkpointRoot: string;
  /** How many runs train at once (each worker uses both cores; one is the sane default). */
  concurrency?: number;
  dataDir?: string;
  /** How often this process writes the heartbeat of its running runs (the grace is the store's). */
  heartbeatMs?: number;
  /**
   * How long a write of a worker's message keeps being retried while another process holds the
   * write lock (each try itself waits the connection's busy timeout). Default: the grace period,
   * after which every other process counts the run as dead anyway.
   */
  writeRetryMs?: number;
  /** Where problems that no request is waiting for go (a run stopped because a write failed). Default stderr. */
  warn?: (message: string) => void;
  /** Take runs from the shared queue (the app), or only those started through this supervisor (the CLI). */
  drainQueue?: boolean;
  /** Progress events per run per second at most (the UI needs a few, the worker sends more). */
  progressPerSecond?: number;
  /** Per-step curve points per epoch (default 20, `VITLAB_STEP_POINTS`; 0: none). */
  stepPoints?: number;
}

interface Active {
  handle: WorkerHandle;
  cancelRequested: boolean;
  progress: ProgressGate;
  /** The run's writes, one after another in the order its worker sent the messages. */
  writes: Promise<void>;
  /** Set when a write for this run failed for good: why the supervisor stopped it. */
  failure?: string;
  /** Settles once the run's end is handled (stored or known unstorable, waiters told). */
  ended: Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The checkpoint a resumed run continues from: the newest one whose epoch the database holds. A
 * checkpoint ahead of the stored epochs (the worker saved it but storing its epoch failed) would
 * skip epochs the database never got, so it is removed and those epochs are trained again.
 */
function resumePoint(root: string, storedEpochs: number): { dir: string; epoch: number } | null {
  for (;;) {
    const c = latestResumableCheckpoint(root);
    if (!c || c.epoch <= storedEpochs) return c;
    fs.rmSync(c.dir, { recursive: true, force: true });
  }
}

/**
 * The only writer of runs. It turns the persisted queue into worker processes, stores every
 * worker message in one transaction, keeps a heartbeat per running run, and turns runs whose
 * process died (worker or a previous app) into `interrupted`, so nothing stays "running" forever.
 */
export class Supervisor implements RunEventSource {
  private readonly active = new Map<string, Active>();
  private readonly own = new Set<string>();
  private readonly listeners = new Set<RunEventListener>();
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private readonly waiters = new Map<string, ((s: RunStatus) => void)[]>();
  /** Runs this process ended whose final status could not be written yet (retried every heartbeat). */
  private readonly unsettled = new Map<string, string>();
  /** Why the last run ended that ended in this process with an error of ours (the store failed). */
  private readonly endings = new Map<string, string>();
  /** Set for good once the database file is no longer the one opened: nothing more is written. */
  private gone: StoreError | null = null;
  private lastWarning = '';
  private closed = false;
  private started = false;
  readonly concurrency: number;
  private readonly heartbeatMs: number;
  private readonly writeRetryMs: number;
  /** The same store through the asynchronous interface the worker-message writes (run-writes.ts) use. */
  private readonly writer: SqliteStore;

  constructor(
    readonly store: RunStore,
    readonly opts: SupervisorOptions,
  ) {
    this.concurrency = Math.max(1, opts.concurrency ?? 1);
    this.heartbeatMs = opts.heartbeatMs ?? 2000;
    this.writeRetryMs = opts.writeRetryMs ?? store.staleMs;
    this.writer = new SqliteStore(store);
  }

  private get dbPath(): string {
    return this.store.file?.path ?? this.store.db.name;
  }

  private warn(message: string): void {
    if (message === this.lastWarning) return;
    this.lastWarning = message;
    (this.opts.warn ?? ((m: string) => process.stderr.write(`vitlab: ${m}\n`)))(message);
  }

  /** A store call made for a request: its SQLite failure becomes an error naming the file. */
  private request<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw describeStoreFailure(e, this.dbPath);
    }
  }

  /**
   * One try of a background write (a heartbeat, recovery). Returns the failure, null on success;
   * a lock held by another process is not a failure here: the next heartbeat tries again.
   */
  private attempt(fn: () => void): Error | null {
    try {
      fn();
      return null;
    } catch (e) {
      if (isBusy(e)) return null;
      return describeStoreFailure(e, this.dbPath) as Error;
    }
  }

  /**
   * A write of a worker's message: retried while another process holds the lock, for at most
   * `writeRetryMs`, without blocking the event loop between tries; throws the failure (naming the
   * file) when it cannot be done.
   */
  private async persist(write: () => unknown): Promise<void> {
    const deadline = Date.now() + this.writeRetryMs;
    for (let delay = 50; ; delay = Math.min(2 * delay, 1000)) {
      try {
        this.store.assertFileIntact();
        await write();
        return;
      } catch (e) {
        if (!isBusy(e) || Date.now() + delay > deadline) throw describeStoreFailure(e, this.dbPath);
      }
      await sleep(delay);
    }
  }

  /** Recovers what a previous process left behind, then starts the queue and the heartbeat. */
  start(): { interrupted: string[] } {
    this.started = true;
    let interrupted: string[] = [];
    const failed = this.attempt(() => {
      interrupted = this.recoverStale();
    });
    if (failed) this.warn(`could not mark runs of dead processes interrupted: ${failed.message}`);
    this.heartbeatTimer = setInterval(() => this.tick(), this.heartbeatMs);
    this.heartbeatTimer.unref();
    this.pump();
    return { interrupted };
  }

  /** Subscribes to the supervisor's domain events (runs/events.ts); returns the unsubscribe function. */
  on(listener: RunEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: RunEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // A broken subscriber (a closed socket) must not stop the others or the run.
      }
    }
  }

  /** Runs stored as running whose heartbeat has gone stale (liveness.ts): their process is gone. */
  private recoverStale(): string[] {
    const stale = this.store.listStale().filter((id) => !this.active.has(id) && !this.unsettled.has(id));
    const changed = stale.length ? this.store.settleStale(stale) : [];
    for (const id of changed) this.emit({ type: 'run-ended', runId: id, status: 'interrupted' });
    return changed;
  }

  private tick(): void {
    if (this.closed) return;
    const gone = this.store.file?.check();
    if (gone) return this.storeGone(gone);
    for (const [id, a] of this.active) {
      if (a.failure) continue;
      const failed = this.attempt(() => this.store.heartbeat(id));
      if (failed) this.failRun(id, a, `could not write its heartbeat: ${failed.message}`);
    }
    this.settleUnsettled();
    const failed = this.attempt(() => void this.recoverStale());
    if (failed) this.warn(`could not mark runs of dead processes interrupted: ${failed.message}`);
    // A run awaited here may have been taken and finished by another process on the same
    // database (the app draining a queue the CLI filled): its status tells.
    try {
      for (const id of this.waiters.keys()) {
        const s = this.store.getStatus(id);
        if (!this.active.has(id) && s && s !== 'queued' && s !== 'running') this.resolveWaiters(id, s);
      }
    } catch (e) {
      if (!isBusy(e)) this.warn((describeStoreFailure(e, this.dbPath) as Error).message);
    }
    this.pump();
  }

  /** Final statuses this process could not write when its runs ended: tried again each heartbeat. */
  private settleUnsettled(): void {
    for (const [id, reason] of this.unsettled) {
      const failed = this.attempt(() => {
        this.store.markInterrupted([id], reason);
        this.unsettled.delete(id);
      });
      if (failed) this.warn(`run ${id}: still cannot write that it was interrupted: ${failed.message}`);
    }
  }

  /**
   * The database file was deleted or replaced: every running run is stopped (its worker killed;
   * its checkpoints stay on disk), every waiter learns it, and nothing more is written or started.
   */
  private storeGone(problem: StoreError): void {
    if (this.gone) return;
    this.gone = problem;
    this.warn(problem.message);
    for (const [id, a] of this.active) this.failRun(id, a, problem.message);
    for (const id of [...this.waiters.keys()]) {
      if (this.active.has(id)) continue;
      this.endings.set(id, problem.message);
      this.emit({ type: 'run-ended', runId: id, status: 'interrupted', error: problem.message });
      this.resolveWaiters(id, 'interrupted');
    }
  }

  /** Stops a run whose store writes fail: its worker is killed; the done handler records why. */
  private failRun(id: string, a: Active, reason: string): void {
    if (a.failure) return;
    a.failure = reason;
    this.warn(`run ${id}: ${reason}; stopping it`);
    a.handle.kill();
  }

  /** Why a run ended in this process because the store failed (the database may not hold it). */
  endError(id: string): string | undefined {
    return this.endings.get(id);
  }

  /** What admission checks (runs/admission.ts) depend on here: the worker's data folder. */
  get admission(): AdmissionContext {
    return { dataDir: this.opts.dataDir };
  }

  /** Queues a new run; returns its id. Refuses (ConfigError) what admission refuses, before writing. */
  enqueue(config: RunConfig, meta: { name?: string; tags?: string[]; notes?: string; sweepId?: string } = {}): string {
    const admitted = admitRun(config, this.admission);
    const id = this.request(() => this.store.createRun({ config: admitted, ...meta }));
    this.own.add(id);
    this.emit({ type: 'run-created', runId: id });
    this.pump();
    return id;
  }

  /**
   * A planned sweep's runs, queued under a new sweep row: the one path the CLI and the API share.
   * The plan's runs were admitted when it was planned; enqueue admits each again before writing.
   */
  queueSweep(plan: Pick<SweepPlan, 'runs'>, meta: { name?: string; grid: SweepGrid; base: RunConfig }): { sweepId: string; runIds: string[] } {
    if (plan.runs.length === 0) throw new DomainError('invalid_input', 'sweep: no valid combination to run');
    const sweepId = this.request(() => this.store.createSweep({ name: meta.name ?? defaultSweepName(), grid: meta.grid, base: meta.base }));
    const runIds = plan.runs.map((r) => this.enqueue(r.config, { name: sweepRunName(r.values), sweepId }));
    return { sweepId, runIds };
  }

  /** A run's name, notes or tags changed, and every dashboard told. */
  update(id: string, patch: { name?: string; notes?: string; tags?: string[] }): void {
    this.request(() => this.store.update(id, patch));
    this.emit({ type: 'run-edited', runId: id });
  }

  /**
   * A run read from a portable run file (inspect/portable.ts), stored finished with its
   * checkpoint under this supervisor's checkpoint folder; returns its id.
   */
  importRun(run: PortableRun): string {
    const id = this.request(() => storePortableRun(this.store, run, this.opts.checkpointRoot));
    this.emit({ type: 'run-imported', runId: id });
    return id;
  }

  /** Starts queued runs while there is room. */
  pump(): void {
    if (this.closed || !this.started || this.gone) return;
    try {
      while (this.active.size < this.concurrency) {
        const next = this.store.listQueued().find((r) => (this.opts.drainQueue ?? true) || this.own.has(r.id));
        if (!next) return;
        this.store.assertFileIntact();
        if (!this.store.claim(next.id)) continue; // another process took it
        this.launch(next.id);
      }
    } catch (e) {
      // Locked: the next heartbeat pumps again. Anything else leaves the queue as it is, said once.
      if (!isBusy(e)) this.warn(`cannot start queued runs: ${(describeStoreFailure(e, this.dbPath) as Error).message}`);
    }
  }

  private launch(id: string): void {
    const detail = this.store.get(id);
    const checkpointDir = path.join(this.opts.checkpointRoot, id);
    // Runs with stored epochs were requeued by resume(): continue from the newest checkpoint.
    const resumeFrom = detail.epochsDone > 0 ? resumePoint(checkpointDir, detail.epochsDone)?.dir : undefined;
    const handle = startWorker({ type: 'start', runId: id, config: detail.config, checkpointDir, dataDir: this.opts.dataDir, resumeFrom, stepPoints: this.opts.stepPoints }, (m) =>
      this.onMessage(id, m),
    );
    const a: Active = { handle, cancelRequested: false, progress: new ProgressGate(this.opts.progressPerSecond), writes: Promise.resolve(), ended: Promise.resolve() };
    this.active.set(id, a);
    this.emit({ type: 'run-started', runId: id });
    a.ended = handle.done.then(async (o) => {
      // Every message the worker sent is stored (or known to have failed) before the end is.
      await a.writes;
      // Still active while its end is written: no one here takes it for a dead process's run.
      const { status, error } = await this.settleEnd(id, a, o);
      this.active.delete(id);
      // Not final: another process moved the run on meanwhile (and tells its own subscribers).
      if (status && isFinished(status)) {
        this.emit({ type: 'run-ended', runId: id, status, error });
        this.resolveWaiters(id, status);
      }
      this.pump();
    }).catch((e: unknown) => this.warn(`run ${id}: ${e instanceof Error ? e.message : String(e)}`));
  }

  /** Writes how a run ended unless its worker's last message did; never throws. */
  private async settleEnd(id: string, a: Active, o: Awaited<WorkerHandle['done']>): Promise<{ status: RunStatus | undefined; error?: string }> {
    let end: { status: FinalStatus; error?: string };
    if (a.failure) {
      end = { status: 'interrupted', error: `${a.failure}; the epochs stored before are kept — resume it once the database can be written again` };
    } else {
      let current: RunStatus | undefined;
      try {
        current = this.store.storedStatus(id);
      } catch {
        current = 'running'; // unreadable now: settle it as if no message had
      }
      // The worker's own final message usually settled the status; an exit without one is a crash.
      if (current !== 'running') return { status: current, error: o.error };
      end = exitEnd(o, a.cancelRequested);
    }
    try {
      await this.persist(() => writeEnd(this.writer, id, end));
      if (a.failure) this.endings.set(id, end.error!);
      // The writes above only move a run still running; another end may have landed first.
      return { status: this.store.storedStatus(id) ?? end.status, error: end.error };
    } catch (e) {
      // Not even the end can be written: the run stays `running` in the file without a heartbeat,
      // so every reader shows it interrupted within the grace period; this process keeps trying.
      const error = a.failure ? end.error! : `could not save how it ended (${end.status}): ${(e as Error).message}`;
      if (!this.gone) this.unsettled.set(id, error);
      this.endings.set(id, error);
      if (!a.failure) this.warn(`run ${id}: ${error}`);
      return { status: 'interrupted', error };
    }
  }

  private onMessage(id: string, m: FromWorker): void {
    const a = this.active.get(id);
    if (!a) return;
    if (m.type === 'progress') {
      if (a.progress.pass(m)) this.emit({ type: 'progress', runId: id, progress: m.progress });
      return;
    }
    if (m.type === 'step') {
      // A curve point is stored in order with the rest but is not worth failing the run for: one
      // that cannot be stored (malformed, store busy) is skipped; the epoch's metrics still land.
      a.writes = a.writes.then(() => {
        if (a.failure) return;
        try {
          this.store.steps.append(id, m.point);
        } catch {
          return;
        }
        this.emit({ type: 'step', runId: id, point: m.point });
      });
      return;
    }
    const { what, write, afterStored } = messageWrite(id, m);
    const told = storedEventOf(id, m);
    // Stored in the order sent, each after the previous one landed; once one fails for good the
    // run is being stopped and nothing more is written for it.
    a.writes = a.writes.then(async () => {
      if (a.failure) return;
      try {
        await this.persist(() => write(this.writer));
      } catch (e) {
        this.failRun(id, a, `could not save ${what}: ${(e as Error).message}`);
        return;
      }
      afterStored?.();
      if (told) this.emit(told);
    });
  }

  /** Cancels a queued run at once, a running one after its current batch. */
  cancel(id: string): RunStatus {
    const a = this.active.get(id);
    if (a) {
      a.cancelRequested = true;
      a.handle.cancel();
      return 'running';
    }
    const status = this.request(() => this.store.getStatus(id));
    if (status === 'queued') {
      this.request(() => this.store.finish(id, 'cancelled'));
      this.emit({ type: 'run-ended', runId: id, status: 'cancelled' });
      this.resolveWaiters(id, 'cancelled');
      return 'cancelled';
    }
    if (!status) throw new NotFound(id);
    return status;
  }

  /** Requeues an interrupted, failed or cancelled run; it continues from its last checkpoint. */
  resume(id: string): void {
    const status = this.request(() => this.store.getStatus(id));
    if (!status) throw new NotFound(id);
    if (this.active.has(id) || this.unsettled.has(id)) throw new Conflict(`run ${id} is still being stopped by this process; try again in a moment`);
    if (status !== 'interrupted' && status !== 'failed' && status !== 'cancelled') {
      throw new Conflict(`run ${id} is ${status}; only interrupted, failed or cancelled runs can be resumed`);
    }
    // The data folder or the machine may have changed since: refuse now rather than fail in the worker.
    admitRun(this.store.get(id).config, this.admission);
    // Epochs after the last checkpoint (a worker killed between storing an epoch and writing its
    // checkpoint) are dropped: the resumed run trains them again. Without a usable checkpoint the
    // run trains from the start, over the epochs it has (runs are deterministic for a seed).
    const stored = this.request(() => this.store.get(id)).epochsDone;
    const keepEpochs = resumePoint(path.join(this.opts.checkpointRoot, id), stored)?.epoch ?? stored;
    this.request(() => this.store.requeue(id, { keepEpochs }));
    this.own.add(id);
    this.emit({ type: 'run-requeued', runId: id });
    this.pump();
  }

  /** Deletes runs with their files; a running one is stopped first. */
  async delete(ids: string[]): Promise<string[]> {
    const deleted: string[] = [];
    for (const id of ids) {
      const a = this.active.get(id);
      if (a) {
        a.cancelRequested = true;
        a.handle.kill();
        await a.ended;
      }
      if (!this.request(() => this.store.getStatus(id))) throw new NotFound(id);
      const { paths } = this.request(() => this.store.delete(id));
      // Rows first (one transaction), then files: a crash between leaves orphan files, never rows
      // pointing at missing files.
      for (const p of [...paths, path.join(this.opts.checkpointRoot, id)]) fs.rmSync(p, { recursive: true, force: true });
      deleted.push(id);
    }
    if (deleted.length) this.emit({ type: 'runs-deleted', runIds: deleted });
    return deleted;
  }

  /** Resolves when the run reaches a final status (completed, failed, cancelled, interrupted). */
  waitFor(id: string): Promise<RunStatus> {
    // A run of this process ends when its done handler says so, whatever its heartbeat looks like
    // to others meanwhile (it lags while another process holds the lock).
    const s = this.active.has(id) ? 'running' : this.request(() => this.store.getStatus(id));
    if (s && s !== 'queued' && s !== 'running') return Promise.resolve(s);
    return new Promise((resolve) => {
      const list = this.waiters.get(id) ?? [];
      list.push(resolve);
      this.waiters.set(id, list);
    });
  }

  private resolveWaiters(id: string, s: RunStatus): void {
    if (s === 'queued' || s === 'running') return;
    for (const w of this.waiters.get(id) ?? []) w(s);
    this.waiters.delete(id);
  }

  workerPid(id: string): number | undefined {
    return this.active.get(id)?.handle.pid;
  }

  get runningIds(): string[] {
    return [...this.active.keys()];
  }

  /**
   * Stops the supervisor. `keepQueue` leaves queued runs queued for next time; running workers
   * are cancelled (their finished epochs and last checkpoint are kept) and awaited.
   */
  async close(opts: { cancelRunning?: boolean } = {}): Promise<void> {
    this.closed = true;
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    const waits = [...this.active.values()].map((a) => {
      if (opts.cancelRunning ?? true) a.handle.cancel();
      return a.ended;
    });
    await Promise.all(waits);
    // A last try at the ends that could not be written; what still fails, readers show as interrupted.
    if (!this.gone) this.settleUnsettled();
  }
}

export class NotFound extends DomainError {
  constructor(id: string) {
    super('not_found', `run ${id} does not exist`);
    this.name = 'NotFound';
  }
}

export class Conflict extends DomainError {
  constructor(message: string) {
    super('conflict', message);
    this.name = 'Conflict';
  }
}
