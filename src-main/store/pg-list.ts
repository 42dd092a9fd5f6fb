import { CompiledQuery } from 'kysely';
import { toGroup, type GroupRow } from './groups.js';
import { compileGroupList } from './query/compile-groups.js';
import { compileList, type QueryContext } from './query/compile.js';
import type { Statement } from './query/dialect.js';
import type { PgDb } from './pg-store.js';
import { summaryColumns, toSummary, type RunRow } from './rows.js';
import type { GroupListResult, GroupQuery, ListQuery, ListResult } from './types.js';

/**
 * The run list and the grouped list on PostgreSQL: the statements of the pure query compiler
 * (store/query/, dialect 'postgres'), the same code that writes SQLite's, executed through Kysely.
 * The compiler's text is the one place where a ListQuery becomes SQL, so these are not rebuilt
 * with Kysely's builder (that would be a second compiler to keep in step).
 */

async function rows<R>(db: PgDb, st: Statement): Promise<R[]> {
  return (await db.executeQuery<R>(CompiledQuery.raw(st.sql, st.params))).rows;
}

async function count(db: PgDb, st: Statement): Promise<number> {
  const [row] = await rows<{ count: number }>(db, st);
  return Number(row.count);
}

export async function pgListRuns(db: PgDb, query: ListQuery, staleBefore: string): Promise<ListResult> {
  const ctx: QueryContext = { dialect: 'postgres', staleBefore };
  const compiled = compileList(query, ctx, summaryColumns);
  if (!compiled) return { total: 0, rows: [] };
  const [total, page] = await Promise.all([count(db, compiled.count), rows<RunRow>(db, compiled.page)]);
  return { total, rows: page.map(toSummary) };
}

export async function pgListGroups(db: PgDb, query: GroupQuery, staleBefore: string): Promise<GroupListResult> {
  const compiled = compileGroupList(query, { dialect: 'postgres', staleBefore });
  if (!compiled) return { total: 0, groups: [] };
  const [totalRows, keyRows] = await Promise.all([rows<Record<string, unknown>>(db, compiled.total), rows<Record<string, string>>(db, compiled.keys)]);
  const total = Number(Object.values(totalRows[0])[0]);
  const keys = keyRows.map((r) => Object.values(r)[0]);
  if (keys.length === 0) return { total, groups: [] };
  const groupRows = await rows<GroupRow>(db, compiled.groups(keys));
  const byKey = new Map(groupRows.map((r) => [r.group_key, r]));
  return { total, groups: keys.map((k) => toGroup(byKey.get(k)!)) };
}
