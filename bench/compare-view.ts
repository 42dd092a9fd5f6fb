/**
 * How responsive the compare view is with many runs selected: generated runs in a temporary
 * database, the real `serve` transport and the built dashboard in Debian's Chromium. Prints the
 * time until both scatters show every run, and the time for the interactions a user makes.
 *
 *   npx tsx bench/compare-view.ts [--runs 2000]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { serve } from '../src-main/api/ws.js';
import { makeContext } from '../src-main/app/context.js';
import { openEngine } from '../src-main/app/engine.js';
import { launchChromium } from '../test/e2e/browser.js';
import { populate } from './fake-runs.js';

// --steps N: per-step curve points per epoch stored for every run (issue 14; default off, as before).
const { values } = parseArgs({ options: { runs: { type: 'string', default: '2000' }, steps: { type: 'string', default: '0' } } });
const RUNS = Number(values.runs);
const root = resolve(import.meta.dirname, '..');
if (spawnSync('npx', ['electron-vite', 'build'], { cwd: root, stdio: 'ignore' }).status !== 0) throw new Error('electron-vite build failed');

const dir = mkdtempSync(join(tmpdir(), 'vitlab-bench-compare-'));
const engine = openEngine({ dbPath: join(dir, 'bench.db') });
let clock = Date.parse('2025-06-01T00:00:00Z');
// About 80 % of generated runs complete; make enough for the selection to be all completed runs.
populate(engine.store, Math.ceil(RUNS * 1.35) + 3, dir, (ms) => (clock += ms), { stepPoints: Number(values.steps) });
const ids = engine.store.list({ status: 'completed', limit: RUNS, sort: 'createdAt', dir: 'asc' }).rows.map((r) => r.id);
const server = await serve(makeContext(engine), { staticDir: join(root, 'out/renderer') });
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(server.url);
  await page.getByTestId('runs-table').waitFor();

  const time = async (label: string, action: () => Promise<unknown>) => {
    const t0 = performance.now();
    await action();
    const ms = performance.now() - t0;
    console.log(`${label.padEnd(52)} ${ms.toFixed(0).padStart(6)} ms`);
    return ms;
  };
  const allPlotted = async () => {
    const n = String(ids.length);
    await page.waitForFunction(
      (want) => ['scatter-params', 'scatter-macs'].every((t) => document.querySelector(`[data-testid="${t}"]`)?.getAttribute('data-points') === want),
      n,
      { timeout: 120_000 },
    );
  };
  // Two animation frames: the browser has painted whatever the interaction changed.
  const painted = () => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

  console.log(`${ids.length} completed runs selected; Chromium headless, no GPU; node ${process.versions.node}\n`);
  await time(`open compare (both scatters show all ${ids.length} points)`, async () => {
    await page.evaluate((h) => (location.hash = h), `#/compare?ids=${ids.join(',')}`);
    await allPlotted();
    await painted();
  });
  await time('toggle the log cost axis', async () => {
    await page.getByTestId('log-axis').click();
    await painted();
  });
  await time('colour by another field (depth)', async () => {
    await page.getByTestId('colour-by').selectOption('depth');
    await painted();
  });
  await time('"only what differs" off, then on', async () => {
    await page.getByTestId('only-differs').click();
    await painted();
    await page.getByTestId('only-differs').click();
    await painted();
  });
  await time('scroll to the bottom of the page', async () => {
    await page.mouse.wheel(0, 20_000);
    await painted();
  });
  // A string, not a function: tsx would wrap named inner functions in a helper the page lacks.
  const frames = (await page.evaluate(`new Promise((resolve) => {
    const out = [];
    let last = performance.now();
    const tick = (now) => {
      out.push(now - last);
      last = now;
      if (out.length < 60) {
        window.scrollBy(0, out.length % 2 ? 400 : -400);
        requestAnimationFrame(tick);
      } else resolve(out);
    };
    requestAnimationFrame(tick);
  })`)) as number[];
  frames.sort((a, b) => a - b);
  console.log(`${'frame time while scrolling (median / p95)'.padEnd(52)} ${frames[30].toFixed(0).padStart(3)} / ${frames[56].toFixed(0)} ms`);
} finally {
  await browser.close();
  await server.close();
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
}
