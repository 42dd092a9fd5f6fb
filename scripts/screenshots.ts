/**
 * Before/after screenshots of every dashboard view and state, for refactors that must not change
 * what a user sees. Starts a real `vitlab serve` on a fixed store (test/e2e/screenshots/fixture.ts)
 * and on an empty database, opens each state in Debian's Chromium at 1400×900, UTC, en-US, and
 * writes one PNG per state. With --baseline it compares pixel by pixel and exits 1 on a difference.
 *
 *   npx tsx scripts/screenshots.ts --out /tmp/shots-before                      # on the unchanged code
 *   npx tsx scripts/screenshots.ts --out /tmp/shots-after --baseline /tmp/shots-before
 *
 * Both must use the same --fixture folder (default test-results/screenshots-fixture): it is built
 * on first use and reused, since run ids carry random digits. `serve` rebuilds the dashboard when
 * its sources changed, so the "after" pictures show the code as it is in the worktree.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PNG } from 'pngjs';
import type { Browser, BrowserContext } from 'playwright-core';
import type { RunSummary } from '../src-main/store/types.js';
import { launchChromium } from '../test/e2e/browser.js';
import { startServe } from '../test/e2e/serve.js';
import { ensureFixture, FIXTURE_DB } from '../test/e2e/screenshots/fixture.js';
import { diffPng } from '../test/e2e/screenshots/png-diff.js';
import { STATES, type ShotState } from '../test/e2e/screenshots/states.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    baseline: { type: 'string' },
    fixture: { type: 'string', default: path.resolve('test-results/screenshots-fixture') },
    only: { type: 'string' },
        // Two runs of the same code differ in up to 382 pixels, each by at most 32 on a channel, all on
    // the anti-aliased edges of ECharts' canvas lines (measured 2026-12-01 on this machine): a
    // pixel counts as different beyond 40. Text or layout moving changes pixels by far more.
    tolerance: { type: 'string', default: '40' },
    'max-pixels': { type: 'string', default: '0' },
    /** Compare the pictures already in --out with --baseline, without taking new ones. */
    'diff-only': { type: 'boolean', default: false },
  },
});
if (!values.out) {
  console.error('usage: npx tsx scripts/screenshots.ts --out DIR [--baseline DIR [--diff-only]] [--fixture DIR] [--only name,name] [--tolerance 0-255] [--max-pixels N]');
  process.exit(2);
}
const out = path.resolve(values.out);
const tolerance = Number(values.tolerance);
const maxPixels = Number(values['max-pixels']);
if (!Number.isInteger(tolerance) || tolerance < 0 || tolerance > 255) throw new Error(`--tolerance must be a whole number 0–255, got "${values.tolerance}"`);
if (!Number.isInteger(maxPixels) || maxPixels < 0) throw new Error(`--max-pixels must be a whole number ≥ 0, got "${values['max-pixels']}"`);
const only = values.only?.split(',').map((s) => s.trim());
const unknown = only?.filter((n) => !STATES.some((s) => s.name === n)) ?? [];
if (unknown.length) throw new Error(`--only: unknown state(s) ${unknown.join(', ')} (known: ${STATES.map((s) => s.name).join(', ')})`);
const states = STATES.filter((s) => !only || only.includes(s.name));

fs.mkdirSync(out, { recursive: true });
const fixtureDir = path.resolve(values.fixture!);
const pristine = values['diff-only'] ? '' : await ensureFixture(fixtureDir);

/** A fresh copy of the store for each server (serve writes to it: settings, probes), at a fixed path. */
function workDb(kind: ShotState['store']): string {
  const dir = path.join(fixtureDir, `work-${kind}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const db = path.join(dir, FIXTURE_DB);
  if (kind === 'fixture') fs.copyFileSync(pristine, db);
  return db;
}

async function stablePicture(shoot: () => Promise<Buffer>): Promise<Buffer> {
  // Charts animate in; a picture counts once two taken 300 ms apart are byte-identical.
  let last = await shoot();
  for (let i = 0; i < 30; i++) {
    await new Promise((r) => setTimeout(r, 300));
    const next = await shoot();
    if (next.equals(last)) return next;
    if (i === 29) {
      const d = diffPng(PNG.sync.read(last), PNG.sync.read(next));
      const where = d.box ? `x ${d.box.x0}–${d.box.x1}, y ${d.box.y0}–${d.box.y1}` : 'size';
      throw new Error(`the page never settled (30 pictures in a row differed; the last two in ${d.differing} pixels at ${where})`);
    }
    last = next;
  }
  throw new Error('unreachable');
}

async function shootAll(browser: Browser, kind: ShotState['store']): Promise<void> {
  const mine = states.filter((s) => s.store === kind);
  if (!mine.length) return;
  const serve = await startServe(workDb(kind));
  const base = new URL(serve.url);
  const token = base.searchParams.get('token')!;
  let runs: RunSummary[] = [];
  if (kind === 'fixture') {
    const r = (await fetch(`${base.origin}/api/runs/list`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ limit: 1000 }) }).then((x) => x.json())) as { result: { rows: RunSummary[] } };
    runs = r.result.rows;
  }
  try {
    for (const state of mine) {
      const context: BrowserContext = await browser.newContext({ viewport: { width: 1400, height: 900 }, timezoneId: 'UTC', locale: 'en-US', reducedMotion: 'reduce', deviceScaleFactor: 1 });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      try {
        await page.goto(serve.url);
        await state.ready({
          page,
          run: (name) => runs.find((r) => r.name === name) ?? fail(`the fixture has no run named "${name}"`),
          go: (hash) => page.evaluate((h) => void (location.hash = h), hash),
        });
        const png = await stablePicture(() => page.screenshot({ fullPage: true, animations: 'disabled', caret: 'hide', mask: state.mask?.(page), maskColor: '#ff00ff' }));
        fs.writeFileSync(path.join(out, `${state.name}.png`), png);
        console.log(`shot ${state.name}${errors.length ? `  (page errors: ${errors.join(' | ')})` : ''}`);
      } catch (e) {
        await page.screenshot({ path: path.join(out, `${state.name}.error.png`), fullPage: true }).catch(() => undefined);
        throw new Error(`${state.name}: ${(e as Error).message} (the page as it was: ${state.name}.error.png)`, { cause: e });
      } finally {
        await context.close();
      }
    }
  } finally {
    await serve.stop();
  }
}

function fail(message: string): never {
  throw new Error(message);
}

if (!values['diff-only']) {
  const browser = await launchChromium();
  try {
    await shootAll(browser, 'fixture');
    await shootAll(browser, 'empty');
  } finally {
    await browser.close();
  }
}

if (values.baseline) {
  const baseline = path.resolve(values.baseline);
  let worst = 0;
  let failed = 0;
  for (const state of states) {
    const before = path.join(baseline, `${state.name}.png`);
    if (!fs.existsSync(before)) {
      console.log(`${state.name.padEnd(22)} no baseline picture`);
      failed++;
      continue;
    }
    const [a, b] = [PNG.sync.read(fs.readFileSync(before)), PNG.sync.read(fs.readFileSync(path.join(out, `${state.name}.png`)))];
    const d = diffPng(a, b, tolerance);
    const exact = tolerance ? diffPng(a, b, 0).differing : d.differing;
    worst = Math.max(worst, d.differing);
    if (d.image && d.differing) fs.writeFileSync(path.join(out, `${state.name}.diff.png`), PNG.sync.write(d.image));
    const bad = d.differing > maxPixels;
    if (bad) failed++;
    console.log(`${state.name.padEnd(22)} ${d.width}×${d.height} ${d.sameSize ? '' : '(size changed) '}${d.differing} differing pixel(s)${tolerance ? ` (${exact} with any change)` : ''}${d.box ? ` in x ${d.box.x0}–${d.box.x1}, y ${d.box.y0}–${d.box.y1}` : ''}${bad ? '  DIFFERS' : ''}`);
  }
  console.log(`${states.length} states compared, tolerance ${tolerance}, max differing pixels ${worst}; ${failed} over the limit of ${maxPixels}`);
  process.exit(failed ? 1 : 0);
}
