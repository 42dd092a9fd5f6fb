import { describe, expect, it } from 'vitest';
import { nextSort } from '../../src-renderer/src/lib/runs/columns.js';
import { filterRecord, filterValue, withFilter, type FieldFilter } from '../../src-renderer/src/lib/runs/filters.js';
import { clampRow, gridCommand, rowsPerPage } from '../../src-renderer/src/lib/runs/grid-keys.js';
import { loadedIds, rangeOf, rangeSelects } from '../../src-renderer/src/lib/runs/range.js';

/** The runs table's pure parts (src-renderer/src/lib/runs): every expectation is written out by hand. */

const f = (field: string, op: FieldFilter['op'], value: string): FieldFilter => ({ field, op, value });

describe('filter → query', () => {
  it('reads a number where the text is one, else keeps the trimmed text', () => {
    expect(filterValue(' 4 ')).toBe(4);
    expect(filterValue('1e-3')).toBe(0.001);
    expect(filterValue(' gelu ')).toBe('gelu');
    expect(filterValue('  ')).toBe('');
  });

  it('= is a value, in a list without blanks, ≥ and ≤ of one field one range', () => {
    expect(filterRecord([f('depth', '=', '2'), f('activation', '=', 'gelu')])).toEqual({ depth: 2, activation: 'gelu' });
    expect(filterRecord([f('heads', 'in', '2, 4,,8 ')])).toEqual({ heads: [2, 4, 8] });
    expect(filterRecord([f('testAcc', '≥', '0.8'), f('testAcc', '≤', '0.9'), f('dim', '≤', '64')])).toEqual({ testAcc: { min: 0.8, max: 0.9 }, dim: { max: 64 } });
    expect(filterRecord([])).toEqual({});
  });

  it('a later = replaces an earlier range of the same field in the record', () => {
    expect(filterRecord([f('depth', '≥', '2'), f('depth', '=', '4')])).toEqual({ depth: 4 });
  });
});

describe('adding a filter', () => {
  it('nothing typed adds nothing; a bound that is not a number is refused with the operator named', () => {
    expect(withFilter([], f('depth', '=', '  '))).toBeNull();
    expect(withFilter([], f('depth', '≥', 'two'))).toEqual({ ok: false, error: '≥ needs a number' });
  });

  it('a lower and an upper bound of one field stay together; a second lower bound replaces the first', () => {
    const lo = f('depth', '≥', '2');
    const hi = f('depth', '≤', '6');
    const both = withFilter([lo], hi);
    expect(both).toEqual({ ok: true, filters: [lo, hi] });
    expect(withFilter([lo, hi], f('depth', '≥', '3'))).toEqual({ ok: true, filters: [hi, f('depth', '≥', '3')] });
  });

  it('= or in replaces every filter of its field, and a bound replaces an = of its field; other fields stay', () => {
    const other = f('heads', '=', '4');
    expect(withFilter([f('depth', '≥', '2'), other, f('depth', '≤', '6')], f('depth', 'in', '2,4'))).toEqual({ ok: true, filters: [other, f('depth', 'in', '2,4')] });
    expect(withFilter([f('depth', '=', '2'), other], f('depth', '≤', '6'))).toEqual({ ok: true, filters: [other, f('depth', '≤', '6')] });
  });
});

describe('sorting by a column header', () => {
  it('a new column starts descending for accuracy, sizes and dates, ascending otherwise; the same column flips', () => {
    expect(nextSort({ sort: 'createdAt', dir: 'desc' }, 'testAcc')).toEqual({ sort: 'testAcc', dir: 'desc' });
    expect(nextSort({ sort: 'createdAt', dir: 'desc' }, 'name')).toEqual({ sort: 'name', dir: 'asc' });
    expect(nextSort({ sort: 'depth', dir: 'asc' }, 'params')).toEqual({ sort: 'params', dir: 'desc' });
    expect(nextSort({ sort: 'name', dir: 'asc' }, 'name')).toEqual({ sort: 'name', dir: 'desc' });
    expect(nextSort({ sort: 'testAcc', dir: 'desc' }, 'testAcc')).toEqual({ sort: 'testAcc', dir: 'asc' });
  });
});

describe('keyboard navigation of the grid', () => {
  it('arrows move one row, pages by a screenful, Home and End to the ends, clamped to the rows there are', () => {
    // 50 rows, row 10 active, 12 rows to a page.
    const at = (key: string) => gridCommand(key, false, 10, 50, 12);
    expect(at('ArrowDown')).toEqual({ kind: 'focus', index: 11 });
    expect(at('ArrowUp')).toEqual({ kind: 'focus', index: 9 });
    expect(at('PageDown')).toEqual({ kind: 'focus', index: 22 });
    expect(at('PageUp')).toEqual({ kind: 'focus', index: 0 });
    expect(at('Home')).toEqual({ kind: 'focus', index: 0 });
    expect(at('End')).toEqual({ kind: 'focus', index: 49 });
    expect(gridCommand('ArrowDown', false, 49, 50, 12)).toEqual({ kind: 'focus', index: 49 });
    expect(gridCommand('PageDown', false, 45, 50, 12)).toEqual({ kind: 'focus', index: 49 });
  });

  it('Space toggles (Shift: a range), Enter opens, other keys do nothing', () => {
    expect(gridCommand(' ', false, 3, 50, 12)).toEqual({ kind: 'toggle', shift: false });
    expect(gridCommand(' ', true, 3, 50, 12)).toEqual({ kind: 'toggle', shift: true });
    expect(gridCommand('Enter', false, 3, 50, 12)).toEqual({ kind: 'open' });
    expect(gridCommand('a', false, 3, 50, 12)).toBeNull();
    expect(gridCommand('Tab', false, 3, 50, 12)).toBeNull();
  });

  it('with no rows the active row is 0; a page is the rows that fit less one, at least one', () => {
    expect(clampRow(5, 0)).toBe(0);
    expect(clampRow(-3, 10)).toBe(0);
    expect(gridCommand('End', false, 0, 0, 12)).toEqual({ kind: 'focus', index: 0 });
    // 600 px / 34 px rows = 17 whole rows, less one kept in view.
    expect(rowsPerPage(600, 34)).toBe(16);
    expect(rowsPerPage(40, 34)).toBe(1);
    expect(rowsPerPage(0, 34)).toBe(1);
  });
});

describe('range selection', () => {
  it('covers the rows between anchor and click either way round', () => {
    expect(rangeOf(7, 3)).toEqual({ lo: 3, hi: 7 });
    expect(rangeOf(3, 7)).toEqual({ lo: 3, hi: 7 });
    expect(rangeOf(5, 5)).toEqual({ lo: 5, hi: 5 });
  });

  it('clears only when the anchor is cleared and the clicked row selected; an unloaded anchor selects', () => {
    expect(rangeSelects(true, false)).toBe(true);
    expect(rangeSelects(true, true)).toBe(true);
    expect(rangeSelects(false, false)).toBe(true);
    expect(rangeSelects(false, true)).toBe(false);
    expect(rangeSelects(null, true)).toBe(true);
    expect(rangeSelects(null, false)).toBe(true);
  });

  it('gives the ids of loaded rows in order, or null when one row of the range is missing', () => {
    const rows = new Map([0, 1, 2, 4].map((i) => [i, { id: `r${i}` }]));
    const at = (i: number) => rows.get(i);
    expect(loadedIds(at, 0, 2)).toEqual(['r0', 'r1', 'r2']);
    expect(loadedIds(at, 1, 4)).toBeNull();
    expect(loadedIds(at, 4, 4)).toEqual(['r4']);
  });
});
