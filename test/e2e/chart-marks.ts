import { expect } from 'vitest';
import type { Page } from 'playwright-core';

/**
 * What an ECharts chart drawn with the SVG renderer actually shows, read from its SVG, not from
 * the option the app passed (a series can be given five points and draw none).
 *
 * zrender draws a data symbol as a unit shape scaled and placed by `transform="matrix(s,0,0,s,x,y)"`
 * (s = half the symbol size); legend icons and axis ticks are placed with `translate(…)` or drawn
 * in place, so the matrix transform picks out the marks of the data.
 */
export interface Mark {
  /** Centre in the chart's own pixels. */
  x: number;
  y: number;
  /** Half the drawn symbol size. */
  r: number;
  /** Whether the mark has an outline (the front's marks do). */
  outlined: boolean;
}

export async function drawnMarks(page: Page, testid: string): Promise<Mark[]> {
  const chart = page.getByTestId(testid);
  expect(await chart.getAttribute('data-renderer')).toBe('svg');
  return chart.locator('svg').evaluate((svg) =>
    [...svg.querySelectorAll('path[transform^="matrix("]')].map((p) => {
      const [a, , , , e, f] = p.getAttribute('transform')!.slice(7, -1).split(',').map(Number);
      const stroke = p.getAttribute('stroke');
      return { x: e, y: f, r: a, outlined: stroke !== null && stroke !== 'none' && Number(p.getAttribute('stroke-width') ?? 1) > 0 };
    }),
  );
}

/** The vertices of every unfilled line path of the chart (the step line of a Pareto front). */
export async function lineVertices(page: Page, testid: string): Promise<[number, number][][]> {
  return page
    .getByTestId(testid)
    .locator('svg g[clip-path] path[fill="none"]')
    .evaluateAll((paths) =>
      paths.map((p) => [...(p.getAttribute('d') ?? '').matchAll(/[ML]\s*(-?[\d.]+)[ ,](-?[\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])] as [number, number])),
    );
}

/**
 * Hovers each mark and returns the tooltip text ECharts shows for it: what a user sees when
 * pointing at the mark, so it names the run that mark stands for.
 */
export async function tooltipsOf(page: Page, testid: string, marks: Mark[]): Promise<string[]> {
  const chart = page.getByTestId(testid);
  const box = (await chart.locator('svg').boundingBox())!;
  const tip = chart.locator('div', { hasText: 'click to open' }).last();
  const out: string[] = [];
  let previous = '';
  for (const m of marks) {
    await page.mouse.move(box.x + m.x, box.y + m.y, { steps: 3 });
    await expect.poll(async () => ((await tip.count()) ? await tip.innerText() : ''), { timeout: 5000 }).not.toBe(previous);
    previous = await tip.innerText();
    out.push(previous);
  }
  await page.mouse.move(box.x + 2, box.y + box.height - 2);
  return out;
}
