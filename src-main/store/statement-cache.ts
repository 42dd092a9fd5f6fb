import type BetterSqlite3 from 'better-sqlite3';

/**
 * Prepared statements by SQL text, for the listings: their statements differ only by which filters
 * are present, a handful of shapes, each prepared once. Bounded, since a caller can vary the shape.
 */
export class StatementCache {
  private readonly byText = new Map<string, BetterSqlite3.Statement>();

  constructor(
    private readonly db: BetterSqlite3.Database,
    private readonly max = 200,
  ) {}

  get(sql: string): BetterSqlite3.Statement {
    let st = this.byText.get(sql);
    if (!st) {
      if (this.byText.size >= this.max) this.byText.clear();
      st = this.db.prepare(sql);
      this.byText.set(sql, st);
    }
    return st;
  }
}
