import { describe, expect, it } from 'vitest';
import { paretoFront } from '../../src-shared/pareto.js';
import { PALETTE } from '../../src-renderer/src/lib/palette.js';
import { effectGroups } from '../../src-renderer/src/lib/compare.js';
import {
  colourCategories,
  costScatterOption,
  effectOption,
  frontPoints,
  LARGE_SCATTER,
  perClassOption,
  pointId,
  type ChartColors,
  type CostKind,
  type ScatterRun,
} from '../../src-renderer/src/lib/compare-charts.js';

/** The compare view's chart options, built from a few runs; every expectation is worked out by hand in a comment. */

const colors: ChartColors = { text: '#text', muted: '#muted', line: '#line', grid: '#grid' };

const run = (id: string, params: number, macsPerImage: number, testAcc: number | null, config: Record<string, unknown>, status = 'completed'): ScatterRun => ({
  id,
  name: id,
  status,
  config,
  testAcc,
  params,
  macsPerImage,
});

// By params: d has no accuracy (not plotted, not on the front); a (100, 80 %) and b (200, 90 %)
// are on the front; c (300, 85 %) costs more than b and is less accurate: dominated.
// By MACs: b (500, 90 %) is cheapest and best, so a (1000) and c (3000) are both dominated.
const RUNS = [run('a', 100, 1000, 0.8, { depth: 2 }), run('b', 200, 500, 0.9, { depth: 4 }), run('c', 300, 3000, 0.85, { depth: 4 }), run('d', 50, 100, null, { depth: 2 }, 'running')];

type Series = { type: string; name: string; data: unknown[]; symbolSize?: number; large?: boolean; animation?: boolean; itemStyle?: { color?: string } };

function scatter(kind: CostKind, opts: { colourBy?: string; logAxis?: boolean; runs?: ScatterRun[] } = {}) {
  const runs = opts.runs ?? RUNS;
  const option = costScatterOption({ kind, runs, front: paretoFront(frontPoints(kind, runs)), colourBy: opts.colourBy ?? 'depth', logAxis: opts.logAxis ?? true, colors });
  return { option, series: option.series as Series[] };
}

describe('costScatterOption', () => {
  it('draws dominated runs per colour, the front outlined on top, and the front as a step line to the widest cost', () => {
    const { series } = scatter('params');
    expect(series.map((s) => `${s.type}:${s.name}`)).toEqual(['scatter:depth = 2', 'scatter:depth = 4', 'scatter:on the front', 'line:Pareto front']);
    // depth 2: a is on the front and d has no accuracy, so nothing dominated is left.
    expect(series[0]!.data).toEqual([]);
    expect(series[1]!.data).toEqual([{ value: [300, 85], id: 'c', name: 'c' }]);
    // Front points keep their category's colour: a is depth 2 (first), b depth 4 (second).
    expect(series[2]!.data).toEqual([
      { value: [100, 80], id: 'a', name: 'a', itemStyle: { color: PALETTE[0], opacity: 1, borderColor: '#text', borderWidth: 1.5 } },
      { value: [200, 90], id: 'b', name: 'b', itemStyle: { color: PALETTE[1], opacity: 1, borderColor: '#text', borderWidth: 1.5 } },
    ]);
    // Steps: 80 % from a's cost until b's, then 90 % up to c's cost (300, the widest plotted).
    expect(series[3]!.data).toEqual([
      [100, 80],
      [200, 80],
      [200, 90],
      [300, 90],
    ]);
  });

  it('uses the MACs per image for the MACs chart, where the one cheapest and best run is the whole front', () => {
    const { option, series } = scatter('macs');
    expect(series[2]!.data).toEqual([expect.objectContaining({ id: 'b', value: [500, 90] })]);
    expect(series[0]!.data).toEqual([{ value: [1000, 80], id: 'a', name: 'a' }]);
    expect(series[1]!.data).toEqual([{ value: [3000, 85], id: 'c', name: 'c' }]);
    expect(series[3]!.data).toEqual([
      [500, 90],
      [3000, 90],
    ]);
    expect((option.xAxis as { name: string }).name).toBe('MACs per image');
  });

  it('colours by status in order of first appearance, and switches the cost axis between log and linear', () => {
    const { option, series } = scatter('params', { colourBy: 'status', logAxis: false });
    expect(series.slice(0, 2).map((s) => s.name)).toEqual(['status = completed', 'status = running']);
    expect((option.xAxis as { type: string; name: string }).type).toBe('value');
    expect((option.xAxis as { name: string }).name).toBe('parameters');
    expect((scatter('params').option.xAxis as { type: string }).type).toBe('log');
  });

  it('says in the tooltip what a point is, escaping names, and nothing for a point without a run', () => {
    const runs = [...RUNS, run('<e>', 400, 4000, 0.5, { depth: 4 })];
    const { option } = scatter('params', { runs });
    const format = (option.tooltip as { formatter: (p: unknown) => string }).formatter;
    const c = format({ data: { id: 'c' } });
    expect(c.split('<br/>')).toEqual(['<b>c</b>', 'accuracy 85.00 %', 'params 300', 'MACs/image 3,000', 'depth = 4', '<i>dominated</i>', '<span style="opacity:.7">click to open</span>']);
    expect(format({ data: { id: 'a' } })).toContain('<i>on the Pareto front</i>');
    expect(format({ data: { id: '<e>' } })).toContain('<b>&lt;e&gt;</b>');
    expect(format({ data: [200, 90] })).toBe('');
    expect(format({ data: { id: 'gone' } })).toBe('');
  });

  it(`goes to large mode (small points, no animation) above ${LARGE_SCATTER} plotted runs only`, () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => run(`r${i}`, 100 + i, 1000 + i, 0.5, { depth: 2 }));
    const at = scatter('params', { runs: many(LARGE_SCATTER) }).series[0]!;
    expect([at.symbolSize, at.large, at.animation]).toEqual([8, false, true]);
    const above = scatter('params', { runs: many(LARGE_SCATTER + 1) }).series[0]!;
    expect([above.symbolSize, above.large, above.animation]).toEqual([5, true, false]);
  });
});

describe('colourCategories and pointId', () => {
  it('lists field values sorted (numbers first) and reads a point id only when it is a string', () => {
    expect(colourCategories([run('x', 1, 1, 1, { act: 'relu' }), run('y', 1, 1, 1, { act: 'gelu' })], 'act')).toEqual(['gelu', 'relu']);
    expect(pointId({ data: { id: 'a' } })).toBe('a');
    expect(pointId({ data: { id: 7 } })).toBeUndefined();
    expect(pointId({ data: null })).toBeUndefined();
    expect(pointId(null)).toBeUndefined();
  });
});

describe('perClassOption', () => {
  it('names each class by index and data set, one bar series per run (8 at most), accuracy in percent', () => {
    const runs = Array.from({ length: 9 }, (_, i) => ({ id: `r${i}`, name: i === 0 ? '' : `run ${i}`, perClass: [{ acc: 0.5 }, { acc: null }, { acc: 0.1234 }] }));
    const option = perClassOption(runs, 'fashion-mnist', colors);
    expect((option.xAxis as { data: string[] }).data).toEqual(['0 T-shirt/top', '1 Trouser', '2 Pullover']);
    const series = option.series as Series[];
    expect(series).toHaveLength(8);
    // A run without a name is labelled by its id.
    expect(series.map((s) => s.name).slice(0, 2)).toEqual(['r0', 'run 1']);
    expect(series[0]!.data).toEqual([50, null, 12.34]);
    expect(series.map((s) => s.itemStyle?.color)).toEqual(PALETTE.slice(0, 8));
  });

  it('has as many categories as the run with the most classes', () => {
    const option = perClassOption([{ id: 'a', name: 'a', perClass: [{ acc: 1 }] }, { id: 'b', name: 'b', perClass: [{ acc: 1 }, { acc: 1 }] }], 'mnist', colors);
    // MNIST's class names are the digits themselves, so the label says "Class k".
    expect((option.xAxis as { data: string[] }).data).toEqual(['0 Class 0', '1 Class 1']);
  });
});

describe('effectOption', () => {
  it('plots every run with an accuracy, the mean per value between dotted min and max, and the mean MACs on a log axis', () => {
    // depth 2: 80 % and 70 % (mean 75), MACs 1000 and 3000 (mean 2000); depth 4: 90 % and an
    // unfinished run, MACs 500 and 1500 (mean 1000, both count towards the cost).
    const runs = [run('a', 1, 1000, 0.8, { depth: 2 }), run('b', 1, 3000, 0.7, { depth: 2 }), run('c', 1, 500, 0.9, { depth: 4 }), run('d', 1, 1500, null, { depth: 4 })];
    const option = effectOption(runs, 'depth', effectGroups(runs, 'depth'), colors);
    expect((option.xAxis as { data: string[]; name: string }).data).toEqual(['2', '4']);
    expect((option.xAxis as { name: string }).name).toBe('depth');
    const byName = Object.fromEntries((option.series as Series[]).map((s) => [s.name, s.data]));
    expect(byName.runs).toEqual([
      ['2', 80],
      ['2', 70],
      ['4', 90],
    ]);
    expect(byName['mean accuracy']).toEqual([75, 90]);
    expect(byName.max).toEqual([80, 90]);
    expect(byName.min).toEqual([70, 90]);
    expect(byName['MACs / image']).toEqual([2000, 1000]);
    expect((option.yAxis as { type: string }[]).map((a) => a.type)).toEqual(['value', 'log']);
  });

  it('leaves a gap where no run of a value has an accuracy', () => {
    const runs = [run('a', 1, 1, 0.5, { depth: 2 }), run('b', 1, 1, null, { depth: 4 })];
    const byName = Object.fromEntries((effectOption(runs, 'depth', effectGroups(runs, 'depth'), colors).series as Series[]).map((s) => [s.name, s.data]));
    expect(byName['mean accuracy']).toEqual([50, null]);
    expect(byName.min).toEqual([50, null]);
  });
});
