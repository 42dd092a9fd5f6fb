/**
 * Groups of runs: runs whose configs are equal except for the seed are repeats of one experiment.
 * A group is derived from the config (never stored by hand), so runs launched separately with the
 * same config join the same group. Pure: no Node, DOM or Electron imports.
 */

/** Config fields that do not define a group: the repeats of one config differ only in these. */
export const GROUP_EXCLUDED_FIELDS = ['seed'] as const;

const excluded = new Set<string>(GROUP_EXCLUDED_FIELDS);

/**
 * The config fields that define a group, in canonical (sorted) order. A null field is unset (a
 * nullable field left to the recipe, src-shared/fields.ts) and counts as absent, so runs stored
 * before such a field existed share the group of new runs that leave it empty.
 */
export function groupFields(config: Readonly<Record<string, unknown>>): string[] {
  return Object.keys(config)
    .filter((k) => !excluded.has(k) && config[k] !== undefined && config[k] !== null)
    .sort();
}

/**
 * The group a config belongs to: its fields without the seed, in canonical (sorted) order, as
 * JSON. Field order in the stored config does not matter; any other difference does.
 */
export function groupKey(config: Readonly<Record<string, unknown>>): string {
  return JSON.stringify(groupFields(config).map((k) => [k, config[k]]));
}

export interface Grouped<R> {
  key: string;
  /** In input order. */
  runs: R[];
}

/** Runs grouped by config without the seed; groups in order of their first run. */
export function groupRuns<R extends { config: Readonly<Record<string, unknown>> }>(runs: readonly R[]): Grouped<R>[] {
  const byKey = new Map<string, Grouped<R>>();
  for (const r of runs) {
    const key = groupKey(r.config);
    let g = byKey.get(key);
    if (!g) {
      g = { key, runs: [] };
      byKey.set(key, g);
    }
    g.runs.push(r);
  }
  return [...byKey.values()];
}

/** `count` seeds from `first` (repeats of a run), or the given list, checked: whole, ≥ 0, distinct. */
export function repeatSeeds(opts: { repeats?: number; seeds?: readonly number[]; first?: number }): number[] {
  if (opts.repeats !== undefined && opts.seeds !== undefined) throw new RangeError('give repeats or seeds, not both');
  if (opts.seeds !== undefined) {
    if (opts.seeds.length === 0) throw new RangeError('seeds: give at least one seed');
    for (const s of opts.seeds) {
      if (!Number.isInteger(s) || s < 0 || s > 2 ** 31 - 1) throw new RangeError(`seeds: ${s} is not a whole number from 0 to 2147483647`);
    }
    if (new Set(opts.seeds).size !== opts.seeds.length) throw new RangeError('seeds: each seed at most once (a repeat with the same seed would train the same run)');
    return [...opts.seeds];
  }
  const n = opts.repeats ?? 1;
  if (!Number.isInteger(n) || n < 1 || n > MAX_REPEATS) throw new RangeError(`repeats must be a whole number from 1 to ${MAX_REPEATS}, got ${n}`);
  const first = opts.first ?? 0;
  if (!Number.isInteger(first) || first < 0 || first + n - 1 > 2 ** 31 - 1) throw new RangeError(`seed ${first} cannot start ${n} repeats`);
  return Array.from({ length: n }, (_, i) => first + i);
}

/** More repeats than this is a typo, not an experiment. */
export const MAX_REPEATS = 100;

/** "0,1,2" or "0 1 2" → [0, 1, 2]; a clear error naming the bad entry. */
export function parseSeedList(text: string): number[] {
  const parts = text.split(/[\s,]+/).filter((p) => p !== '');
  const seeds = parts.map((p) => {
    const n = Number(p);
    if (!/^\d+$/.test(p) || !Number.isSafeInteger(n)) throw new RangeError(`seeds: "${p}" is not a whole number ≥ 0`);
    return n;
  });
  return repeatSeeds({ seeds });
}

/** The repeats of one config: the same config once per seed (nothing else differs). */
export function withSeeds<C extends { seed: number }>(config: C, seeds: readonly number[]): C[] {
  return seeds.map((seed) => ({ ...config, seed }));
}

/**
 * A sweep grid with repeats: the seeds become the grid's last field, so the repeats of each
 * combination are queued one after another. A grid that already lists seeds cannot take repeats too.
 */
export function gridWithSeeds<G extends Record<string, unknown>>(grid: G, seeds: readonly number[] | null): G {
  if (seeds === null) return grid;
  if (Object.hasOwn(grid, 'seed')) throw new RangeError('seed: the grid already lists seeds; give repeats or a seed list, not both');
  return { ...grid, seed: [...seeds] };
}

/** A repeat's run name: the given name with its seed, so the repeats are told apart in lists. */
export function repeatName(name: string | undefined, seed: number, count: number): string | undefined {
  const n = name?.trim();
  if (!n || count === 1) return n || undefined;
  return `${n} seed=${seed}`;
}

/**
 * The forms' one "Repeats" field: empty or "1" → one run; a whole number N → N repeats from the
 * config's seed; a list ("0, 1, 2") → those seeds. Throws a RangeError saying what is wrong.
 */
export function parseRepeats(text: string): { repeats?: number; seeds?: number[] } {
  const t = text.trim();
  if (t === '') return {};
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    repeatSeeds({ repeats: n });
    return n === 1 ? {} : { repeats: n };
  }
  return { seeds: parseSeedList(t) };
}
