import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunDetail } from '../../src-main/store/types.js';
import { go, shot } from './flows.js';
import { openDashboard } from './serve.js';

/**
 * Looking inside a run in Debian's Chromium against a real `vitlab serve`: a confusion cell's
 * thumbnails, a test image's attention, an uploaded PNG's probabilities and heat map.
 */
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-e2e-inspect-'));
let dash: Awaited<ReturnType<typeof openDashboard>>;
let url = '';
let page: Page;
let run: RunDetail;
let pageErrors: string[] = [];

async function api<T>(name: string, input: unknown): Promise<T> {
  const u = new URL(url);
  const r = (await fetch(`${u.origin}/api/${name}`, { method: 'POST', headers: { Authorization: `Bearer ${u.searchParams.get('token')}`, 'Content-Type': 'application/json' }, body: JSON.stringify(input) }).then((x) => x.json())) as { ok: boolean; result: T; error?: unknown };
  if (!r.ok) throw new Error(`${name}: ${JSON.stringify(r.error)}`);
  return r.result;
}

beforeAll(async () => {
  dash = await openDashboard(path.join(tmp, 'e2e.db'));
  ({ url, page, pageErrors } = dash);
  const { id } = await api<{ id: string }>('runs/start', { preset: 'tiny', config: { epochs: 2, limitTrain: 1000, limitTest: 300, lr: 3e-3 }, name: 'inspect e2e' });
  for (let i = 0; ; i++) {
    run = await api<RunDetail>('runs/get', { id });
    if (run.status === 'completed') break;
    if (run.status === 'failed' || i > 600) throw new Error(`the run did not complete: ${run.status} ${run.error}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}, 300_000);

afterAll(async () => {
  await dash?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('looking inside a run in Chromium against vitlab serve', () => {
  it('a confusion cell click shows that cell\'s test images; a thumbnail shows its attention', async () => {
    await go(page, `#/run/${encodeURIComponent(run.id)}`);
    await page.getByTestId('run-detail').waitFor();
    const cm = page.getByTestId('confusion-matrix');
    await cm.scrollIntoViewIfNeeded();
    await expect.poll(() => cm.locator('path, rect').count(), { timeout: 10_000 }).toBeGreaterThan(100);
    // The run's most common mistake: the largest cell off the diagonal.
    const confusion = run.confusion!;
    let cell = { t: 0, p: 1, n: -1 };
    confusion.forEach((row, t) => row.forEach((n, p) => (t !== p && n > cell.n ? (cell = { t, p, n }) : null)));
    expect(cell.n).toBeGreaterThan(0);
    // The heat map's grid (ConfusionMatrix.svelte): left 110, right 70, top 10, bottom 90.
    const box = (await cm.boundingBox())!;
    const k = confusion.length;
    const cw = (box.width - 180) / k;
    const ch = (box.height - 100) / k;
    const at = { x: box.x + 110 + (cell.p + 0.5) * cw, y: box.y + 10 + (cell.t + 0.5) * ch };
    // The cell's tooltip names it and its count (read from the chart's own data by index).
    await page.mouse.move(at.x, at.y);
    await expect.poll(() => cm.innerText(), { timeout: 10_000 }).toContain(`${cell.n} images`);
    expect(await cm.innerText()).toMatch(new RegExp(`true ${cell.t} [^\\n]*\\n\\s*predicted ${cell.p} `));
    await page.mouse.click(at.x, at.y);
    const panel = page.getByTestId('mistakes-panel');
    await panel.waitFor({ timeout: 10_000 });
    await expect.poll(() => panel.getByTestId('mistakes-total').getAttribute('data-total'), { timeout: 120_000 }).toBe(String(cell.n));
    expect(await panel.getByTestId('mistake-thumb').count()).toBe(Math.min(cell.n, 48));
    await shot(page, 'chromium-inspect-mistakes');

    await panel.getByTestId('mistake-thumb').first().click();
    const view = panel.getByTestId('attention-view');
    await view.waitFor({ timeout: 60_000 });
    expect(Number(await view.getAttribute('data-prob-sum'))).toBeCloseTo(1, 4);
    expect(Number(await view.getAttribute('data-predicted'))).toBe(cell.p);
    // tiny is depth 1, heads 2: rollout, the layer's mean and two heads.
    expect(await view.getByTestId('attention-select').locator('option').count()).toBe(4);
    await view.getByTestId('attention-select').selectOption('head-0-1');
    await shot(page, 'chromium-inspect-attention');

    // Per class: the class's mistakes, as many as the table says it got wrong.
    await page.locator(`[data-testid="per-class-row"][data-class="${cell.t}"] [data-testid="per-class-mistakes"]`).click();
    const wrong = run.perClass[cell.t].total - run.perClass[cell.t].correct;
    await expect.poll(() => page.getByTestId('mistakes-total').getAttribute('data-total'), { timeout: 30_000 }).toBe(String(wrong));
    expect(await page.getByTestId('mistake-thumb').count()).toBe(Math.min(wrong, 48));
  }, 240_000);

  it('an uploaded PNG gets probabilities summing to 1 and a heat map; a text file a clear error', async () => {
    const p = new PNG({ width: 90, height: 120 });
    for (let y = 0; y < 120; y++) for (let x = 0; x < 90; x++) {
      const inside = x > 20 && x < 70 && y > 10 && y < 110;
      p.data.set(inside ? [230, 200, 40, 255] : [0, 0, 0, 255], 4 * (y * 90 + x));
    }
    const own = page.getByTestId('own-image');
    await own.scrollIntoViewIfNeeded();
    await own.getByTestId('own-image-input').setInputFiles({ name: 'trousers.png', mimeType: 'image/png', buffer: PNG.sync.write(p) });
    const view = own.getByTestId('attention-view');
    await view.waitFor({ timeout: 60_000 });
    const probs = (await view.getByTestId('prob-row').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-prob')))));
    expect(probs).toHaveLength(10);
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    await own.getByTestId('own-image-original').waitFor();
    const heat = view.getByTestId('attention-heat');
    expect(await heat.getAttribute('data-heat-cells')).toBe('16');
    // The heat map is drawn: the canvas holds tinted (not grey) pixels.
    const tinted = await heat.evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] !== d[i + 2]) n++;
      return n;
    });
    expect(tinted).toBeGreaterThan(0);
    await shot(page, 'chromium-inspect-own-image');

    await page.getByTestId('export-safetensors').click();
    await expect.poll(() => page.getByTestId('torch-snippet').textContent(), { timeout: 30_000 }).toContain('def load_vitlab(path)');

    await own.getByTestId('own-image-input').setInputFiles({ name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('these are my notes, not a picture') });
    await expect.poll(() => own.getByTestId('own-image-error').textContent(), { timeout: 20_000 }).toMatch(/not a PNG or JPEG/);
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
