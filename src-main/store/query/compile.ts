/**
 * The run list's query compiler: a ListQuery (store/types.ts) in, SQL text and positional
 * parameters out, for SQLite or PostgreSQL (query/dialect.ts). Pure: no database import, so it is
 * unit-tested on its text (test/unit/query-compile.test.ts) and the result is checked against a
 * real SQLite file in test/integration/store-query.test.ts. Every value a caller gives is bound as
 * a parameter; field names are looked up in the tables below, never pasted in.
 */
import { COLUMN_KEYS, columnOf, nullableField } from '../../../src-shared/fields.js';
import { isRunStatus, RUN_STATUSES, type RunStatus } from '../../../src-shared/run-status.js';
import { StoreError } from '../errors.js';
import { derivedStatusSql } from '../liveness.js';
import { checkPage } from '../page.js';
import type { ConfigColumn, FilterField, FilterValue, ListQuery, SortField } from '../types.js';
import { Binder, type Dialect, type Statement } from './dialect.js';

export interface QueryContext {
  dialect: Dialect;
  /** The heartbeat rule's threshold (store/liveness.ts): now minus the grace period, as ISO text. */
  staleBefore: string;
}

/** The part of a query that chooses runs: shared by the run list and the grouped list. */
export type RunFilter = Pick<ListQuery, 'status' | 'ids' | 'sweepId' | 'search' | 'filters'>;

/** The config fields with a column of their own, from the registry (src-shared/fields.ts). */
export const CONFIG_COLUMNS = Object.fromEntries(COLUMN_KEYS.map((k) => [k, columnOf(k)])) as Record<ConfigColumn, string>;

/** A sort key's SQL, written with the statement's binder (the derived status binds its threshold). */
interface SortKey {
  sql: (b: Binder, ctx: QueryContext) => string;
  /** Has NULLs, which sort last in either direction. */
  nullable: boolean;
}
const column = (name: string, nullable = false): SortKey => ({ sql: () => name, nullable });

/** The only expressions a list may sort by. */
const SORT_KEYS: Record<SortField, SortKey> = {
  ...(Object.fromEntries(COLUMN_KEYS.map((k) => [k, column(columnOf(k), nullableField(k))])) as Record<ConfigColumn, SortKey>),
  id: column('id'),
  name: { sql: (b) => b.sql.caseless('name'), nullable: false },
  // What readers see, not what is stored.
  status: { sql: (b, ctx) => derivedStatus(b, ctx), nullable: false },
  createdAt: column('created_at'),
  startedAt: column('started_at', true),
  finishedAt: column('finished_at', true),
  testAcc: column('test_acc', true),
  testLoss: column('test_loss', true),
  params: column('params'),
  macsPerImage: column('macs_per_image'),
  macsPerBatch: column('macs_per_batch'),
  epochsDone: column('epochs_done'),
  backend: column('backend', true),
};

const FILTER_COLUMNS: Record<FilterField, string> = {
  ...CONFIG_COLUMNS,
  backend: 'backend',
  params: 'params',
  macsPerImage: 'macs_per_image',
  testAcc: 'test_acc',
  epochsDone: 'epochs_done',
};

export const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Accepts the API's camelCase names and, for the CLI's sake, their snake_case column spellings. */
export function lookupField<T extends string>(table: Record<T, unknown>, field: string, what: string): T {
  if (Object.hasOwn(table, field)) return field as T;
  const bySnake = (Object.keys(table) as T[]).find((k) => snake(k) === field);
  if (bySnake) return bySnake;
  throw new StoreError(`unknown ${what} field "${field}" (allowed: ${Object.keys(table).join(', ')})`, 'invalid-query');
}

export function checkDir(dir: unknown = 'desc'): 'ASC' | 'DESC' {
  if (dir !== 'asc' && dir !== 'desc') throw new StoreError(`sort direction must be asc or desc, got "${String(dir)}"`, 'invalid-query');
  return dir === 'asc' ? 'ASC' : 'DESC';
}

/** The derived status (store/liveness.ts) with its threshold bound in `b`. */
export function derivedStatus(b: Binder, ctx: QueryContext): string {
  return derivedStatusSql(b.bind(ctx.staleBefore));
}

function checkStatuses(status: RunStatus | RunStatus[]): RunStatus[] {
  const statuses = Array.isArray(status) ? status : [status];
  for (const s of statuses) {
    if (!isRunStatus(s)) throw new StoreError(`unknown status "${String(s)}" (allowed: ${RUN_STATUSES.join(', ')})`, 'invalid-query');
  }
  return statuses;
}

/**
 * The conditions a run must meet (joined with AND), their values bound in `b`; null when nothing
 * can match (an empty status or id list). Throws a StoreError naming any field or value it refuses.
 */
export function runConditions(query: RunFilter, ctx: QueryContext, b: Binder): string[] | null {
  const where: string[] = [];
  if (query.status !== undefined) {
    const statuses = checkStatuses(query.status);
    if (statuses.length === 0) return null;
    // The stored status narrows through its index (an interrupted run may still be stored as
    // running); the derived one decides.
    const stored = statuses.includes('interrupted') && !statuses.includes('running') ? [...statuses, 'running'] : statuses;
    const storedIn = stored.map((s) => b.bind(s)).join(', ');
    where.push(`status IN (${storedIn}) AND ${derivedStatus(b, ctx)} IN (${statuses.map((s) => b.bind(s)).join(', ')})`);
  }
  if (query.ids !== undefined) {
    if (query.ids.length === 0) return null;
    where.push(b.sql.inList('id', b.bind(b.sql.listParam(query.ids))));
  }
  if (query.sweepId !== undefined) where.push(`sweep_id = ${b.bind(query.sweepId)}`);
  const search = query.search?.trim();
  if (search) {
    const like = `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const { ilike, tagsText } = b.sql;
    // Name and tags contain the text; the id starts with it.
    where.push(
      `(name ${ilike} ${b.bind(like)} ESCAPE '\\' OR ${tagsText} ${ilike} ${b.bind(like)} ESCAPE '\\' OR id ${ilike} ${b.bind(like.slice(1))} ESCAPE '\\')`,
    );
  }
  for (const [key, value] of Object.entries(query.filters ?? {})) {
    if (value === undefined) continue;
    where.push(...filterConditions(key, FILTER_COLUMNS[lookupField(FILTER_COLUMNS, key, 'filter')], value, b));
  }
  return where;
}

function filterConditions(key: string, column: string, value: FilterValue, b: Binder): string[] {
  if (Array.isArray(value)) {
    return [value.length === 0 ? 'FALSE' : `${column} IN (${value.map((v) => b.bind(v)).join(', ')})`];
  }
  if (typeof value === 'object' && value !== null) {
    const { min, max } = value;
    if (min === undefined && max === undefined) throw new StoreError(`filter ${key}: give min, max or a value`, 'invalid-query');
    const out: string[] = [];
    if (min !== undefined) out.push(`${column} >= ${b.bind(min)}`);
    if (max !== undefined) out.push(`${column} <= ${b.bind(max)}`);
    return out;
  }
  if (typeof value === 'string' || typeof value === 'number') return [`${column} = ${b.bind(value)}`];
  throw new StoreError(`filter ${key}: unsupported value ${JSON.stringify(value)}`, 'invalid-query');
}

/** `WHERE a AND b`, or nothing. */
export const whereSql = (conditions: readonly string[]): string => (conditions.length ? `WHERE ${conditions.join(' AND ')}` : '');

/** The SQL pieces joined by single spaces, leaving out empty ones. */
export const clauses = (...parts: string[]): string => parts.filter((p) => p !== '').join(' ');

/** The WHERE clause of a run filter on its own (null when nothing can match). */
export function compileWhere(query: RunFilter, ctx: QueryContext): Statement | null {
  const b = new Binder(ctx.dialect);
  const conditions = runConditions(query, ctx, b);
  return conditions && { sql: whereSql(conditions), params: b.params };
}

/** A list's sort, checked: the field (camelCase or snake_case) and the direction. */
export interface Sort {
  field: SortField;
  dir: 'ASC' | 'DESC';
}

export function checkSort(query: Pick<ListQuery, 'sort' | 'dir'>): Sort {
  return { field: lookupField(SORT_KEYS, query.sort ?? 'createdAt', 'sort'), dir: checkDir(query.dir) };
}

/**
 * The ORDER BY list: the sort field, NULLs last in either direction, then the dialect's unique
 * row key in the same direction.
 */
export function orderBy({ field, dir }: Sort, ctx: QueryContext, b: Binder): string {
  const { sql, nullable } = SORT_KEYS[field];
  const expr = sql(b, ctx);
  // Write NULLS LAST only where the dialect's default puts them first: SQLite orders NULL lowest,
  // so its DESC already ends with them (and can walk the index).
  const nullsLast = nullable && (dir === 'ASC') === b.sql.nullsLow ? ' NULLS LAST' : '';
  return `${expr} ${dir}${nullsLast}, ${b.sql.tieBreak} ${dir}`;
}

export interface ListStatements {
  /** The number of runs the query matches, ignoring limit and offset. */
  count: Statement;
  /** The page of runs. */
  page: Statement;
}

/**
 * Both statements of a run listing, selecting `columns(status)` (the repository's row shape;
 * `status` is the derived-status expression, already bound) from `runs`. Null when nothing can
 * match. Sort, direction and page are checked first, so a bad query is refused even then.
 */
export function compileList(query: ListQuery, ctx: QueryContext, columns: (status: string) => string): ListStatements | null {
  const sort = checkSort(query);
  const { limit, offset } = checkPage(query);
  const b = new Binder(ctx.dialect);
  const select = columns(derivedStatus(b, ctx));
  const conditions = runConditions(query, ctx, b);
  if (!conditions) return null;
  const order = orderBy(sort, ctx, b);
  const page = clauses(`SELECT ${select} FROM runs`, whereSql(conditions), `ORDER BY ${order} LIMIT ${b.bind(limit)} OFFSET ${b.bind(offset)}`);

  const c = new Binder(ctx.dialect);
  const count = clauses('SELECT count(*) FROM runs', whereSql(runConditions(query, ctx, c)!));
  return { count: { sql: count, params: c.params }, page: { sql: page, params: b.params } };
}
