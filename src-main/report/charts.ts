/**
 * Report charts as inline SVG, rendered in Node by ECharts' server-side renderer: no DOM, no
 * scripts, no network. ECharts escapes every text it writes (series names, labels), so run names
 * are safe inside the SVG.
 */
import * as chartsModule from 'echarts/charts';
import * as componentsModule from 'echarts/components';
import * as coreModule from 'echarts/core';
import * as renderersModule from 'echarts/renderers';
import type { RunDetail } from '../store/types.js';
import { classNames, type Comparison } from './data.js';
import { compact } from './format.js';
import { paretoSteps } from '../../src-shared/pareto.js';

// echarts' subpath typings re-export without file extensions, which NodeNext resolution cannot
// follow; the runtime modules are the ones the typings under types/dist describe. These four casts
// stay: mapping the subpaths to those typings with tsconfig `paths` type-checks, but tsx (bin/vitlab.js)
// applies `paths` at run time too and then loads the .d.ts files (vitlab export --format html failed).
// An assignment instead of a cast does not compile: the modules' own types are empty.
const echarts = coreModule as unknown as typeof import('echarts/types/dist/core');
const { BarChart, LineChart, ScatterChart } = chartsModule as unknown as typeof import('echarts/types/dist/charts');
const { GridComponent, LegendComponent, MarkLineComponent, TitleComponent } = componentsModule as unknown as typeof import('echarts/types/dist/components');
const { SVGRenderer } = renderersModule as unknown as typeof import('echarts/types/dist/renderers');

echarts.use([LineChart, ScatterChart, BarChart, GridComponent, LegendComponent, TitleComponent, MarkLineComponent, SVGRenderer]);

/** The dashboard's palette (src-renderer/src/lib/charts.ts), so exported charts look like the app's. */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#9c755f', '#8cd17d', '#499894', '#d37295'];
const FONT = 'Helvetica, Arial, sans-serif';
const TEXT = '#1f2937';
const MUTED = '#6b7280';
const GRID = '#e5e7eb';
const AXIS = '#9ca3af';

type Option = Record<string, unknown>;

/** Renders one chart to an SVG string; the chart is always disposed (a live one keeps Node running). */
export function renderSvg(option: Option, width: number, height: number): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ animation: false, textStyle: { fontFamily: FONT, color: TEXT }, color: PALETTE, ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

const title = (text: string) => ({ text, left: 0, top: 0, textStyle: { fontSize: 13, fontWeight: 600, color: TEXT, fontFamily: FONT } });
const legend = { top: 0, right: 0, itemWidth: 14, itemHeight: 8, textStyle: { fontSize: 11, color: MUTED } };

function valueAxis(name: string, extra: Option = {}): Option {
  return {
    type: 'value',
    name,
    nameLocation: 'middle',
    nameGap: 34,
    nameTextStyle: { color: MUTED, fontSize: 11 },
    axisLine: { show: true, lineStyle: { color: AXIS } },
    axisTick: { show: true, lineStyle: { color: AXIS } },
    axisLabel: { color: MUTED, fontSize: 10 },
    splitLine: { lineStyle: { color: GRID } },
    ...extra,
  };
}

/** Loss and accuracy per epoch, train and test: two charts. */
export function trainingCharts(run: RunDetail): { loss: string; acc: string } | null {
  if (run.epochs.length === 0) return null;
  const epochs = run.epochs;
  const xAxis = valueAxis('epoch', { min: epochs.length > 1 ? epochs[0].epoch : 0, max: epochs[epochs.length - 1].epoch, minInterval: 1 });
  const grid = { left: 52, right: 14, top: 40, bottom: 44 };
  const line = (name: string, data: [number, number | null][], color: string, dashed = false) => ({
    name,
    type: 'line',
    data,
    showSymbol: epochs.length <= 30,
    symbolSize: 5,
    color,
    lineStyle: { width: 2, type: dashed ? 'dashed' : 'solid' },
    connectNulls: false,
  });
  const loss = renderSvg(
    {
      title: title('Loss'),
      legend,
      grid,
      xAxis,
      yAxis: valueAxis('cross-entropy', { scale: true, nameGap: 40 }),
      series: [
        line('train', epochs.map((e) => [e.epoch, e.trainLoss]), PALETTE[0], true),
        line('test', epochs.map((e) => [e.epoch, e.testLoss]), PALETTE[1]),
      ],
    },
    420,
    260,
  );
  const acc = renderSvg(
    {
      title: title('Accuracy'),
      legend,
      grid,
      xAxis,
      yAxis: valueAxis('accuracy (%)', { scale: true, nameGap: 40, axisLabel: { color: MUTED, fontSize: 10 } }),
      series: [
        line('train', epochs.map((e) => [e.epoch, round2(100 * e.trainAcc)]), PALETTE[0], true),
        line('test', epochs.map((e) => [e.epoch, round2(100 * e.testAcc)]), PALETTE[1]),
      ],
    },
    420,
    260,
  );
  return { loss, acc };
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** Per-class test accuracy as horizontal bars. */
export function perClassChart(run: RunDetail): string | null {
  if (run.perClass.length === 0) return null;
  const names = classNames(run);
  const rows = [...run.perClass].reverse();
  const accs = rows.map((c) => (c.acc == null ? 0 : round2(100 * c.acc)));
  const min = Math.max(0, Math.floor((Math.min(...accs) - 5) / 10) * 10);
  return renderSvg(
    {
      title: title('Test accuracy per class'),
      grid: { left: 96, right: 56, top: 32, bottom: 36 },
      xAxis: valueAxis('accuracy (%)', { min, max: 100, nameGap: 24 }),
      yAxis: {
        type: 'category',
        data: rows.map((c) => `${c.class} ${names[c.class] ?? ''}`.trim()),
        axisLabel: { color: TEXT, fontSize: 10 },
        axisLine: { lineStyle: { color: AXIS } },
        axisTick: { show: false },
      },
      series: [
        {
          type: 'bar',
          data: accs,
          barWidth: '62%',
          itemStyle: { color: PALETTE[0], borderRadius: [0, 2, 2, 0] },
          label: { show: true, position: 'right', fontSize: 10, color: MUTED, formatter: (p: { value: number }) => `${p.value.toFixed(2)}%` },
        },
      ],
    },
    420,
    Math.max(200, 60 + 22 * rows.length),
  );
}

/**
 * Accuracy against cost (MACs per image or parameters) for a comparison: every run a labelled
 * point, the Pareto front a step line, the baseline ringed.
 */
export function paretoChart(cmp: Comparison, which: 'macs' | 'params'): string | null {
  const pts = cmp.runs.filter((c) => c.acc != null);
  if (pts.length === 0) return null;
  const costOf = (c: (typeof cmp.runs)[number]) => (which === 'macs' ? c.cost.macs.perImage : c.cost.params.total);
  const pareto = which === 'macs' ? cmp.paretoMacs : cmp.paretoParams;
  const xs = pts.map(costOf);
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  const useLog = hi / Math.max(lo, 1) > 20;
  const accs = pts.map((c) => 100 * (c.acc as number));
  const [yMin, yMax] = accRange(accs);
  const pad = useLog ? 1 : 0;
  const xMin = useLog ? lo / 1.6 : Math.max(0, lo - (hi - lo) * 0.12 - (hi === lo ? lo * 0.2 : 0));
  const xMax = useLog ? hi * 1.6 : hi + (hi - lo) * 0.12 + (hi === lo ? hi * 0.2 : 0) + pad;
  const label = which === 'macs' ? 'MACs per image' : 'parameters';
  const steps = paretoSteps(
    pareto.front.map((p) => ({ ...p, acc: round2(100 * (p.acc as number)) })),
    xMax,
  );
  const point = (c: (typeof cmp.runs)[number]) => ({
    value: [costOf(c), round2(100 * (c.acc as number))],
    name: c.run.name,
  });
  const front = pts.filter((c) => pareto.frontIds.has(c.run.id));
  const others = pts.filter((c) => !pareto.frontIds.has(c.run.id));
  const labelled = pts.length <= 16;
  // Crowded points: labels move apart vertically, and the ones that still collide are dropped.
  const labelLayout = { moveOverlap: 'shiftY', hideOverlap: true };
  const pointLabel = { show: labelled, position: 'right', distance: 6, fontSize: 10, color: TEXT, backgroundColor: 'rgba(255,255,255,0.85)', padding: [1, 3], formatter: (p: { name: string }) => truncate(p.name, 22) };
  return renderSvg(
    {
      title: title(`Accuracy vs ${label}`),
      legend: { ...legend, top: 24, left: 0, right: 'auto', data: ['Pareto front', 'on the front', 'dominated', 'baseline'] },
      grid: { left: 58, right: 84, top: 58, bottom: 46 },
      xAxis: valueAxis(`${label}${useLog ? ' (log scale)' : ''}`, {
        ...(useLog ? { type: 'log', logBase: 10 } : {}),
        min: xMin,
        max: xMax,
        // The padded axis ends on an odd number: leave its label out.
        axisLabel: { color: MUTED, fontSize: 10, formatter: (v: number) => compact(v), showMaxLabel: false },
        nameGap: 28,
      }),
      yAxis: valueAxis('test accuracy (%)', { min: yMin, max: yMax, nameGap: 36 }),
      series: [
        { name: 'Pareto front', type: 'line', data: steps, showSymbol: false, color: PALETTE[3], lineStyle: { width: 2, color: PALETTE[3] }, silent: true },
        { name: 'on the front', type: 'scatter', data: front.map(point), symbolSize: 10, color: PALETTE[3], label: pointLabel, labelLayout },
        { name: 'dominated', type: 'scatter', data: others.map(point), symbolSize: 8, color: '#9ca3af', label: pointLabel, labelLayout },
        {
          name: 'baseline',
          type: 'scatter',
          data: cmp.baseline.acc != null ? [point(cmp.baseline)] : [],
          symbol: 'circle',
          symbolSize: 18,
          itemStyle: { color: 'rgba(0,0,0,0)', borderColor: PALETTE[2], borderWidth: 2 },
          color: PALETTE[2],
          z: 1,
        },
      ],
    },
    420,
    330,
  );
}

/** Test accuracy per epoch, one line per run. */
export function comparisonCurves(cmp: Comparison): string | null {
  const runs = cmp.runs.filter((c) => c.run.epochs.length > 0);
  if (runs.length === 0 || runs.length > PALETTE.length) return null;
  const all = runs.flatMap((c) => c.run.epochs.map((e) => 100 * e.testAcc));
  const maxEpoch = Math.max(...runs.flatMap((c) => c.run.epochs.map((e) => e.epoch)));
  return renderSvg(
    {
      title: title('Test accuracy per epoch'),
      legend: { ...legend, top: 22, left: 0, right: 'auto', type: 'plain', formatter: (n: string) => truncate(n, 32) },
      grid: { left: 56, right: 20, top: 22 + 22 * Math.ceil(runs.length / 4) + 20, bottom: 44 },
      xAxis: valueAxis('epoch', { min: 1, max: Math.max(2, maxEpoch), minInterval: 1 }),
      yAxis: valueAxis('test accuracy (%)', { min: accRange(all)[0], max: accRange(all)[1], nameGap: 36 }),
      series: runs.map((c, i) => ({
        name: c.run.name,
        type: 'line',
        data: c.run.epochs.map((e) => [e.epoch, round2(100 * e.testAcc)]),
        showSymbol: c.run.epochs.length <= 30,
        symbolSize: 4,
        color: PALETTE[i % PALETTE.length],
        lineStyle: { width: 2 },
      })),
    },
    860,
    300 + 22 * Math.ceil(runs.length / 3),
  );
}

/** An accuracy axis (percent) with some room around the points, ending on round numbers. */
function accRange(values: number[]): [number, number] {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const step = hi - lo > 20 ? 10 : hi - lo > 8 ? 5 : 2;
  return [Math.max(0, Math.floor((lo - 1) / step) * step), Math.min(100, Math.ceil((hi + 0.5) / step) * step)];
}

function truncate(s: string, n: number): string {
  const chars = [...s];
  return chars.length > n ? `${chars.slice(0, n - 1).join('')}…` : s;
}
