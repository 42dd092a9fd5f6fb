import { groupKey } from '../../src-shared/groups.js';
import { summarize } from '../../src-shared/stats.js';
import { withNewFields } from '../../src-shared/fields.js';
import type { RunConfig } from '../vit/config.js';
import { compileGroupList } from './query/compile-groups.js';
import type { QueryContext } from './query/compile.js';
import type { StatementCache } from './statement-cache.js';
import type { GroupListResult, GroupQuery, RunGroup } from './types.js';

/**
 * The grouped run list on SQLite: runs the statements store/query/compile-groups.ts writes and
 * turns their rows into RunGroups, whose figures src-shared/stats.ts recomputes from the values
 * (the same code the dashboard and the reports use).
 */

export interface GroupRow {
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
  constructor(
    private readonly statements: StatementCache,
    private readonly context: () => QueryContext,
  ) {}

  list(query: GroupQuery = {}): GroupListResult {
    const compiled = compileGroupList(query, this.context());
    if (!compiled) return { total: 0, groups: [] };
    const total = this.statements.get(compiled.total.sql).pluck().get(...compiled.total.params) as number;
    const keys = this.statements.get(compiled.keys.sql).pluck().all(...compiled.keys.params) as string[];
    if (keys.length === 0) return { total, groups: [] };
    const groups = compiled.groups(keys);
    const rows = this.statements.get(groups.sql).all(...groups.params) as GroupRow[];
    const byKey = new Map(rows.map((r) => [r.group_key, r]));
    return { total, groups: keys.map((k) => toGroup(byKey.get(k)!)) };
  }
}

export function toGroup(r: GroupRow): RunGroup {
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
