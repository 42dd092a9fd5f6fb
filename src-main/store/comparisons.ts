import type { StoreContext } from './context.js';
import { NotFoundError, StoreError } from './errors.js';
import { newId, toComparison, type ComparisonRow } from './rows.js';
import type { Comparison, SaveComparison } from './types.js';

/** Saved comparisons: a named set of runs, an optional baseline among them, and view settings. */
export class Comparisons {
  private readonly s;

  constructor(
    private readonly ctx: StoreContext,
    private readonly runExists: (id: string) => boolean,
  ) {
    const p = <R = unknown>(sql: string) => ctx.db.prepare<unknown[], R>(sql);
    this.s = {
      insert: p(`INSERT INTO comparisons (id, name, run_ids_json, baseline_run_id, settings_json, created_at, updated_at)
        VALUES (@id, @name, @run_ids_json, @baseline_run_id, @settings_json, @now, @now)`),
      update: p(`UPDATE comparisons SET name = @name, run_ids_json = @run_ids_json, baseline_run_id = @baseline_run_id,
        settings_json = @settings_json, updated_at = @now WHERE id = @id`),
      byName: p<string>('SELECT id FROM comparisons WHERE name = ?').pluck(),
      comparison: p<ComparisonRow>('SELECT * FROM comparisons WHERE id = ?'),
      comparisons: p<ComparisonRow>('SELECT * FROM comparisons ORDER BY updated_at DESC, rowid DESC'),
      delete: p('DELETE FROM comparisons WHERE id = ?'),
      withRun: p<ComparisonRow>(`SELECT * FROM comparisons
        WHERE EXISTS (SELECT 1 FROM json_each(comparisons.run_ids_json) WHERE value = ?)`),
      setRuns: p('UPDATE comparisons SET run_ids_json = ?, updated_at = ? WHERE id = ?'),
    };
  }

  /** Creates (no id) or updates (id) a saved comparison. Names are unique. */
  save(input: SaveComparison): Comparison {
    this.ctx.assertFileIntact();
    const name = input.name.trim();
    if (!name) throw new StoreError('a comparison needs a name', 'invalid-query');
    return this.ctx.transaction(() => {
      const runIds = [...new Set(input.runIds)];
      for (const r of runIds) if (!this.runExists(r)) throw new NotFoundError('run', r);
      const baseline = input.baselineRunId ?? null;
      if (baseline !== null && !runIds.includes(baseline)) {
        throw new StoreError(`baseline run ${baseline} is not one of the compared runs`, 'invalid-query');
      }
      const holder = this.s.byName.get(name);
      if (holder !== undefined && holder !== input.id) {
        throw new StoreError(`a comparison named "${name}" already exists`, 'conflict');
      }
      const row = {
        id: input.id ?? newId('c', this.ctx.now()),
        name,
        run_ids_json: JSON.stringify(runIds),
        baseline_run_id: baseline,
        settings_json: JSON.stringify(input.settings ?? {}),
        now: this.ctx.stamp(),
      };
      if (input.id !== undefined) {
        if (this.s.update.run(row).changes === 0) throw new NotFoundError('comparison', input.id);
      } else {
        this.s.insert.run(row);
      }
      return toComparison(this.s.comparison.get(row.id)!);
    });
  }

  get(id: string): Comparison {
    const row = this.s.comparison.get(id);
    if (!row) throw new NotFoundError('comparison', id);
    return toComparison(row);
  }

  list(): Comparison[] {
    return this.s.comparisons.all().map(toComparison);
  }

  delete(id: string): void {
    this.ctx.assertFileIntact();
    if (this.s.delete.run(id).changes === 0) throw new NotFoundError('comparison', id);
  }

  /** Takes a run out of every comparison that holds it (the caller deletes the run, in its transaction). */
  dropRun(runId: string): void {
    const now = this.ctx.stamp();
    for (const c of this.s.withRun.all(runId)) {
      const runIds = (JSON.parse(c.run_ids_json) as string[]).filter((r) => r !== runId);
      this.s.setRuns.run(JSON.stringify(runIds), now, c.id);
    }
  }
}
