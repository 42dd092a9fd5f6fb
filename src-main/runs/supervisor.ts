import fs from 'node:fs';
import path from 'node:path';
import type { ApiEvent } from '../api/contract.js';
import { startWorker, type WorkerHandle } from '../train/launch.js';
import { latestResumableCheckpoint } from '../train/checkpoint.js';
import type { FromWorker } from '../train/messages.js';
import type { RunStore } from '../store/runs.js';
import type { RunStatus } from '../store/types.js';
import type { RunConfig } from '../vit/config.js';

export interface SupervisorOptions {
  /** Where each run's checkpoints go: <root>/<run id>/epoch-NNNN. */
  checkpointRoot: string;
  /** How many runs train at once (each worker uses both cores; one is the sane default). */
  concurrency?: number;
  dataDir?: string;
  heartbeatMs?: number;
  /** A running run whose heartbeat is older than this belongs to a dead process. */
  staleMs?: number;
  /** Take runs from the shared queue (the app), or only those started through this supervisor (the CLI). */
  drainQueue?: boolean;
  /** Progress events per run per second at most (the UI needs a few, the worker sends more). */
  progressPerSecond?: number;
  /** Per-step curve points per epoch (default 20, `VITLAB_STEP_POINTS`; 0: none). */
  stepPoints?: number;
}

type Listener = (e: ApiEvent) => void;

interface Active {
  handle: WorkerHandle;
  cancelRequested: boolean;
  lastProgressEmit: number;
}

/**
 * The only writer of runs. It turns the persisted queue into worker processes, stores every
 * worker message in one transaction, keeps a heartbeat per running run, and turns runs whose
 * process died (worker or a previous app) into `interrupted`, so nothing stays "running" forever.
 */
export class Supervisor {
  private readonly active = new Map<string, Active>();
  private readonly own = new Set<string>();
  private readonly listeners = new Set<Listener>();
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private readonly waiters = new Map<string, ((s: RunStatus) => void)[]>();
  private closed = false;
  private started = false;
  readonly concurrency: number;
  private readonly heartbeatMs: number;
  private readonly staleMs: number;

  constructor(
    readonly store: RunStore,
    readonly opts: SupervisorOptions,
  ) {
    this.concurrency = Math.max(1, opts.concurrency ?? 1);
    this.heartbeatMs = opts.heartbeatMs ?? 2000;
    this.staleMs = opts.staleMs ?? Math.max(15_000, 5 * this.heartbeatMs);
  }

  /** Recovers what a previous process left behind, then starts the queue and the heartbeat. */
  start(): { interrupted: string[] } {
    this.started = true;
    const interrupted = this.recoverStale();
    this.heartbeatTimer = setInterval(() => this.tick(), this.heartbeatMs);
    this.heartbeatTimer.unref();
    this.pump();
    return { interrupted };
  }

  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: ApiEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // A broken subscriber (a closed socket) must not stop the others or the run.
      }
    }
  }

  /** Tells subscribers that run rows changed outside a run's lifecycle (a rename, new tags). */
  notifyChanged(reason: 'created' | 'deleted' | 'updated'): void {
    this.emit({ type: 'runs/changed', reason });
  }

  /** Runs marked running whose heartbeat has gone stale: their process is gone. */
  private recoverStale(): string[] {
    const now = Date.now();
    const stale = this.store
      .listRunning()
      .filter((r) => !this.active.has(r.id) && now - Date.parse(r.heartbeatAt ?? r.startedAt ?? r.createdAt) > this.staleMs)
      .map((r) => r.id);
    if (stale.length) {
      this.store.markInterrupted(stale, 'the process running it stopped (app closed or crashed); resume it to continue from its last checkpoint');
      for (const id of stale) this.emit({ type: 'run/status', runId: id, status: 'interrupted' });
    }
    return stale;
  }

  private tick(): void {
    for (const id of this.active.keys()) this.store.heartbeat(id);
    this.recoverStale();
    // A run awaited here may have been taken and finished by another process on the same
    // database (the app draining a queue the CLI filled): its status tells.
    for (const id of this.waiters.keys()) {
      const s = this.store.getStatus(id);
      if (!this.active.has(id) && s && s !== 'queued' && s !== 'running') this.resolveWaiters(id, s);
    }
    this.pump();
  }

  /** Queues a new run; returns its id. */
  enqueue(config: RunConfig, meta: { name?: string; tags?: string[]; notes?: string; sweepId?: string } = {}): string {
    const id = this.store.createRun({ config, ...meta });
    this.own.add(id);
    this.emit({ type: 'runs/changed', reason: 'created' });
    this.emit({ type: 'run/status', runId: id, status: 'queued' });
    this.pump();
    return id;
  }

  /** Starts queued runs while there is room. */
  pump(): void {
    if (this.closed || !this.started) return;
    while (this.active.size < this.concurrency) {
      const next = this.store.listQueued().find((r) => (this.opts.drainQueue ?? true) || this.own.has(r.id));
      if (!next) return;
      if (!this.store.claim(next.id)) continue; // another process took it
      this.launch(next.id);
    }
  }

  private launch(id: string): void {
    const detail = this.store.get(id);
    const checkpointDir = path.join(this.opts.checkpointRoot, id);
    // Runs with stored epochs were requeued by resume(): continue from the newest checkpoint.
    const resumeFrom = detail.epochsDone > 0 ? latestResumableCheckpoint(checkpointDir)?.dir : undefined;
    const handle = startWorker({ type: 'start', runId: id, config: detail.config, checkpointDir, dataDir: this.opts.dataDir, resumeFrom, stepPoints: this.opts.stepPoints }, (m) =>
      this.onMessage(id, m),
    );
    this.active.set(id, { handle, cancelRequested: false, lastProgressEmit: 0 });
    this.emit({ type: 'run/status', runId: id, status: 'running' });
    void handle.done.then((o) => {
      const a = this.active.get(id);
      this.active.delete(id);
      const current = this.store.getStatus(id);
      // The worker's own final message usually settled the status; an exit without one is a crash.
      if (current === 'running') {
        if (o.signal && !a?.cancelRequested) {
          // Killed from outside (OOM killer, kill -9): not the config's fault, and its finished
          // epochs and last checkpoint are intact, so it can be resumed.
          this.store.markInterrupted([id], `${o.error ?? 'worker killed'}; resume it to continue from its last checkpoint`);
        } else {
          const status: RunStatus = o.status === 'completed' ? 'completed' : o.status === 'cancelled' || a?.cancelRequested ? 'cancelled' : 'failed';
          this.store.finish(id, status, status === 'failed' ? (o.error ?? 'worker failed') : undefined);
        }
      }
      const final = this.store.getStatus(id);
      if (final) {
        this.emit({ type: 'run/status', runId: id, status: final, error: o.error });
        this.resolveWaiters(id, final);
      }
      this.pump();
    });
  }

  private onMessage(id: string, m: FromWorker): void {
    const store = this.store;
    switch (m.type) {
      case 'started':
        store.markStarted(id, m.env);
        break;
      case 'progress': {
        const a = this.active.get(id);
        const now = Date.now();
        const gap = 1000 / (this.opts.progressPerSecond ?? 4);
        if (a && (now - a.lastProgressEmit >= gap || m.progress.batch === m.progress.batches)) {
          a.lastProgressEmit = now;
          this.emit({ type: 'run/progress', runId: id, progress: m.progress });
        }
        return;
      }
      case 'step':
        try {
          store.steps.append(id, m.point);
        } catch {
          // A curve point that cannot be stored (malformed, store busy) is skipped: it is not
          // worth failing the run, and the epoch's own metrics still land.
          return;
        }
        this.emit({ type: 'run/step', runId: id, point: m.point });
        break;
      case 'epoch':
        store.addEpoch(id, m.metrics);
        this.emit({ type: 'run/epoch', runId: id, metrics: m.metrics });
        break;
      case 'checkpoint':
        store.addCheckpoint(id, m.epoch, m.path);
        break;
      case 'evaluated':
        store.transaction(() => {
          store.setResult(id, m.result);
          store.finish(id, 'completed');
        });
        break;
      case 'cancelled':
        store.finish(id, 'cancelled');
        break;
      case 'failed':
        store.finish(id, 'failed', m.error);
        break;
    }
  }

  /** Cancels a queued run at once, a running one after its current batch. */
  cancel(id: string): RunStatus {
    const a = this.active.get(id);
    if (a) {
      a.cancelRequested = true;
      a.handle.cancel();
      return 'running';
    }
    const status = this.store.getStatus(id);
    if (status === 'queued') {
      this.store.finish(id, 'cancelled');
      this.emit({ type: 'run/status', runId: id, status: 'cancelled' });
      this.resolveWaiters(id, 'cancelled');
      return 'cancelled';
    }
    if (!status) throw new NotFound(id);
    return status;
  }

  /** Requeues an interrupted, failed or cancelled run; it continues from its last checkpoint. */
  resume(id: string): void {
    const status = this.store.getStatus(id);
    if (!status) throw new NotFound(id);
    if (status !== 'interrupted' && status !== 'failed' && status !== 'cancelled') {
      throw new Conflict(`run ${id} is ${status}; only interrupted, failed or cancelled runs can be resumed`);
    }
    // Epochs after the last checkpoint (a worker killed between storing an epoch and writing its
    // checkpoint) are dropped: the resumed run trains them again.
    const keepEpochs = latestResumableCheckpoint(path.join(this.opts.checkpointRoot, id))?.epoch ?? 0;
    this.store.requeue(id, { keepEpochs });
    this.own.add(id);
    this.emit({ type: 'run/status', runId: id, status: 'queued' });
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
        await a.handle.done;
      }
      if (!this.store.getStatus(id)) throw new NotFound(id);
      const { paths } = this.store.delete(id);
      // Rows first (one transaction), then files: a crash between leaves orphan files, never rows
      // pointing at missing files.
      for (const p of [...paths, path.join(this.opts.checkpointRoot, id)]) fs.rmSync(p, { recursive: true, force: true });
      deleted.push(id);
    }
    if (deleted.length) this.emit({ type: 'runs/changed', reason: 'deleted' });
    return deleted;
  }

  /** Resolves when the run reaches a final status (completed, failed, cancelled, interrupted). */
  waitFor(id: string): Promise<RunStatus> {
    const s = this.store.getStatus(id);
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
      return a.handle.done;
    });
    await Promise.all(waits);
  }
}

export class NotFound extends Error {
  constructor(id: string) {
    super(`run ${id} does not exist`);
    this.name = 'NotFound';
  }
}

export class Conflict extends Error {
  override name = 'Conflict';
}
