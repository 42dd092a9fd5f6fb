import type { RunConfig } from '../vit/config.js';
import type { StoreContext } from './context.js';
import { NotFoundError } from './errors.js';
import { DERIVED_STATUS_SQL } from './liveness.js';
import { countStatuses, newId, toSweep, type SweepRow } from './rows.js';
import type { RunStatus, Sweep, SweepDetail, SweepGrid } from './types.js';

/** Sweeps: a grid and the config it was laid over; their runs point at them (runs.sweep_id). */
export class Sweeps {
  private readonly s;

  constructor(private readonly ctx: StoreContext) {
    const p = <R = unknown>(sql: string) => ctx.db.prepare<unknown[], R>(sql);
    this.s = {
      insert: p('INSERT INTO sweeps (id, name, grid_json, base_json, created_at) VALUES (?, ?, ?, ?, ?)'),
      sweep: p<SweepRow>('SELECT * FROM sweeps WHERE id = ?'),
      sweeps: p<SweepRow>('SELECT * FROM sweeps ORDER BY created_at DESC, rowid DESC'),
      runs: p<{ id: string; status: RunStatus }>(`SELECT id, ${DERIVED_STATUS_SQL} AS status FROM runs WHERE sweep_id = ? ORDER BY queue_seq, rowid`),
    };
  }

  create(input: { name?: string; grid: SweepGrid; base?: RunConfig }): string {
    this.ctx.assertFileIntact();
    const at = this.ctx.now();
    const id = newId('s', at);
    const name = input.name?.trim() || `sweep ${at.toISOString().slice(0, 16).replace('T', ' ')}`;
    this.s.insert.run(id, name, JSON.stringify(input.grid), input.base ? JSON.stringify(input.base) : null, at.toISOString());
    return id;
  }

  exists(id: string): boolean {
    return this.s.sweep.get(id) !== undefined;
  }

  get(id: string): SweepDetail {
    const row = this.s.sweep.get(id);
    if (!row) throw new NotFoundError('sweep', id);
    const runs = this.s.runs.all(id, this.ctx.live());
    return { ...toSweep(row), runIds: runs.map((r) => r.id), counts: countStatuses(runs.map((r) => r.status)) };
  }

  list(): Sweep[] {
    return this.s.sweeps.all().map(toSweep);
  }
}
