import { compileList } from './query/compile.js';
import { NotFoundError } from './errors.js';
import { GroupQueries } from './groups.js';
import { DERIVED_STATUS_SQL } from './liveness.js';
import type { StoreContext } from './context.js';
import { summaryColumns, toDetail, toSummary, type EpochRow, type RunRow } from './rows.js';
import { StatementCache } from './statement-cache.js';
import type { GroupListResult, GroupQuery, ListQuery, ListResult, RunDetail, RunSummary } from './types.js';

const SUMMARY_COLUMNS = summaryColumns(DERIVED_STATUS_SQL);

type DetailRow = RunRow & { versions_json: string | null; machine_json: string | null };

/**
 * Reading runs: one run in full, the listings the query compiler writes (store/query/), and the
 * supervisor's queue views. Every status shown is the derived one (the heartbeat rule).
 */
export class RunReads {
  private readonly s;
  private readonly statements: StatementCache;
  private readonly groups: GroupQueries;

  constructor(private readonly ctx: StoreContext) {
    const p = <R = unknown>(sql: string) => ctx.db.prepare<unknown[], R>(sql);
    this.statements = new StatementCache(ctx.db);
    this.groups = new GroupQueries(this.statements, () => ctx.queryContext());
    this.s = {
      summary: p<RunRow>(`SELECT ${SUMMARY_COLUMNS} FROM runs WHERE id = ?`),
      detail: p<DetailRow>(`SELECT ${SUMMARY_COLUMNS}, versions_json, machine_json FROM runs WHERE id = ?`),
      epochs: p<EpochRow>(`SELECT epoch, train_loss, train_acc, test_loss, test_acc, seconds, samples_per_sec, lr
        FROM epochs WHERE run_id = ? ORDER BY epoch`),
      classResults: p<{ class: number; correct: number; total: number }>(
        'SELECT class, correct, total FROM class_results WHERE run_id = ? ORDER BY class',
      ),
      confusion: p<string>('SELECT matrix_json FROM confusion WHERE run_id = ?').pluck(),
      cost: p<string>('SELECT breakdown_json FROM costs WHERE run_id = ?').pluck(),
      artifacts: p<{ kind: string; epoch: number | null; path: string; created_at: string }>(
        'SELECT kind, epoch, path, created_at FROM artifacts WHERE run_id = ? ORDER BY id',
      ),
      listQueued: p<RunRow>(`SELECT ${SUMMARY_COLUMNS} FROM runs WHERE status = 'queued' ORDER BY priority DESC, queue_seq, rowid`),
      listRunning: p<RunRow>(`SELECT ${SUMMARY_COLUMNS} FROM runs WHERE status = 'running' ORDER BY started_at, rowid`),
      listStale: p<string>(`SELECT id FROM runs WHERE status = 'running' AND ${DERIVED_STATUS_SQL} = 'interrupted' ORDER BY started_at, rowid`).pluck(),
      runExists: p<number>('SELECT 1 FROM runs WHERE id = ?').pluck(),
    };
  }

  get(id: string): RunDetail {
    const row = this.s.detail.get(id, this.ctx.live());
    if (!row) throw new NotFoundError('run', id);
    return toDetail(row, {
      epochs: this.s.epochs.all(id),
      classResults: this.s.classResults.all(id),
      confusionJson: this.s.confusion.get(id),
      costJson: this.s.cost.get(id),
      artifacts: this.s.artifacts.all(id),
    });
  }

  /** The run's row as readers see it, or undefined for an unknown id. */
  row(id: string): RunRow | undefined {
    return this.s.summary.get(id, this.ctx.live());
  }

  has(id: string): boolean {
    return this.s.runExists.get(id) !== undefined;
  }

  list(query: ListQuery = {}): ListResult {
    const compiled = compileList(query, this.ctx.queryContext(), summaryColumns);
    if (!compiled) return { total: 0, rows: [] };
    const total = this.statements.get(compiled.count.sql).pluck().get(...compiled.count.params) as number;
    const rows = this.statements.get(compiled.page.sql).all(...compiled.page.params) as RunRow[];
    return { total, rows: rows.map(toSummary) };
  }

  listGroups(query: GroupQuery = {}): GroupListResult {
    return this.groups.list(query);
  }

  listQueued(): RunSummary[] {
    return this.s.listQueued.all(this.ctx.live()).map(toSummary);
  }

  listRunning(): RunSummary[] {
    return this.s.listRunning.all(this.ctx.live()).map(toSummary);
  }

  listStale(): string[] {
    return this.s.listStale.all(this.ctx.live());
  }
}
