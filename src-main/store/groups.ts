import { groupKey } from '../../src-shared/groups.js';
import { summarize } from '../../src-shared/stats.js';
import type { RunConfig } from '../vit/config.js';
import { StoreError } from './errors.js';
import { checkPage } from './page.js';
import type { RunStore } from './runs.js';
import type { GroupFigure, GroupListResult, GroupQuery, GroupSortField, RunGroup } from './types.js';
import { withNewFields } from '../../src-shared/fields.js';

/**
 * The runs table grouped by config without the seed, in SQL: the run filters choose the runs,
 * GROUP BY group_key (migration 0003: the config without the seed, indexed) forms the groups,
 * HAVING and ORDER BY work on the groups' figures and LIMIT pages them, so 10,000 runs never
 * leave SQLite. Two steps: the page's group keys from the figures alone (the covering index
 * serves it without reading the table), then the page's groups in full. The figures shown are
 * recomputed from the group's values by src-shared/stats.ts (the same code the dashboard and the
 * reports use); SQL's own mean and std only order and filter, and a test checks that they agree.
 */

const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Config fields a grouped list can sort by: the columned ones (every run of a group has the same value). */
const CONFIG_SORT = Object.fromEntries(
  (['dataset', 'image', 'channels', 'classes', 'patch', 'dim', 'depth', 'heads', 'mlp', 'activation', 'dropout', 'epochs', 'batch', 'lr', 'recipe'] as const satisfies readonly GroupSortField[]).map((k) => [k, snake(k)]),
) as Record<Exclude<GroupSortField, GroupFigure>, string>;

// Accuracy and loss count for completed runs only: a running run's latest epoch is not a result.
const ACC = "(CASE WHEN status = 'completed' THEN test_acc END)";
const LOSS = "(CASE WHEN status = 'completed' THEN test_loss END)";
/** A group's runs are listed newest first (ordered aggregates: SQLite ≥ 3.44). */
const NEWEST = 'created_at DESC, id DESC';
const std = (x: string) => `(CASE WHEN count(${x}) > 1 THEN sqrt(max(0, (sum(${x} * ${x}) - sum(${x}) * sum(${x}) / count(${x})) / (count(${x}) - 1))) END)`;

const FIGURES: Record<GroupFigure, string> = {
  n: 'count(*)',
  testAcc: `avg(${ACC})`,
  testAccStd: std(ACC),
  testAccMin: `min(${ACC})`,
  testAccMax: `max(${ACC})`,
  testLoss: `avg(${LOSS})`,
  testLossStd: std(LOSS),
  params: 'max(params)',
  macsPerImage: 'max(macs_per_image)',
  createdAt: 'max(created_at)',
};

interface GroupRow {
  group_key: string;
  n: number;
  run_ids: string;
  seeds: string;
  accs: string;
  losses: string;
  config_json: string;
  params: number;
  macs_per_image: number;
  created_at: string;
}

export class GroupQueries {
  constructor(private readonly store: RunStore) {}

  private sortExpr(field: string): string {
    if (Object.hasOwn(FIGURES, field)) return FIGURES[field as GroupFigure];
    if (Object.hasOwn(CONFIG_SORT, field)) return `max(${CONFIG_SORT[field as keyof typeof CONFIG_SORT]})`;
    throw new StoreError(`unknown group sort field "${field}" (allowed: ${[...Object.keys(FIGURES), ...Object.keys(CONFIG_SORT)].join(', ')})`, 'invalid-query');
  }

  private having(query: GroupQuery): { sql: string; params: number[] } {
    const having: string[] = [];
    const params: number[] = [];
    for (const [field, range] of Object.entries(query.having ?? {})) {
      if (!range) continue;
      if (!Object.hasOwn(FIGURES, field)) throw new StoreError(`unknown group filter "${field}" (allowed: ${Object.keys(FIGURES).join(', ')})`, 'invalid-query');
      if (range.min === undefined && range.max === undefined) throw new StoreError(`group filter ${field}: give min or max`, 'invalid-query');
      for (const [op, v] of [['>=', range.min], ['<=', range.max]] as const) {
        if (v === undefined) continue;
        if (typeof v !== 'number' || !Number.isFinite(v)) throw new StoreError(`group filter ${field}: ${String(v)} is not a number`, 'invalid-query');
        having.push(`${FIGURES[field as GroupFigure]} ${op} ?`);
        params.push(v);
      }
    }
    return { sql: having.length ? `HAVING ${having.join(' AND ')}` : '', params };
  }

  list(query: GroupQuery = {}): GroupListResult {
    const compiled = this.store.compileWhere(query);
    if (!compiled) return { total: 0, groups: [] };
    const { whereSql, params, named } = compiled;
    const { limit, offset } = checkPage(query);
    const dir = query.dir ?? 'desc';
    if (dir !== 'asc' && dir !== 'desc') throw new StoreError(`sort direction must be asc or desc, got "${String(dir)}"`, 'invalid-query');
    const sortExpr = this.sortExpr(query.sort ?? 'createdAt');
    const having = this.having(query);
    const d = dir.toUpperCase();

    const total = (
      having.sql
        ? this.store.cached(`SELECT count(*) FROM (SELECT 1 FROM runs ${whereSql} GROUP BY group_key ${having.sql})`)
        : this.store.cached(`SELECT count(DISTINCT group_key) FROM runs ${whereSql}`)
    )
      .pluck()
      .get(...params, ...having.params, named) as number;
    // Ties (equal figures) are broken by the group's newest run, then its key, so pages neither
    // repeat nor skip.
    const keys = this.store
      .cached(`SELECT group_key FROM runs ${whereSql} GROUP BY group_key ${having.sql} ORDER BY ${sortExpr} ${d} NULLS LAST, max(created_at) ${d}, group_key ${d} LIMIT ? OFFSET ?`)
      .pluck()
      .all(...params, ...having.params, limit, offset, named) as string[];
    if (keys.length === 0) return { total, groups: [] };
    const and = whereSql ? `${whereSql} AND` : 'WHERE';
    const rows = this.store
      .cached(
        `SELECT group_key, count(*) AS n, json_group_array(id ORDER BY ${NEWEST}) AS run_ids, json_group_array(seed ORDER BY ${NEWEST}) AS seeds,
          json_group_array(${ACC} ORDER BY ${NEWEST}) AS accs, json_group_array(${LOSS} ORDER BY ${NEWEST}) AS losses, config_json,
          max(params) AS params, max(macs_per_image) AS macs_per_image, max(created_at) AS created_at
        FROM runs ${and} group_key IN (SELECT value FROM json_each(?)) GROUP BY group_key`,
      )
      .all(...params, JSON.stringify(keys), named) as GroupRow[];
    const byKey = new Map(rows.map((r) => [r.group_key, r]));
    return { total, groups: keys.map((k) => toGroup(byKey.get(k)!)) };
  }
}

function toGroup(r: GroupRow): RunGroup {
  const config = withNewFields(JSON.parse(r.config_json) as RunConfig);
  return {
    key: groupKey(config),
    config,
    n: r.n,
    runIds: JSON.parse(r.run_ids) as string[],
    seeds: JSON.parse(r.seeds) as number[],
    testAcc: summarize(JSON.parse(r.accs) as (number | null)[]),
    testLoss: summarize(JSON.parse(r.losses) as (number | null)[]),
    params: r.params,
    macsPerImage: r.macs_per_image,
    createdAt: r.created_at,
  };
}
