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

// The colours live apart from echarts so that pure option builders (compare-charts.ts) and
// their unit tests load without it.
export { chartColors, PALETTE, prefersDark, type ChartColors } from './palette';
