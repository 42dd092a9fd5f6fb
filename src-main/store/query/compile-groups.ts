/**
 * The grouped list's query compiler (runs whose configs are equal except for the seed): a
 * GroupQuery in, three statements out, for either dialect (query/dialect.ts). The run filters
 * choose the runs, GROUP BY group_key (migration 0003: the config without the seed, indexed)
 * forms the groups, HAVING and ORDER BY work on the groups' figures and LIMIT pages them, so
 * 10,000 runs never leave the database. Two steps: the page's group keys from the figures alone
 * (SQLite's covering index serves it without reading the table), then the page's groups in full.
 * SQL's own mean and std only order and filter; the figures shown are recomputed from the values
 * by src-shared/stats.ts (store/groups.ts), and a test checks that they agree.
 */
import { COLUMN_KEYS, columnOf } from '../../../src-shared/fields.js';
import { StoreError } from '../errors.js';
import { checkPage } from '../page.js';
import type { GroupFigure, GroupQuery, GroupSortField } from '../types.js';
import { checkDir, clauses, runConditions, whereSql, type QueryContext } from './compile.js';
import { Binder, DIALECT_SQL, type DialectSql, type Statement } from './dialect.js';

// Accuracy and loss count for completed runs only: a running run's latest epoch is not a result.
const ACC = "(CASE WHEN status = 'completed' THEN test_acc END)";
const LOSS = "(CASE WHEN status = 'completed' THEN test_loss END)";
/** A group's runs are listed newest first. */
const NEWEST = 'created_at DESC, id DESC';

/** The sample standard deviation from sums (null below two values; clamped at 0 against rounding). */
const std = (x: string, d: DialectSql) =>
  `(CASE WHEN count(${x}) > 1 THEN sqrt(${d.greatest('0', `(sum(${x} * ${x}) - sum(${x}) * sum(${x}) / count(${x})) / (count(${x}) - 1)`)}) END)`;

function figures(d: DialectSql): Record<GroupFigure, string> {
  return {
    n: 'count(*)',
    testAcc: `avg(${ACC})`,
    testAccStd: std(ACC, d),
    testAccMin: `min(${ACC})`,
    testAccMax: `max(${ACC})`,
    testLoss: `avg(${LOSS})`,
    testLossStd: std(LOSS, d),
    params: 'max(params)',
    macsPerImage: 'max(macs_per_image)',
    createdAt: 'max(created_at)',
  };
}
/** The figures' names (computed on use: nothing here runs when the module loads). */
const figureNames = () => Object.keys(figures(DIALECT_SQL.sqlite)) as GroupFigure[];

type ConfigSort = Exclude<GroupSortField, GroupFigure>;
/** Config fields a grouped list can sort by: the columned ones but the seed (a group's runs share them). */
const CONFIG_SORT = Object.fromEntries(COLUMN_KEYS.filter((k) => k !== 'seed').map((k) => [k, columnOf(k)])) as Record<ConfigSort, string>;

const isFigure = (field: string): field is GroupFigure => (figureNames() as string[]).includes(field);

function sortExpr(field: string, f: Record<GroupFigure, string>): string {
  if (isFigure(field)) return f[field];
  if (Object.hasOwn(CONFIG_SORT, field)) return `max(${CONFIG_SORT[field as ConfigSort]})`;
  throw new StoreError(`unknown group sort field "${field}" (allowed: ${[...figureNames(), ...Object.keys(CONFIG_SORT)].join(', ')})`, 'invalid-query');
}

/** The HAVING conditions on the groups' figures, their bounds bound in `b` (checked first by `checkHaving`). */
function havingConditions(query: GroupQuery, f: Record<GroupFigure, string>, b: Binder): string[] {
  const out: string[] = [];
  for (const [field, range] of Object.entries(query.having ?? {})) {
    if (!range) continue;
    if (range.min !== undefined) out.push(`${f[field as GroupFigure]} >= ${b.bind(range.min)}`);
    if (range.max !== undefined) out.push(`${f[field as GroupFigure]} <= ${b.bind(range.max)}`);
  }
  return out;
}

function checkHaving(query: GroupQuery): void {
  for (const [field, range] of Object.entries(query.having ?? {})) {
    if (!range) continue;
    if (!isFigure(field)) throw new StoreError(`unknown group filter "${field}" (allowed: ${figureNames().join(', ')})`, 'invalid-query');
    if (range.min === undefined && range.max === undefined) throw new StoreError(`group filter ${field}: give min or max`, 'invalid-query');
    for (const v of [range.min, range.max]) {
      // Number.isFinite is false for anything but a finite number (strings included).
      if (v !== undefined && !Number.isFinite(v)) {
        throw new StoreError(`group filter ${field}: ${String(v)} is not a number`, 'invalid-query');
      }
    }
  }
}

export interface GroupStatements {
  /** The number of groups the query matches, ignoring limit and offset. */
  total: Statement;
  /** The page's group keys, in order. */
  keys: Statement;
  /**
   * The page's groups (any order): group_key, n, run_ids, seeds, accs, losses (JSON arrays, newest
   * run first), config_json, params, macs_per_image, created_at.
   */
  groups(keys: readonly string[]): Statement;
}

/** Null when no run can match. Sort, direction, page and having are checked first. */
export function compileGroupList(query: GroupQuery, ctx: QueryContext): GroupStatements | null {
  const { limit, offset } = checkPage(query);
  const d = checkDir(query.dir);
  checkHaving(query);
  const b = new Binder(ctx.dialect);
  const f = figures(b.sql);
  const sort = sortExpr(query.sort ?? 'createdAt', f);
  const conditions = runConditions(query, ctx, b);
  if (!conditions) return null;
  const where = whereSql(conditions);

  const having = havingConditions(query, f, b);
  const havingSql = having.length ? `HAVING ${having.join(' AND ')}` : '';
  // Ties (equal figures) are broken by the group's newest run, then its key, so pages neither
  // repeat nor skip.
  const keys = clauses(
    'SELECT group_key FROM runs',
    where,
    'GROUP BY group_key',
    havingSql,
    `ORDER BY ${sort} ${d} NULLS LAST, max(created_at) ${d}, group_key ${d} LIMIT ${b.bind(limit)} OFFSET ${b.bind(offset)}`,
  );

  const t = new Binder(ctx.dialect);
  const tWhere = whereSql(runConditions(query, ctx, t)!);
  const tHaving = havingConditions(query, f, t);
  const total = tHaving.length
    ? `SELECT count(*) FROM (${clauses('SELECT 1 FROM runs', tWhere, 'GROUP BY group_key', `HAVING ${tHaving.join(' AND ')}`)}) AS g`
    : clauses('SELECT count(DISTINCT group_key) FROM runs', tWhere);

  return {
    total: { sql: total, params: t.params },
    keys: { sql: keys, params: b.params },
    groups(pageKeys) {
      const g = new Binder(ctx.dialect);
      const agg = (expr: string) => g.sql.jsonArrayAgg(expr, NEWEST);
      const cols = `group_key, count(*) AS n, ${agg('id')} AS run_ids, ${agg(columnOf('seed'))} AS seeds, ${agg(ACC)} AS accs, ${agg(LOSS)} AS losses, ${g.sql.firstValue('config_json', NEWEST)} AS config_json, max(params) AS params, max(macs_per_image) AS macs_per_image, max(created_at) AS created_at`;
      const rowConditions = [...runConditions(query, ctx, g)!, g.sql.inList('group_key', g.bind(g.sql.listParam(pageKeys)))];
      return { sql: clauses(`SELECT ${cols} FROM runs`, whereSql(rowConditions), 'GROUP BY group_key'), params: g.params };
    },
  };
}
