import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src-main/store/errors.js';
import { compileGroupList } from '../../src-main/store/query/compile-groups.js';
import { compileList, compileWhere, type QueryContext } from '../../src-main/store/query/compile.js';
import { Binder } from '../../src-main/store/query/dialect.js';
import type { GroupQuery, ListQuery, SortField } from '../../src-main/store/types.js';

/**
 * The query compiler on its own, without SQLite: every expected statement and parameter list
 * below is written out by hand. test/integration/store-query.test.ts runs what it writes on a
 * real SQLite file.
 */

const T = '2026-01-01T00:00:00.000Z';
const sqlite: QueryContext = { dialect: 'sqlite', staleBefore: T };
const postgres: QueryContext = { dialect: 'postgres', staleBefore: T };
/** The heartbeat rule (store/liveness.ts) with its threshold's placeholder. */
const derived = (p: string) => `(CASE WHEN status = 'running' AND coalesce(heartbeat_at, started_at, created_at) < ${p} THEN 'interrupted' ELSE status END)`;
const cols = (status: string) => `id, ${status} AS status`;

const where = (q: ListQuery, ctx = sqlite) => compileWhere(q, ctx);
const list = (q: ListQuery, ctx = sqlite) => compileList(q, ctx, cols)!;
const refused = (f: () => unknown, message: RegExp) => {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(StoreError);
  expect((err as StoreError).code).toBe('invalid-query');
  expect((err as Error).message).toMatch(message);
};

describe('where: no filter', () => {
  it('is empty, with no parameters', () => {
    expect(where({})).toEqual({ sql: '', params: [] });
    expect(where({ filters: {} })).toEqual({ sql: '', params: [] });
    expect(where({ filters: { depth: undefined } })).toEqual({ sql: '', params: [] });
  });
});

describe('where: filters', () => {
  it('a number or a string is equality', () => {
    expect(where({ filters: { depth: 4 } })).toEqual({ sql: 'WHERE depth = ?', params: [4] });
    expect(where({ filters: { activation: 'gelu' } })).toEqual({ sql: 'WHERE activation = ?', params: ['gelu'] });
    expect(where({ filters: { backend: 'wasm' } })).toEqual({ sql: 'WHERE backend = ?', params: ['wasm'] });
  });

  it('a list is any-of; an empty list matches nothing', () => {
    expect(where({ filters: { depth: [2, 5] } })).toEqual({ sql: 'WHERE depth IN (?, ?)', params: [2, 5] });
    expect(where({ filters: { dataset: ['mnist'] } })).toEqual({ sql: 'WHERE dataset IN (?)', params: ['mnist'] });
    expect(where({ filters: { depth: [] } })).toEqual({ sql: 'WHERE FALSE', params: [] });
  });

  it('min and max are inclusive bounds; either one alone bounds one side only', () => {
    expect(where({ filters: { testAcc: { min: 0.7, max: 0.8 } } })).toEqual({ sql: 'WHERE test_acc >= ? AND test_acc <= ?', params: [0.7, 0.8] });
    expect(where({ filters: { testAcc: { min: 0.7 } } })).toEqual({ sql: 'WHERE test_acc >= ?', params: [0.7] });
    expect(where({ filters: { params: { max: 1000 } } })).toEqual({ sql: 'WHERE params <= ?', params: [1000] });
    expect(where({ filters: { epochsDone: { min: 0 } } })).toEqual({ sql: 'WHERE epochs_done >= ?', params: [0] });
  });

  it('a range without bounds, or a value of another kind, is refused with its field named', () => {
    refused(() => where({ filters: { testAcc: {} } }), /^filter testAcc: give min, max or a value$/);
    refused(() => where({ filters: { depth: true as never } }), /^filter depth: unsupported value true$/);
    refused(() => where({ filters: { depth: null as never } }), /^filter depth: unsupported value null$/);
  });

  it('takes camelCase names and their snake_case columns; refuses others, listing the allowed ones', () => {
    expect(where({ filters: { macsPerImage: { min: 5 } } })).toEqual({ sql: 'WHERE macs_per_image >= ?', params: [5] });
    expect(where({ filters: { macs_per_image: { min: 5 } } as never })).toEqual({ sql: 'WHERE macs_per_image >= ?', params: [5] });
    expect(where({ filters: { test_acc: 0.5 } as never })).toEqual({ sql: 'WHERE test_acc = ?', params: [0.5] });
    refused(() => where({ filters: { nope: 1 } as never }), /^unknown filter field "nope" \(allowed: [a-zA-Z, ]*\bdepth\b[a-zA-Z, ]*\bepochsDone\b/);
    // Own keys only: a name from Object.prototype is not a field.
    refused(() => where({ filters: { constructor: 1 } as never }), /unknown filter field "constructor"/);
    refused(() => list({ sort: 'toString' as never }), /unknown sort field "toString"/);
  });

  it('several filters are joined with AND, in the order given', () => {
    expect(where({ filters: { depth: [2, 5], testAcc: { min: 0.73 }, activation: 'gelu' } })).toEqual({
      sql: 'WHERE depth IN (?, ?) AND test_acc >= ? AND activation = ?',
      params: [2, 5, 0.73, 'gelu'],
    });
  });
});

describe('where: search, ids, sweep', () => {
  it('search: the name or tags contain it, the id starts with it, ignoring case, with LIKE wildcards escaped', () => {
    expect(where({ search: '  a_b%c\\d ' })).toEqual({
      sql: "WHERE (name LIKE ? ESCAPE '\\' OR tags LIKE ? ESCAPE '\\' OR id LIKE ? ESCAPE '\\')",
      params: ['%a\\_b\\%c\\\\d%', '%a\\_b\\%c\\\\d%', 'a\\_b\\%c\\\\d%'],
    });
    expect(where({ search: 'r0' }, postgres)).toEqual({
      sql: "WHERE (name ILIKE $1 ESCAPE '\\' OR tags::text ILIKE $2 ESCAPE '\\' OR id ILIKE $3 ESCAPE '\\')",
      params: ['%r0%', '%r0%', 'r0%'],
    });
  });

  it('a blank search filters nothing', () => {
    expect(where({ search: '' })).toEqual({ sql: '', params: [] });
    expect(where({ search: ' \t ' })).toEqual({ sql: '', params: [] });
  });

  it('ids: one list parameter (JSON for SQLite, an array for PostgreSQL); an empty list matches nothing', () => {
    expect(where({ ids: ['r1', 'r2'] })).toEqual({ sql: 'WHERE id IN (SELECT value FROM json_each(?))', params: ['["r1","r2"]'] });
    expect(where({ ids: ['r1', 'r2'] }, postgres)).toEqual({ sql: 'WHERE id = ANY($1::text[])', params: [['r1', 'r2']] });
    expect(where({ ids: [] })).toBeNull();
    expect(where({ ids: [], search: 'x' }, postgres)).toBeNull();
  });

  it('sweep: equality on sweep_id', () => {
    expect(where({ sweepId: 's1' })).toEqual({ sql: 'WHERE sweep_id = ?', params: ['s1'] });
    expect(where({ sweepId: 's1' }, postgres)).toEqual({ sql: 'WHERE sweep_id = $1', params: ['s1'] });
  });
});

describe('where: status', () => {
  it('the stored status narrows, the derived one (the heartbeat rule) decides', () => {
    expect(where({ status: 'completed' })).toEqual({
      sql: `WHERE status IN (?) AND ${derived('?')} IN (?)`,
      params: ['completed', T, 'completed'],
    });
    expect(where({ status: ['queued', 'running'] })).toEqual({
      sql: `WHERE status IN (?, ?) AND ${derived('?')} IN (?, ?)`,
      params: ['queued', 'running', T, 'queued', 'running'],
    });
  });

  it('interrupted also reads runs stored as running (their owner may have died), once', () => {
    expect(where({ status: 'interrupted' })).toEqual({
      sql: `WHERE status IN (?, ?) AND ${derived('?')} IN (?)`,
      params: ['interrupted', 'running', T, 'interrupted'],
    });
    expect(where({ status: ['interrupted', 'failed'] }, postgres)).toEqual({
      sql: `WHERE status IN ($1, $2, $3) AND ${derived('$4')} IN ($5, $6)`,
      params: ['interrupted', 'failed', 'running', T, 'interrupted', 'failed'],
    });
    expect(where({ status: ['running', 'interrupted'] })).toEqual({
      sql: `WHERE status IN (?, ?) AND ${derived('?')} IN (?, ?)`,
      params: ['running', 'interrupted', T, 'running', 'interrupted'],
    });
  });

  it('no status matches nothing; an unknown one is refused, listing the known ones', () => {
    expect(where({ status: [] })).toBeNull();
    refused(() => where({ status: 'done' as never }), /^unknown status "done" \(allowed: queued, running, completed, failed, cancelled, interrupted\)$/);
    refused(() => where({ status: ['queued', 'Queued'] as never }), /unknown status "Queued"/);
  });

  it('status, ids, sweep, search and filters together, in that order', () => {
    expect(where({ filters: { depth: 2 }, search: 'x', sweepId: 's', ids: ['r'], status: 'failed' }, postgres)).toEqual({
      sql:
        `WHERE status IN ($1) AND ${derived('$2')} IN ($3) AND id = ANY($4::text[]) AND sweep_id = $5` +
        " AND (name ILIKE $6 ESCAPE '\\' OR tags::text ILIKE $7 ESCAPE '\\' OR id ILIKE $8 ESCAPE '\\') AND depth = $9",
      params: ['failed', T, 'failed', ['r'], 's', '%x%', '%x%', 'x%', 2],
    });
  });
});

describe('list: statements, sort and page', () => {
  it('by default: newest first, rowid breaking ties, 50 a page from the start', () => {
    expect(list({})).toEqual({
      count: { sql: 'SELECT count(*) FROM runs', params: [] },
      page: { sql: `SELECT id, ${derived('?')} AS status FROM runs ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?`, params: [T, 50, 0] },
    });
  });

  it('count and page bind the same filter values; the page adds the column threshold, sort and page', () => {
    expect(list({ filters: { depth: 3 }, sort: 'params', dir: 'asc', limit: 7, offset: 14 })).toEqual({
      count: { sql: 'SELECT count(*) FROM runs WHERE depth = ?', params: [3] },
      page: { sql: `SELECT id, ${derived('?')} AS status FROM runs WHERE depth = ? ORDER BY params ASC, rowid ASC LIMIT ? OFFSET ?`, params: [T, 3, 7, 14] },
    });
  });

  it('nothing to match: null', () => {
    expect(compileList({ ids: [] }, sqlite, cols)).toBeNull();
    expect(compileList({ status: [] }, postgres, cols)).toBeNull();
  });

  const order = (q: ListQuery, ctx = sqlite) => / ORDER BY (.*) LIMIT /.exec(list(q, ctx).page.sql)![1];

  it('SQLite: NULLs sort lowest, so only ascending sorts of a nullable column say NULLS LAST', () => {
    expect(order({ sort: 'testAcc', dir: 'asc' })).toBe('test_acc ASC NULLS LAST, rowid ASC');
    expect(order({ sort: 'testAcc', dir: 'desc' })).toBe('test_acc DESC, rowid DESC');
    expect(order({ sort: 'finishedAt', dir: 'asc' })).toBe('finished_at ASC NULLS LAST, rowid ASC');
    expect(order({ sort: 'backend', dir: 'asc' })).toBe('backend ASC NULLS LAST, rowid ASC');
    expect(order({ sort: 'labelSmoothing', dir: 'asc' })).toBe('label_smoothing ASC NULLS LAST, rowid ASC');
    expect(order({ sort: 'depth', dir: 'asc' })).toBe('depth ASC, rowid ASC');
    expect(order({ sort: 'createdAt', dir: 'asc' })).toBe('created_at ASC, rowid ASC');
  });

  it('PostgreSQL: NULLs sort highest, so only descending sorts say NULLS LAST; the schema rowid identity column breaks ties', () => {
    expect(order({ sort: 'testAcc', dir: 'desc' }, postgres)).toBe('test_acc DESC NULLS LAST, rowid DESC');
    expect(order({ sort: 'testAcc', dir: 'asc' }, postgres)).toBe('test_acc ASC, rowid ASC');
    expect(order({ sort: 'startedAt' }, postgres)).toBe('started_at DESC NULLS LAST, rowid DESC');
    expect(order({ sort: 'epochs' }, postgres)).toBe('epochs DESC, rowid DESC');
  });

  it('every sort field, ascending on SQLite (NULLS LAST marks the nullable ones)', () => {
    const expected: Record<SortField, string> = {
      id: 'id ASC',
      name: 'name COLLATE NOCASE ASC',
      status: `${derived('?')} ASC`,
      createdAt: 'created_at ASC',
      startedAt: 'started_at ASC NULLS LAST',
      finishedAt: 'finished_at ASC NULLS LAST',
      testAcc: 'test_acc ASC NULLS LAST',
      testLoss: 'test_loss ASC NULLS LAST',
      params: 'params ASC',
      macsPerImage: 'macs_per_image ASC',
      macsPerBatch: 'macs_per_batch ASC',
      epochsDone: 'epochs_done ASC',
      backend: 'backend ASC NULLS LAST',
      dataset: 'dataset ASC',
      image: 'image ASC',
      channels: 'channels ASC',
      classes: 'classes ASC',
      patch: 'patch ASC',
      dim: 'dim ASC',
      depth: 'depth ASC',
      heads: 'heads ASC',
      mlp: 'mlp ASC',
      activation: 'activation ASC',
      dropout: 'dropout ASC',
      epochs: 'epochs ASC',
      batch: 'batch ASC',
      lr: 'lr ASC',
      recipe: 'recipe ASC',
      seed: 'seed ASC',
      labelSmoothing: 'label_smoothing ASC NULLS LAST',
    };
    for (const [sort, first] of Object.entries(expected)) expect(order({ sort: sort as SortField, dir: 'asc' })).toBe(`${first}, rowid ASC`);
  });

  it('name ignores case; status sorts by the derived status, its threshold bound in place', () => {
    expect(order({ sort: 'name', dir: 'asc' })).toBe('name COLLATE NOCASE ASC, rowid ASC');
    expect(order({ sort: 'name' }, postgres)).toBe('lower(name) DESC, rowid DESC');
    const p = list({ sort: 'status', dir: 'asc', filters: { depth: 1 } }, postgres).page;
    expect(p).toEqual({
      sql: `SELECT id, ${derived('$1')} AS status FROM runs WHERE depth = $2 ORDER BY ${derived('$3')} ASC, rowid ASC LIMIT $4 OFFSET $5`,
      params: [T, 1, T, 50, 0],
    });
  });

  it('takes snake_case sort names; refuses unknown fields and directions', () => {
    expect(order({ sort: 'macs_per_batch' as never })).toBe('macs_per_batch DESC, rowid DESC');
    refused(() => list({ sort: 'bogus' as never }), /^unknown sort field "bogus" \(allowed: .*\bcreatedAt\b.*\)$/);
    refused(() => list({ dir: 'up' as never }), /^sort direction must be asc or desc, got "up"$/);
    refused(() => list({ dir: 'ASC' as never }), /got "ASC"/);
  });

  it('limit 1 to 10,000 (default 50) and offset ≥ 0, whole numbers, else refused', () => {
    const page = (q: ListQuery) => list(q).page.params.slice(-2);
    expect(page({})).toEqual([50, 0]);
    expect(page({ limit: 1 })).toEqual([1, 0]);
    expect(page({ limit: 10_000, offset: 3 })).toEqual([10_000, 3]);
    for (const limit of [0, -1, 10_001, 2.5, Number.NaN]) refused(() => list({ limit }), /^limit must be a whole number from 1 to 10000, got /);
    for (const offset of [-1, 1.5]) refused(() => list({ offset }), /^offset must be a whole number ≥ 0, got /);
  });

  it('a bad sort or page is refused even when nothing could match', () => {
    refused(() => compileList({ ids: [], limit: 0 }, sqlite, cols), /limit/);
    refused(() => compileList({ ids: [], sort: 'x' as never }, sqlite, cols), /sort field/);
    refused(() => compileList({ status: [], dir: 'x' as never }, sqlite, cols), /direction/);
  });

  it('PostgreSQL numbers its placeholders from $1 in each statement, in the order they appear', () => {
    expect(list({ status: 'queued', sweepId: 's', filters: { testAcc: { min: 0.5, max: 0.9 } }, sort: 'testAcc', limit: 20, offset: 40 }, postgres)).toEqual({
      count: {
        sql: `SELECT count(*) FROM runs WHERE status IN ($1) AND ${derived('$2')} IN ($3) AND sweep_id = $4 AND test_acc >= $5 AND test_acc <= $6`,
        params: ['queued', T, 'queued', 's', 0.5, 0.9],
      },
      page: {
        sql:
          `SELECT id, ${derived('$1')} AS status FROM runs WHERE status IN ($2) AND ${derived('$3')} IN ($4) AND sweep_id = $5 AND test_acc >= $6 AND test_acc <= $7` +
          ' ORDER BY test_acc DESC NULLS LAST, rowid DESC LIMIT $8 OFFSET $9',
        params: [T, 'queued', T, 'queued', 's', 0.5, 0.9, 20, 40],
      },
    });
  });

  it('a binder hands out placeholders in order', () => {
    const b = new Binder('postgres');
    expect([b.bind('a'), b.bind(2), b.bind(null)]).toEqual(['$1', '$2', '$3']);
    expect(b.params).toEqual(['a', 2, null]);
    const s = new Binder('sqlite');
    expect([s.bind('a'), s.bind('b')]).toEqual(['?', '?']);
    expect(s.params).toEqual(['a', 'b']);
  });
});

describe('grouped list', () => {
  const ACC = "(CASE WHEN status = 'completed' THEN test_acc END)";
  const LOSS = "(CASE WHEN status = 'completed' THEN test_loss END)";
  const groups = (q: GroupQuery, ctx = sqlite) => compileGroupList(q, ctx)!;

  it('by default: groups by newest run, 50 a page; the page groups in full, newest run first', () => {
    const g = groups({});
    expect(g.total).toEqual({ sql: 'SELECT count(DISTINCT group_key) FROM runs', params: [] });
    expect(g.keys).toEqual({
      sql: 'SELECT group_key FROM runs GROUP BY group_key ORDER BY max(created_at) DESC NULLS LAST, max(created_at) DESC, group_key DESC LIMIT ? OFFSET ?',
      params: [50, 0],
    });
    const newest = 'ORDER BY created_at DESC, id DESC';
    expect(g.groups(['k1', 'k2'])).toEqual({
      sql:
        `SELECT group_key, count(*) AS n, json_group_array(id ${newest}) AS run_ids, json_group_array(seed ${newest}) AS seeds,` +
        ` json_group_array(${ACC} ${newest}) AS accs, json_group_array(${LOSS} ${newest}) AS losses, (json_group_array(config_json ${newest}) ->> '$[0]') AS config_json,` +
        ' max(params) AS params, max(macs_per_image) AS macs_per_image, max(created_at) AS created_at' +
        ' FROM runs WHERE group_key IN (SELECT value FROM json_each(?)) GROUP BY group_key',
      params: ['["k1","k2"]'],
    });
  });

  it('run filters, then HAVING on the figures (inclusive), then the page; every statement binds its own values', () => {
    const g = groups({ filters: { depth: 2 }, having: { n: { min: 3 }, testAcc: { min: 0.5, max: 0.9 } }, sort: 'testAcc', dir: 'asc', limit: 5, offset: 10 });
    const having = `HAVING count(*) >= ? AND avg(${ACC}) >= ? AND avg(${ACC}) <= ?`;
    expect(g.total).toEqual({ sql: `SELECT count(*) FROM (SELECT 1 FROM runs WHERE depth = ? GROUP BY group_key ${having}) AS g`, params: [2, 3, 0.5, 0.9] });
    expect(g.keys).toEqual({
      sql: `SELECT group_key FROM runs WHERE depth = ? GROUP BY group_key ${having} ORDER BY avg(${ACC}) ASC NULLS LAST, max(created_at) ASC, group_key ASC LIMIT ? OFFSET ?`,
      params: [2, 3, 0.5, 0.9, 5, 10],
    });
    expect(g.groups(['k']).sql).toMatch(/ FROM runs WHERE depth = \? AND group_key IN \(SELECT value FROM json_each\(\?\)\) GROUP BY group_key$/);
    expect(g.groups(['k']).params).toEqual([2, '["k"]']);
  });

  it('sorts by a figure or by a config column but the seed', () => {
    const sortOf = (q: GroupQuery, ctx = sqlite) => / ORDER BY (.*?) (ASC|DESC) NULLS LAST/.exec(groups(q, ctx).keys.sql)![1];
    expect(sortOf({ sort: 'n' })).toBe('count(*)');
    expect(sortOf({ sort: 'depth' })).toBe('max(depth)');
    expect(sortOf({ sort: 'labelSmoothing' })).toBe('max(label_smoothing)');
    expect(sortOf({ sort: 'testLossStd' })).toBe(
      `(CASE WHEN count(${LOSS}) > 1 THEN sqrt(max(0, (sum(${LOSS} * ${LOSS}) - sum(${LOSS}) * sum(${LOSS}) / count(${LOSS})) / (count(${LOSS}) - 1))) END)`,
    );
    expect(sortOf({ sort: 'testAccStd' }, postgres)).toBe(
      `(CASE WHEN count(${ACC}) > 1 THEN sqrt(greatest(0, (sum(${ACC} * ${ACC}) - sum(${ACC}) * sum(${ACC}) / count(${ACC})) / (count(${ACC}) - 1))) END)`,
    );
    expect(sortOf({ sort: 'testAccMin' })).toBe(`min(${ACC})`);
    expect(sortOf({ sort: 'testAccMax' })).toBe(`max(${ACC})`);
    expect(sortOf({ sort: 'testLoss' })).toBe(`avg(${LOSS})`);
    expect(sortOf({ sort: 'params' })).toBe('max(params)');
    expect(sortOf({ sort: 'macsPerImage' })).toBe('max(macs_per_image)');
    refused(() => groups({ sort: 'seed' as never }), /^unknown group sort field "seed" \(allowed: n, testAcc, .*\bdepth\b/);
    refused(() => groups({ sort: 'toString' as never }), /unknown group sort field "toString"/);
  });

  it('refuses unknown figures, empty ranges, non-numbers, bad directions and pages, even when nothing matches', () => {
    refused(() => groups({ having: { seeds: { min: 1 } } as never }), /^unknown group filter "seeds" \(allowed: n, testAcc, testAccStd, /);
    refused(() => groups({ having: { n: {} } }), /^group filter n: give min or max$/);
    refused(() => groups({ having: { n: { min: Number.NaN } } }), /^group filter n: NaN is not a number$/);
    refused(() => groups({ having: { n: { max: '3' as never } } }), /^group filter n: 3 is not a number$/);
    refused(() => groups({ having: { n: { max: Infinity } } }), /Infinity is not a number/);
    refused(() => compileGroupList({ ids: [], dir: 'sideways' as never }, sqlite), /direction/);
    refused(() => compileGroupList({ ids: [], limit: 10_001 }, sqlite), /limit/);
    refused(() => compileGroupList({ ids: [], having: { n: {} } }, sqlite), /give min or max/);
    expect(compileGroupList({ ids: [] }, sqlite)).toBeNull();
    expect(groups({ having: { n: undefined } }).total.sql).toBe('SELECT count(DISTINCT group_key) FROM runs');
  });

  it('PostgreSQL: numbered placeholders, json_agg as text, ANY over a text array, any row’s config', () => {
    const g = groups({ status: 'completed', having: { n: { max: 4 } }, limit: 3 }, postgres);
    const status = `status IN ($1) AND ${derived('$2')} IN ($3)`;
    expect(g.total).toEqual({ sql: `SELECT count(*) FROM (SELECT 1 FROM runs WHERE ${status} GROUP BY group_key HAVING count(*) <= $4) AS g`, params: ['completed', T, 'completed', 4] });
    expect(g.keys.sql).toBe(`SELECT group_key FROM runs WHERE ${status} GROUP BY group_key HAVING count(*) <= $4 ORDER BY max(created_at) DESC NULLS LAST, max(created_at) DESC, group_key DESC LIMIT $5 OFFSET $6`);
    expect(g.keys.params).toEqual(['completed', T, 'completed', 4, 3, 0]);
    const rows = g.groups(['a', 'b']);
    expect(rows.sql).toContain('json_agg(id ORDER BY created_at DESC, id DESC)::text AS run_ids');
    expect(rows.sql).toContain('(array_agg(config_json ORDER BY created_at DESC, id DESC))[1] AS config_json');
    expect(rows.sql).toMatch(/ WHERE status IN \(\$1\) AND .* IN \(\$3\) AND group_key = ANY\(\$4::text\[\]\) GROUP BY group_key$/);
    expect(rows.params).toEqual(['completed', T, 'completed', ['a', 'b']]);
  });
});
