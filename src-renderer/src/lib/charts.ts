import {
  BarChart,
  CustomChart,
  HeatmapChart,
  LineChart,
  ParallelChart,
  ScatterChart,
  type BarSeriesOption,
  type CustomSeriesOption,
  type HeatmapSeriesOption,
  type LineSeriesOption,
  type ScatterSeriesOption,
} from 'echarts/charts';
import {
  AriaComponent,
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  ParallelComponent,
  TitleComponent,
  TooltipComponent,
  VisualMapContinuousComponent,
  VisualMapPiecewiseComponent,
  type DataZoomComponentOption,
  type GridComponentOption,
  type LegendComponentOption,
  type TitleComponentOption,
  type TooltipComponentOption,
  type VisualMapComponentOption,
} from 'echarts/components';
import type { EChartsOption } from 'echarts';
import * as echarts from 'echarts/core';
import { CanvasRenderer, SVGRenderer } from 'echarts/renderers';

// Only what the dashboard draws: line, scatter, bar and heatmap on a grid, rendered as SVG (crisp
// in screenshots, each point an element tests can see), or on a canvas for thousands of points.
echarts.use([
  LineChart,
  ScatterChart,
  BarChart,
  HeatmapChart,
  // Error bars of group means (custom) and config fields → accuracy (parallel coordinates).
  CustomChart,
  ParallelChart,
  ParallelComponent,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  TitleComponent,
  VisualMapContinuousComponent,
  VisualMapPiecewiseComponent,
  DataZoomComponent,
  MarkLineComponent,
  AriaComponent,
  SVGRenderer,
  CanvasRenderer,
]);

export type ChartOption = echarts.ComposeOption<
  | LineSeriesOption
  | ScatterSeriesOption
  | BarSeriesOption
  | HeatmapSeriesOption
  | CustomSeriesOption
  | GridComponentOption
  | TooltipComponentOption
  | LegendComponentOption
  | TitleComponentOption
  | VisualMapComponentOption
  | DataZoomComponentOption
>;

/**
 * Parallel coordinates take echarts' full option type: ComposeOption over both parallel and
 * grid components loses the grid's fields (the union widens `grid` into axis options).
 */
export type ParallelOption = EChartsOption;

export { echarts };

/** A categorical palette readable on light and dark backgrounds. */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#9c755f', '#8cd17d', '#499894', '#d37295'];

export const prefersDark = (): boolean => typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches;

/** Axis and text colours for the current scheme. */
export function chartColors(): { text: string; muted: string; line: string; grid: string } {
  return prefersDark()
    ? { text: '#e6e6e6', muted: '#a0a0a8', line: '#55555c', grid: '#333338' }
    : { text: '#1f1f24', muted: '#5c5c66', line: '#b8b8c0', grid: '#e6e6ea' };
}
