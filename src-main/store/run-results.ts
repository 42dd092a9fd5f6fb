import type { EpochMetrics, EvalResult } from '../train/messages.js';
import type { StoreContext } from './context.js';
import { epochRow, finiteOrNull } from './rows.js';
import type { StepCurves } from './steps.js';

/**
 * What a run produces while and after it trains: epochs (which the run's headline numbers
 * follow), checkpoints and other artifacts, and the final evaluation (per-class counts, confusion).
 */
export class RunResults {
  private readonly s;

  constructor(
    private readonly ctx: StoreContext,
    private readonly steps: StepCurves,
  ) {
    const p = <R = unknown>(sql: string) => ctx.db.prepare<unknown[], R>(sql);
    this.s = {
      upsertEpoch: p(`INSERT INTO epochs (run_id, epoch, train_loss, train_acc, test_loss, test_acc, seconds, samples_per_sec, lr)
        VALUES (@run_id, @epoch, @train_loss, @train_acc, @test_loss, @test_acc, @seconds, @samples_per_sec, @lr)
        ON CONFLICT (run_id, epoch) DO UPDATE SET train_loss = excluded.train_loss, train_acc = excluded.train_acc,
        test_loss = excluded.test_loss, test_acc = excluded.test_acc, seconds = excluded.seconds,
        samples_per_sec = excluded.samples_per_sec, lr = excluded.lr`),
      // The run's headline numbers follow its highest stored epoch, whatever order epochs arrive in.
      syncFromEpochs: p(`UPDATE runs SET
        epochs_done = coalesce((SELECT max(epoch) FROM epochs WHERE run_id = @id), 0),
        test_acc = (SELECT test_acc FROM epochs WHERE run_id = @id ORDER BY epoch DESC LIMIT 1),
        test_loss = (SELECT test_loss FROM epochs WHERE run_id = @id ORDER BY epoch DESC LIMIT 1),
        heartbeat_at = CASE WHEN status = 'running' THEN @now ELSE heartbeat_at END
        WHERE id = @id`),
      upsertArtifact: p(`INSERT INTO artifacts (run_id, kind, epoch, path, created_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (run_id, kind, path) DO UPDATE SET epoch = excluded.epoch, created_at = excluded.created_at`),
      artifactPaths: p<string>('SELECT path FROM artifacts WHERE run_id = ? ORDER BY id').pluck(),
      setCheckpoint: p(`UPDATE runs SET checkpoint_path = ?,
        heartbeat_at = CASE WHEN status = 'running' THEN ? ELSE heartbeat_at END WHERE id = ?`),
      deleteClassResults: p('DELETE FROM class_results WHERE run_id = ?'),
      insertClassResult: p('INSERT INTO class_results (run_id, class, correct, total) VALUES (?, ?, ?, ?)'),
      upsertConfusion: p(`INSERT INTO confusion (run_id, matrix_json) VALUES (?, ?)
        ON CONFLICT (run_id) DO UPDATE SET matrix_json = excluded.matrix_json`),
      deleteConfusion: p('DELETE FROM confusion WHERE run_id = ?'),
      setResult: p('UPDATE runs SET test_loss = ?, test_acc = ? WHERE id = ?'),
      deleteEpochsAfter: p('DELETE FROM epochs WHERE run_id = ? AND epoch > ?'),
    };
  }

  addEpoch(id: string, m: EpochMetrics): void {
    this.ctx.assertFileIntact();
    const row = epochRow(id, m);
    this.ctx.transaction(() => {
      this.ctx.statusOf(id);
      this.s.upsertEpoch.run(row);
      this.syncFromEpochs(id);
    });
  }

  addCheckpoint(id: string, epoch: number, path: string): void {
    this.ctx.assertFileIntact();
    this.ctx.transaction(() => {
      this.ctx.statusOf(id);
      const now = this.ctx.stamp();
      this.s.upsertArtifact.run(id, 'checkpoint', epoch, path, now);
      this.s.setCheckpoint.run(path, now, id);
    });
  }

  addArtifact(id: string, kind: string, path: string, epoch: number | null = null): void {
    this.ctx.assertFileIntact();
    this.ctx.statusOf(id);
    this.s.upsertArtifact.run(id, kind, epoch, path, this.ctx.stamp());
  }

  setResult(id: string, r: EvalResult): void {
    this.ctx.assertFileIntact();
    this.ctx.transaction(() => {
      this.ctx.statusOf(id);
      this.s.deleteClassResults.run(id);
      r.perClass.forEach((c, k) => this.s.insertClassResult.run(id, k, c.correct, c.total));
      this.s.upsertConfusion.run(id, JSON.stringify(r.confusion));
      this.s.setResult.run(finiteOrNull(r.testLoss), r.total > 0 ? r.correct / r.total : null, id);
    });
  }

  /** The files recorded for the run, oldest first. */
  artifactPaths(id: string): string[] {
    return this.s.artifactPaths.all(id);
  }

  /**
   * Before a run trains again (the caller holds the transaction): the final evaluation goes, and
   * with `keepEpochs` the epochs and step curves after that epoch; the headline numbers follow.
   */
  forgetForRerun(id: string, keepEpochs?: number): void {
    if (keepEpochs !== undefined) {
      this.s.deleteEpochsAfter.run(id, keepEpochs);
      this.steps.deleteAfter(id, keepEpochs);
    }
    this.s.deleteClassResults.run(id);
    this.s.deleteConfusion.run(id);
  }

  /** The run's epochs_done, test accuracy and loss from its highest stored epoch. */
  syncFromEpochs(id: string): void {
    this.s.syncFromEpochs.run({ id, now: this.ctx.stamp() });
  }
}
