import type { RunEnvironment } from '../train/messages.js';
import { COLUMN_KEYS, columnOf } from '../../src-shared/fields.js';
import { canMove, FINAL_STATUSES, isFinished, isResumable } from '../../src-shared/run-status.js';
import type { Comparisons } from './comparisons.js';
import type { StoreContext } from './context.js';
import { NotFoundError, StoreError } from './errors.js';
import { DERIVED_STATUS_SQL, STALE_REASON } from './liveness.js';
import { newId, newRunRow } from './rows.js';
import type { RunReads } from './run-reads.js';
import type { RunResults } from './run-results.js';
import type { Sweeps } from './sweeps.js';
import type { DeletedRun, FinalStatus, NewRun } from './types.js';

const configColumns = COLUMN_KEYS.map(columnOf);

/**
 * A run's life: created queued, claimed, started, kept alive by heartbeats, finished, interrupted
 * when its owner died, requeued, deleted. Each move is checked against src-shared/run-status.ts's
 * transitions or written as a compare-and-set on the stored status.
 */
export class RunLifecycle {
  private readonly s;

  constructor(
    private readonly ctx: StoreContext,
    private readonly parts: { reads: RunReads; results: RunResults; sweeps: Sweeps; comparisons: Comparisons },
  ) {
    const p = <R = unknown>(sql: string) => ctx.db.prepare<unknown[], R>(sql);
    this.s = {
      insertRun: p(`INSERT INTO runs (id, name, status, config_json, ${configColumns.join(', ')}, created_at, notes, tags,
        sweep_id, params, macs_per_image, macs_per_batch, priority, queue_seq)
        VALUES (@id, @name, 'queued', @config_json, ${configColumns.map((c) => `@${c}`).join(', ')}, @created_at, @notes,
        @tags, @sweep_id, @params, @macs_per_image, @macs_per_batch, @priority, @queue_seq)`),
      nextQueueSeq: p<number>('SELECT coalesce(max(queue_seq), 0) + 1 FROM runs').pluck(),
      insertCost: p('INSERT INTO costs (run_id, breakdown_json) VALUES (?, ?)'),
      // agent = NULL: whoever claims says who it is (an agent records itself after, in the same transaction).
      claim: p(`UPDATE runs SET status = 'running', started_at = coalesce(started_at, @now), heartbeat_at = @now, agent = NULL
        WHERE id = @id AND status = 'queued'`),
      markStarted: p(`UPDATE runs SET status = 'running', started_at = coalesce(started_at, @now), heartbeat_at = @now,
        backend = @backend, versions_json = @versions_json, machine_json = @machine_json
        WHERE id = @id AND status IN ('queued', 'running')`),
      heartbeat: p(`UPDATE runs SET heartbeat_at = ? WHERE id = ? AND status = 'running'`),
      finish: p('UPDATE runs SET status = ?, finished_at = ?, error = ? WHERE id = ?'),
      // The last sign of life is when the run stopped; "now" may be days later (app restarted).
      interrupt: p(`UPDATE runs SET status = 'interrupted', finished_at = coalesce(heartbeat_at, started_at, @now),
        error = @error WHERE id = @id AND status = 'running'`),
      // The heartbeat rule written down: only while the run is still stale (compare-and-set), so a
      // run whose owner came back to life meanwhile is left alone.
      settleStale: p(`UPDATE runs SET status = 'interrupted', finished_at = coalesce(heartbeat_at, started_at, @now),
        error = @error WHERE id = @id AND status = 'running' AND ${DERIVED_STATUS_SQL} = 'interrupted'`),
      requeue: p(`UPDATE runs SET status = 'queued', finished_at = NULL, error = NULL, heartbeat_at = NULL, queue_seq = ?
        WHERE id = ?`),
      deleteRun: p('DELETE FROM runs WHERE id = ?'),
    };
  }

  createRun(input: NewRun): string {
    this.ctx.assertFileIntact();
    const at = this.ctx.now();
    const { row: fields, costJson } = newRunRow(input, at);
    return this.ctx.transaction(() => {
      if (input.sweepId !== undefined && !this.parts.sweeps.exists(input.sweepId)) throw new NotFoundError('sweep', input.sweepId);
      const row = { ...fields, queue_seq: this.s.nextQueueSeq.get() };
      let id: string;
      for (let attempt = 0; ; attempt++) {
        id = newId('r', at);
        try {
          this.s.insertRun.run({ id, ...row });
          break;
        } catch (e) {
          // Five random base36 digits per millisecond: a collision is rare, retrying makes it harmless.
          if ((e as { code?: string }).code !== 'SQLITE_CONSTRAINT_PRIMARYKEY' || attempt >= 5) throw e;
        }
      }
      this.s.insertCost.run(id, costJson);
      return id;
    });
  }

  claim(id: string): boolean {
    this.ctx.assertFileIntact();
    this.ctx.statusOf(id);
    return this.s.claim.run({ id, now: this.ctx.stamp() }).changes === 1;
  }

  markStarted(id: string, env: RunEnvironment): void {
    this.ctx.assertFileIntact();
    const status = this.ctx.statusOf(id);
    const changed = this.s.markStarted.run({
      id,
      now: this.ctx.stamp(),
      backend: env.backend,
      versions_json: JSON.stringify(env.versions),
      machine_json: JSON.stringify(env.machine),
    }).changes;
    if (changed === 0) this.ctx.refuse(id, status, 'mark it running');
  }

  heartbeat(id: string): boolean {
    this.ctx.assertFileIntact();
    const changed = this.s.heartbeat.run(this.ctx.stamp(), id).changes;
    if (changed === 0) this.ctx.statusOf(id);
    return changed === 1;
  }

  finish(id: string, status: FinalStatus, error?: string): void {
    this.ctx.assertFileIntact();
    if (!isFinished(status)) {
      throw new StoreError(`finish: status must be one of ${FINAL_STATUSES.join(', ')}, got "${String(status)}"`, 'invalid-query');
    }
    this.ctx.transaction(() => {
      const current = this.ctx.statusOf(id);
      if (!canMove(current, status)) this.ctx.refuse(id, current, `mark it ${status}`);
      this.s.finish.run(status, this.ctx.stamp(), error ?? null, id);
    });
  }

  markInterrupted(staleIds: readonly string[], reason: string): string[] {
    this.ctx.assertFileIntact();
    return this.ctx.transaction(() => {
      const now = this.ctx.stamp();
      return staleIds.filter((id) => this.s.interrupt.run({ id, now, error: reason }).changes === 1);
    });
  }

  settleStale(ids: readonly string[], reason: string): string[] {
    this.ctx.assertFileIntact();
    return this.ctx.transaction(() => {
      const now = this.ctx.stamp();
      return ids.filter((id) => this.s.settleStale.run({ id, now, error: reason, ...this.ctx.live() }).changes === 1);
    });
  }

  /** Before a write that acts on what readers see (requeue, delete): a dead owner's run is interrupted. */
  private settle(id: string): void {
    this.s.settleStale.run({ id, now: this.ctx.stamp(), error: STALE_REASON, ...this.ctx.live() });
  }

  requeue(id: string, options: { keepEpochs?: number } = {}): void {
    this.ctx.assertFileIntact();
    this.ctx.transaction(() => {
      this.settle(id);
      const status = this.ctx.statusOf(id);
      if (!isResumable(status)) this.ctx.refuse(id, status, 'requeue it');
      this.parts.results.forgetForRerun(id, options.keepEpochs);
      this.s.requeue.run(this.s.nextQueueSeq.get(), id);
      this.parts.results.syncFromEpochs(id);
    });
  }

  delete(id: string): DeletedRun {
    this.ctx.assertFileIntact();
    return this.ctx.transaction(() => {
      this.settle(id);
      const row = this.parts.reads.row(id);
      if (!row) throw new NotFoundError('run', id);
      if (row.status === 'running') this.ctx.refuse(id, row.status, 'delete it (cancel it first)');
      const paths = [...new Set([...this.parts.results.artifactPaths(id), ...(row.checkpoint_path ? [row.checkpoint_path] : [])])];
      this.parts.comparisons.dropRun(id);
      this.s.deleteRun.run(id);
      return { id, paths };
    });
  }
}
