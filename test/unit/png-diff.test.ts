import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { diffPng } from '../e2e/screenshots/png-diff.js';

/** Hand-made 3×2 pictures: the counts are worked out by hand from the pixels set below. */
function picture(width: number, height: number, fill: [number, number, number, number]): PNG {
  const p = new PNG({ width, height });
  for (let i = 0; i < width * height; i++) p.data.set(fill, 4 * i);
  return p;
}

describe('diffPng', () => {
  it('two identical pictures differ in no pixel', () => {
    expect(diffPng(picture(3, 2, [10, 20, 30, 255]), picture(3, 2, [10, 20, 30, 255]))).toMatchObject({ differing: 0, box: null });
  });

  it('counts each pixel with any channel changed once, and paints it red', () => {
    const a = picture(3, 2, [10, 20, 30, 255]);
    const b = picture(3, 2, [10, 20, 30, 255]);
    b.data[4 * 1 + 2] = 31; // pixel 1: blue
    b.data[4 * 4 + 0] = 200; // pixel 4: red
    b.data[4 * 4 + 1] = 200; // pixel 4 again: still one pixel
    b.data[4 * 5 + 3] = 0; // pixel 5: alpha
    const d = diffPng(a, b);
    expect(d.differing).toBe(3);
    // Pixels 1 (x 1, y 0), 4 (x 1, y 1) and 5 (x 2, y 1) of the 3-wide picture.
    expect(d.box).toEqual({ x0: 1, y0: 0, x1: 2, y1: 1 });
    expect([...d.image!.data.subarray(4, 8)]).toEqual([255, 0, 0, 255]);
    expect([...d.image!.data.subarray(0, 4)]).not.toEqual([255, 0, 0, 255]);
  });

  it('a tolerance ignores channel changes up to it, not beyond', () => {
    const a = picture(3, 2, [100, 100, 100, 255]);
    const b = picture(3, 2, [100, 100, 100, 255]);
    b.data[0] = 103; // pixel 0: off by 3
    b.data[4] = 104; // pixel 1: off by 4
    expect(diffPng(a, b, 3).differing).toBe(1);
    expect(diffPng(a, b, 0).differing).toBe(2);
  });

  it('different sizes differ everywhere', () => {
    const d = diffPng(picture(3, 2, [0, 0, 0, 255]), picture(3, 3, [0, 0, 0, 255]));
    expect(d).toMatchObject({ sameSize: false, differing: 9, width: 3, height: 3 });
  });
});
