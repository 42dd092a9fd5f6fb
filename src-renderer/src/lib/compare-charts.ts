/**
 * The compare view's charts as pure option builders: runs in, an ECharts option out. No Svelte,
 * no DOM, no echarts: the colours come in as an argument (chartColors() reads the colour scheme),
 * so the options are unit-tested from test/unit/compare-charts.test.ts.
 *
 * The return types are inferred (string fields that ECharts reads as a kind are `as const`), not
 * ECharts' ChartOption: its declarations do not resolve under the tests' NodeNext resolution. The
 * components hand each option to Chart's `option: ChartOption` prop, so svelte-check still proves
 * every option is one ECharts accepts.
 */

import { paretoSteps, type ParetoResult } from '../../../src-shared/pareto.js';
import { className } from './classes.js';
import { distinctValues, type CompareRun, type EffectGroup } from './compare.js';
import { compact, int, pct } from './format.js';
import { PALETTE, type ChartColors } from './palette.js';

export type { ChartColors };

/** What the scatters need of a run: the compare helpers' fields and the status (a colour choice). */
export interface ScatterRun extends CompareRun {
  status: string;
}

export interface FrontPoint<R extends ScatterRun = ScatterRun> {
  id: string;
  cost: number;
  acc: number | null | undefined;
  run: R;
}

export type CostKind = 'params' | 'macs';

/**
 * Above this many plotted runs the scatters switch to ECharts' large mode on a canvas: small
 * points, no animation, no per-point styles (SVG with one element per point stops being cheap).
 */
export const LARGE_SCATTER = 1500;

export const costOf = (kind: CostKind, r: CompareRun): number => (kind === 'params' ? r.params : r.macsPerImage);

/** The front of accuracy against one cost, as the scatter and the front tables use it. */
export function frontPoints<R extends ScatterRun>(kind: CostKind, runs: readonly R[]): FrontPoint<R>[] {
  return runs.map((r) => ({ id: r.id, cost: costOf(kind, r), acc: r.testAcc, run: r }));
}

/** The value a run is coloured by: its status, or a config field's value (shown as text if not a number or string). */
export function colourOf(r: ScatterRun, colourBy: string): string | number {
  if (colourBy === 'status') return r.status;
  const v = r.config[colourBy];
  return typeof v === 'number' || typeof v === 'string' ? v : String(v);
}

/** The colour categories, in legend order: statuses as they first appear, field values sorted (compare.ts). */
export function colourCategories(runs: readonly ScatterRun[], colourBy: string): (string | number)[] {
  if (colourBy === 'status') return [...new Set(runs.map((r) => r.status))];
  return distinctValues(runs, colourBy);
}

const percent3 = (acc: number | null | undefined): number => +((acc ?? 0) * 100).toFixed(3);
const escapeHtml = (s: string): string => s.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch] ?? ch);

export interface ScatterInput {
  kind: CostKind;
  /** Every run of the comparison; those without an accuracy are not plotted. */
  runs: readonly ScatterRun[];
  front: ParetoResult<FrontPoint>;
  colourBy: string;
  logAxis: boolean;
  colors: ChartColors;
}

/** Test accuracy against parameters or MACs per image, the Pareto front outlined and drawn as a step line. */
export function costScatterOption({ kind, runs, front, colourBy, logAxis, colors: c }: ScatterInput) {
  const withAcc = runs.filter((r) => r.testAcc != null);
  const categories = colourCategories(runs, colourBy);
  // Dominated points: one series per colour, dimmed as a whole (no per-point styles, so
  // thousands of runs stay cheap); front points: one series, outlined, drawn on top.
  const big = withAcc.length > LARGE_SCATTER;
  const catIndex = new Map(categories.map((cat, i) => [String(cat), i]));
  const point = (r: ScatterRun) => ({ value: [costOf(kind, r), percent3(r.testAcc)], id: r.id, name: r.name });
  const dominated = categories.map((cat, i) => ({
    type: 'scatter' as const,
    name: `${colourBy} = ${cat}`,
    data: withAcc.filter((r) => !front.frontIds.has(r.id) && String(colourOf(r, colourBy)) === String(cat)).map(point),
    symbolSize: big ? 5 : 8,
    itemStyle: { color: PALETTE[i % PALETTE.length], opacity: 0.45 },
    emphasis: { scale: 1.6, itemStyle: { opacity: 1 } },
    large: big,
    animation: !big,
  }));
  const onFront = {
    type: 'scatter' as const,
    name: 'on the front',
    data: front.front.map((p) => ({
      ...point(p.run),
      itemStyle: { color: PALETTE[(catIndex.get(String(colourOf(p.run, colourBy))) ?? 0) % PALETTE.length], opacity: 1, borderColor: c.text, borderWidth: 1.5 },
    })),
    symbolSize: 12,
    itemStyle: { color: c.text },
    z: 3,
    animation: !big,
  };
  const maxCost = Math.max(...withAcc.map((r) => costOf(kind, r)), 1);
  const frontLine = {
    type: 'line' as const,
    name: 'Pareto front',
    data: paretoSteps(front.front, maxCost).map(([x, y]) => [x, +(y * 100).toFixed(3)]),
    showSymbol: false,
    lineStyle: { color: c.text, width: 1.5, type: 'solid' as const },
    itemStyle: { color: c.text },
    silent: true,
    z: 1,
    tooltip: { show: false },
  };
  const series = [...dominated, onFront, frontLine];
  const byId = new Map(runs.map((r) => [r.id, r]));
  return {
    grid: { left: 56, right: 20, top: 44, bottom: 48 },
    legend: { type: 'scroll' as const, top: 0, left: 0, right: 0, textStyle: { color: c.muted } },
    tooltip: {
      trigger: 'item' as const,
      formatter: (p: unknown): string => {
        const id = pointId(p);
        const r = id ? byId.get(id) : undefined;
        if (!r) return '';
        return [
          `<b>${escapeHtml(r.name || r.id)}</b>`,
          `accuracy ${pct(r.testAcc)}`,
          `params ${int(r.params)}`,
          `MACs/image ${int(r.macsPerImage)}`,
          `${escapeHtml(colourBy)} = ${escapeHtml(String(colourOf(r, colourBy)))}`,
          front.frontIds.has(r.id) ? '<i>on the Pareto front</i>' : '<i>dominated</i>',
          '<span style="opacity:.7">click to open</span>',
        ].join('<br/>');
      },
    },
    xAxis: {
      type: logAxis ? ('log' as const) : ('value' as const),
      name: kind === 'params' ? 'parameters' : 'MACs per image',
      nameLocation: 'middle' as const,
      nameGap: 28,
      scale: true,
      axisLabel: { color: c.muted, formatter: (v: number) => compact(v) },
      splitLine: { lineStyle: { color: c.grid } },
    },
    yAxis: { type: 'value' as const, name: 'test accuracy (%)', scale: true, axisLabel: { color: c.muted }, splitLine: { lineStyle: { color: c.grid } }, nameTextStyle: { color: c.muted } },
    series,
  };
}

/** The run id a scatter point carries (tooltip and click), if any. */
export function pointId(p: unknown): string | undefined {
  const data = (p as { data?: unknown } | null)?.data;
  const id = (data as { id?: unknown } | null | undefined)?.id;
  return typeof id === 'string' ? id : undefined;
}

export interface PerClassRun {
  id: string;
  name: string;
  perClass: readonly { acc: number | null }[];
}

/** At most this many runs get a bar each per class; more would be unreadable (the table shows them all). */
export const MAX_PER_CLASS_BARS = 8;

/** Per-class test accuracy, one bar per run and class (the first MAX_PER_CLASS_BARS runs). */
export function perClassOption(runs: readonly PerClassRun[], dataset: string | undefined, c: ChartColors) {
  const classCount = Math.max(0, ...runs.map((d) => d.perClass.length));
  return {
    grid: { left: 48, right: 16, top: 36, bottom: 64 },
    legend: { type: 'scroll' as const, top: 0, textStyle: { color: c.muted } },
    tooltip: { trigger: 'axis' as const, axisPointer: { type: 'shadow' as const }, valueFormatter: (v: unknown): string => (typeof v === 'number' ? `${v.toFixed(2)} %` : String(v)) },
    xAxis: { type: 'category' as const, data: Array.from({ length: classCount }, (_, k) => `${k} ${className(dataset, k)}`), axisLabel: { color: c.text, rotate: 30, interval: 0 } },
    yAxis: { type: 'value' as const, scale: true, axisLabel: { color: c.muted, formatter: '{value} %' }, splitLine: { lineStyle: { color: c.grid } } },
    series: runs.slice(0, MAX_PER_CLASS_BARS).map((d, i) => ({
      type: 'bar' as const,
      name: d.name || d.id,
      data: d.perClass.map((p) => (p.acc == null ? null : +(p.acc * 100).toFixed(2))),
      itemStyle: { color: PALETTE[i % PALETTE.length] },
    })),
  };
}

const percentOrNull = (acc: number | null): number | null => (acc == null ? null : percent3(acc));

/**
 * Accuracy against one field's values: every run as a point, the mean per value as a line between
 * dotted min and max, and the mean MACs per image on a second (log) axis.
 */
export function effectOption(runs: readonly CompareRun[], field: string, effects: readonly EffectGroup[], c: ChartColors) {
  const points: [string, number][] = runs.filter((r) => r.testAcc != null).map((r) => [String(r.config[field]), percent3(r.testAcc)]);
  return {
    grid: { left: 56, right: 64, top: 40, bottom: 40 },
    legend: { top: 0, textStyle: { color: c.muted } },
    tooltip: { trigger: 'axis' as const },
    xAxis: { type: 'category' as const, data: effects.map((g) => String(g.value)), name: field, nameLocation: 'middle' as const, nameGap: 26, axisLabel: { color: c.text } },
    yAxis: [
      { type: 'value' as const, name: 'accuracy (%)', scale: true, axisLabel: { color: c.muted }, splitLine: { lineStyle: { color: c.grid } }, nameTextStyle: { color: c.muted } },
      { type: 'log' as const, name: 'MACs / image', axisLabel: { color: c.muted, formatter: (v: number) => compact(v) }, splitLine: { show: false }, nameTextStyle: { color: c.muted } },
    ],
    series: [
      { type: 'scatter' as const, name: 'runs', data: points, symbolSize: 6, itemStyle: { color: PALETTE[0], opacity: 0.4 } },
      { type: 'line' as const, name: 'max', data: effects.map((g) => percentOrNull(g.maxAcc)), lineStyle: { type: 'dotted' as const, width: 1 }, itemStyle: { color: PALETTE[0] }, showSymbol: false },
      { type: 'line' as const, name: 'mean accuracy', data: effects.map((g) => percentOrNull(g.meanAcc)), lineStyle: { width: 2.5 }, symbolSize: 8, itemStyle: { color: PALETTE[0] } },
      { type: 'line' as const, name: 'min', data: effects.map((g) => percentOrNull(g.minAcc)), lineStyle: { type: 'dotted' as const, width: 1 }, itemStyle: { color: PALETTE[0] }, showSymbol: false },
      { type: 'line' as const, name: 'MACs / image', yAxisIndex: 1, data: effects.map((g) => g.meanMacs), lineStyle: { type: 'dashed' as const }, itemStyle: { color: PALETTE[1] } },
    ],
  };
}
