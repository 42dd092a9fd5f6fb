/** The dashboard's chart colours: a categorical palette and the axis colours of the current scheme. */

/** A categorical palette readable on light and dark backgrounds. */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#9c755f', '#8cd17d', '#499894', '#d37295'];

export const prefersDark = (): boolean => typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches;

/** The axis and text colours of one colour scheme. */
export interface ChartColors {
  text: string;
  muted: string;
  line: string;
  grid: string;
}

/** Axis and text colours for the current scheme. */
export function chartColors(): ChartColors {
  return prefersDark()
    ? { text: '#e6e6e6', muted: '#a0a0a8', line: '#55555c', grid: '#333338' }
    : { text: '#1f1f24', muted: '#5c5c66', line: '#b8b8c0', grid: '#e6e6ea' };
}
