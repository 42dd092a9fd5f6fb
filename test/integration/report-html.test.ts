import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportReport } from '../../src-main/report/export.js';
import { SEED_EPOCHS, storeRun, storeSeedRun, tempStore } from '../fixtures/report/runs.js';

const CHROMIUM = '/usr/bin/chromium';
const RESULTS = join(process.cwd(), 'test-results');
const XSS_NAME = '<img src=x onerror=alert(1)>';

let t: ReturnType<typeof tempStore>;
let browser: Browser;
let seedId: string;
let smallId: string;
let xssId: string;

beforeAll(async () => {
  // CI installs Chromium; a machine without it fails here with the fix, rather than skipping.
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Chromium (apt-get install chromium) to run the HTML report tests; CI installs it`);
  mkdirSync(RESULTS, { recursive: true });
  t = tempStore();
  seedId = storeSeedRun(t.store, t.clock);
  smallId = storeRun(t.store, t.clock, {
    name: 'small p7 d48',
    config: { patch: 7, dim: 48, depth: 2, mlp: 192 },
    epochs: SEED_EPOCHS.map((e) => ({ ...e, testAcc: e.testAcc - 0.03, trainAcc: e.trainAcc - 0.03 })),
  });
  xssId = storeRun(t.store, t.clock, {
    name: XSS_NAME,
    tags: ['"><svg onload=alert(2)>', "<script>alert('tag')</script>"],
    notes: '<script>alert(3)</script>\n<iframe src="javascript:alert(4)"></iframe>',
    config: { depth: 2 },
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
});

afterAll(async () => {
  await browser?.close();
  t?.close();
});

interface Opened {
  page: Page;
  /** Every request the page tried to make other than its own file. */
  blocked: string[];
  dialogs: string[];
  errors: string[];
}

/** Opens an exported HTML file the way a user would (file://), with the network blocked. */
async function open(ids: string[], file: string): Promise<Opened> {
  const r = await exportReport(t.store, { ids, format: 'html' }, { allowWrite: false });
  const path = join(t.dir, file);
  writeFileSync(path, r.content);
  const url = pathToFileURL(path).href;
  const context = await browser.newContext({ offline: true, viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  const opened: Opened = { page, blocked: [], dialogs: [], errors: [] };
  await page.route('**/*', (route) => {
    if (route.request().url() === url) return route.continue();
    opened.blocked.push(route.request().url());
    return route.abort();
  });
  page.on('request', (req) => {
    if (req.url() !== url && !opened.blocked.includes(req.url())) opened.blocked.push(req.url());
  });
  page.on('dialog', (d) => {
    opened.dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('pageerror', (e) => opened.errors.push(e.message));
  await page.goto(url, { waitUntil: 'load' });
  // Give anything that would fire late (onerror of a broken image, timers) the chance to.
  await page.waitForTimeout(300);
  return opened;
}

describe('HTML run report in Chromium, offline', () => {
  let o: Opened;
  beforeAll(async () => {
    o = await open([seedId], 'seed.html');
  });
  afterAll(async () => o?.page.context().close());

  it('needs no network and runs no script', async () => {
    expect(o.blocked).toEqual([]);
    expect(o.errors).toEqual([]);
    expect(await o.page.locator('script').count()).toBe(0);
    expect(await o.page.title()).toBe('Run report: HW7 seed ViT (Fashion-MNIST)');
  });

  it('renders its charts as SVG with drawn paths', async () => {
    const charts = await o.page.locator('figure svg').evaluateAll((svgs) =>
      svgs.map((s) => ({ paths: s.querySelectorAll('path').length, texts: s.querySelectorAll('text').length, width: s.getBoundingClientRect().width })),
    );
    expect(charts).toHaveLength(3); // per-class bars, loss, accuracy
    for (const c of charts) {
      expect(c.paths).toBeGreaterThan(10);
      expect(c.texts).toBeGreaterThan(5);
      expect(c.width).toBeGreaterThan(300);
    }
    const text = await o.page.locator('body').innerText();
    expect(text).toContain('Test Accuracy (Overall): 88.28% (8828/10000)');
    expect(text).toContain('Total parameters = 128 + 12480 + 4160 + 128 + 16640 + 16448 = 49984');
    expect(text).toContain('277,760,000');
    await o.page.screenshot({ path: join(RESULTS, 'report-html.png'), fullPage: true });
  });
});

describe('HTML comparison report in Chromium, offline', () => {
  let o: Opened;
  beforeAll(async () => {
    o = await open([seedId, smallId, xssId], 'comparison.html');
  });
  afterAll(async () => o?.page.context().close());

  it('draws accuracy against MACs and parameters with the Pareto front, and the curves', async () => {
    expect(o.blocked).toEqual([]);
    const svgs = o.page.locator('figure svg');
    expect(await svgs.count()).toBe(3);
    const titles = await svgs.evaluateAll((list) => list.map((s) => [...s.querySelectorAll('text')].map((x) => x.textContent).join('|')));
    expect(titles[0]).toContain('Accuracy vs MACs per image');
    expect(titles[0]).toContain('Pareto front');
    expect(titles[1]).toContain('Accuracy vs parameters');
    expect(titles[2]).toContain('Test accuracy per epoch');
    // The run name is text inside the chart, not markup.
    expect(titles[2]).toContain(XSS_NAME);
    await o.page.screenshot({ path: join(RESULTS, 'report-comparison-html.png'), fullPage: true });
  });
});

describe('a hostile run name exports without executing anything', () => {
  for (const [label, ids] of [
    ['run report', () => [xssId]],
    ['comparison', () => [xssId, seedId]],
  ] as const) {
    it(`${label}: no dialog, no injected element, the text visible as text`, async () => {
      const o = await open(ids(), `xss-${label.replace(' ', '-')}.html`);
      try {
        expect(o.dialogs).toEqual([]);
        expect(o.errors).toEqual([]);
        expect(o.blocked).toEqual([]);
        const injected = await o.page.evaluate(() => ({
          img: document.querySelectorAll('img').length,
          script: document.querySelectorAll('script').length,
          iframe: document.querySelectorAll('iframe').length,
          handlers: document.querySelectorAll('[onerror], [onload]').length,
        }));
        expect(injected).toEqual({ img: 0, script: 0, iframe: 0, handlers: 0 });
        const text = await o.page.locator('body').innerText();
        expect(text).toContain(XSS_NAME);
        if (label === 'run report') {
          expect(await o.page.locator('h1').innerText()).toBe(XSS_NAME);
          expect(text).toContain('"><svg onload=alert(2)>');
          expect(text).toContain('<script>alert(3)</script>');
          await o.page.screenshot({ path: join(RESULTS, 'report-html-xss.png') });
        }
      } finally {
        await o.page.context().close();
      }
    });
  }
});
