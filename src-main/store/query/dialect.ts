/**
 * What differs between the SQL the query compiler writes for SQLite and for PostgreSQL, in one
 * table: a `Record` over Dialect, so a third dialect does not compile until each difference is
 * written down for it. Everything else in store/query/ is written once for both.
 *
 * PostgreSQL assumptions (the pg store's schema, migrations/postgres): the runs table has the same
 * column names as SQLite's; `tags` holds the tags as JSON (json, jsonb or text: it is matched as
 * text, as SQLite matches its JSON text); list parameters (ids, group keys) are bound as text[].
 */

export const DIALECTS = ['sqlite', 'postgres'] as const;
export type Dialect = (typeof DIALECTS)[number];

export interface DialectSql {
  /** The n-th (from 1) parameter's placeholder. */
  placeholder(n: number): string;
  /** `column` is one of the values of a list bound as one parameter `ref` (any length, one statement shape). */
  inList(column: string, ref: string): string;
  /** How a list for `inList` is bound. */
  listParam(values: readonly (string | number)[]): unknown;
  /** The case-insensitive LIKE. */
  ilike: string;
  /** The tags column as text to search in. */
  tagsText: string;
  /** An expression that sorts `column` ignoring case. */
  caseless(column: string): string;
  /** Whether NULL sorts below every value (SQLite) or above (PostgreSQL): which direction needs NULLS LAST. */
  nullsLow: boolean;
  /** The last sort key, unique per row, so pages neither repeat nor skip rows among ties. */
  tieBreak: string;
  /** The larger of two numbers (scalar). */
  greatest(a: string, b: string): string;
  /** The JSON array text of `expr` over a group's rows in `order`. */
  jsonArrayAgg(expr: string, order: string): string;
  /**
   * The value of `column` in the group's first row in `order` (the newest run's config): a bare
   * column or an unordered array_agg would pick a row each engine chooses its own way, and a
   * store copied from one engine to the other would show another seed's config for the group.
   */
  firstValue(column: string, order: string): string;
}

export const DIALECT_SQL: Record<Dialect, DialectSql> = {
  sqlite: {
    placeholder: () => '?',
    // One JSON parameter whatever the count: no SQLite variable limit, one cached statement.
    inList: (column, ref) => `${column} IN (SELECT value FROM json_each(${ref}))`,
    listParam: (values) => JSON.stringify(values),
    // SQLite's LIKE ignores ASCII case already.
    ilike: 'LIKE',
    tagsText: 'tags',
    caseless: (column) => `${column} COLLATE NOCASE`,
    nullsLow: true,
    tieBreak: 'rowid',
    greatest: (a, b) => `max(${a}, ${b})`,
    // Ordered aggregates: SQLite ≥ 3.44.
    jsonArrayAgg: (expr, order) => `json_group_array(${expr} ORDER BY ${order})`,
    firstValue: (column, order) => `(json_group_array(${column} ORDER BY ${order}) ->> '$[0]')`,
  },
  postgres: {
    placeholder: (n) => `$${n}`,
    inList: (column, ref) => `${column} = ANY(${ref}::text[])`,
    listParam: (values) => values.map(String),
    ilike: 'ILIKE',
    tagsText: 'tags::text',
    caseless: (column) => `lower(${column})`,
    nullsLow: false,
    // The pg schema's identity column named rowid (migrations/postgres/0001_init.sql) is
    // insertion order, as SQLite's rowid: ties sort the same on both engines.
    tieBreak: 'rowid',
    greatest: (a, b) => `greatest(${a}, ${b})`,
    // As text, so that both dialects hand the row mapper the same JSON string.
    jsonArrayAgg: (expr, order) => `json_agg(${expr} ORDER BY ${order})::text`,
    firstValue: (column, order) => `(array_agg(${column} ORDER BY ${order}))[1]`,
  },
};

/**
 * Collects one statement's parameters in the order their placeholders appear in its text; each
 * `bind` returns the placeholder to write. One binder per statement.
 */
export class Binder {
  readonly params: unknown[] = [];
  readonly sql: DialectSql;

  constructor(readonly dialect: Dialect) {
    this.sql = DIALECT_SQL[dialect];
  }

  bind(value: unknown): string {
    this.params.push(value);
    return this.sql.placeholder(this.params.length);
  }
}

/** A statement ready to prepare: its text and its positional parameters. */
export interface Statement {
  sql: string;
  params: unknown[];
}
