import { PNG } from 'pngjs';

/**
 * Pixel-by-pixel comparison of two screenshots. A pixel differs when any channel differs by more
 * than `tolerance` (0–255); 0 means exact. Different sizes are a difference of every pixel of the
 * larger picture (a layout change, never anti-aliasing).
 */
export interface PngDiff {
  width: number;
  height: number;
  sameSize: boolean;
  differing: number;
  /** The smallest rectangle holding every differing pixel (inclusive), null when none differ. */
  box: { x0: number; y0: number; x1: number; y1: number } | null;
  /** The before picture dimmed, with the differing pixels in red; null when the sizes differ. */
  image: PNG | null;
}

export function diffPng(a: PNG, b: PNG, tolerance = 0): PngDiff {
  if (a.width !== b.width || a.height !== b.height) {
    const width = Math.max(a.width, b.width);
    const height = Math.max(a.height, b.height);
    return { width, height, sameSize: false, differing: width * height, box: { x0: 0, y0: 0, x1: width - 1, y1: height - 1 }, image: null };
  }
  const { width, height } = a;
  const out = new PNG({ width, height });
  let differing = 0;
  let box: PngDiff['box'] = null;
  for (let i = 0; i < a.data.length; i += 4) {
    let diff = false;
    for (let ch = 0; ch < 4; ch++) if (Math.abs(a.data[i + ch]! - b.data[i + ch]!) > tolerance) diff = true;
    if (diff) {
      differing++;
      const x = (i / 4) % width;
      const y = Math.floor(i / 4 / width);
      box = box ? { x0: Math.min(box.x0, x), y0: Math.min(box.y0, y), x1: Math.max(box.x1, x), y1: Math.max(box.y1, y) } : { x0: x, y0: y, x1: x, y1: y };
      out.data.set([255, 0, 0, 255], i);
    } else {
      const grey = Math.round((a.data[i]! + a.data[i + 1]! + a.data[i + 2]!) / 3);
      const dim = 255 - Math.round((255 - grey) / 4);
      out.data.set([dim, dim, dim, 255], i);
    }
  }
  return { width, height, sameSize: true, differing, box, image: out };
}
