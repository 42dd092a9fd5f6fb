import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../src-main/report/csv.js';
import { EXPECTED_DOMINATED, EXPECTED_FRONT, FRONT_RUNS, writeFrontRuns, type FrontRun } from '../fixtures/front-runs.js';
import { drawnMarks, lineVertices, tooltipsOf } from './chart-marks.js';
import { go, shot } from './flows.js';
import { openDashboard, type ServedDashboard } from './serve.js';

/**
 * The dashboard on five stored runs whose figures are fixed (test/fixtures/front-runs.ts, with
 * the Pareto front worked by hand), in Debian's Chromium against a real `vitlab serve`: what the
 * compare scatter draws, and each report format every export control offers, downloaded and read.
 */
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-e2e-fixture-'));
let dash: ServedDashboard;
let page: Page;
let ids: Record<FrontRun['key'], string>;
const byKey = (k: FrontRun['key']) => FRONT_RUNS.find((r) => r.key === k)!;
const pct = (r: FrontRun) => `${(r.correct / 10).toFixed(2)}`;

beforeAll(async () => {
  const db = path.join(tmp, 'e2e.db');
  ids = writeFrontRuns(db);
  dash = await openDashboard(db);
  page = dash.page;
}, 300_000);

afterAll(async () => {
  await dash?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('compare on fixed runs: the marks ECharts draws', () => {
  it('each chart draws one mark per run; the outlined marks are the hand-worked front, and the step line runs through them', async () => {
    await go(page, `#/compare?ids=${FRONT_RUNS.map((r) => ids[r.key]).join(',')}`);
    await page.getByTestId('compare-view').waitFor();
    for (const testid of ['scatter-params', 'scatter-macs']) {
      await expect.poll(async () => (await drawnMarks(page, testid)).length, { timeout: 20_000 }).toBe(FRONT_RUNS.length);
      const marks = await drawnMarks(page, testid);
      const tips = await tooltipsOf(page, testid, marks);
      // Which run each drawn mark is: its tooltip names exactly one fixture run.
      const keys = tips.map((t) => {
        const named = FRONT_RUNS.filter((r) => t.includes(r.name));
        expect(named, t).toHaveLength(1);
        return named[0].key;
      });
      expect([...keys].sort(), testid).toEqual(FRONT_RUNS.map((r) => r.key).sort());

      const drawn = marks.map((m, i) => ({ ...m, key: keys[i], tip: tips[i] }));
      const front = drawn.filter((m) => m.outlined).sort((a, b) => a.x - b.x);
      const dominated = drawn.filter((m) => !m.outlined);
      expect(front.map((m) => m.key), testid).toEqual(EXPECTED_FRONT);
      expect(dominated.map((m) => m.key).sort(), testid).toEqual([...EXPECTED_DOMINATED].sort());
      // Front marks are drawn larger than the dimmed dominated ones, and say so when pointed at.
      for (const m of front) {
        expect(m.r).toBeGreaterThan(Math.max(...dominated.map((d) => d.r)));
        expect(m.tip).toContain('on the Pareto front');
      }
      for (const m of dominated) expect(m.tip).toContain('dominated');
      // Placement: more accurate is higher (smaller y); costlier is further right; B and F share a cost.
      const at = (k: FrontRun['key']) => drawn.find((m) => m.key === k)!;
      expect(at('D').y).toBeLessThan(at('B').y);
      expect(at('B').y).toBeLessThan(at('F').y);
      expect(at('F').y).toBeLessThan(at('C').y);
      expect(at('C').y).toBeLessThan(at('A').y);
      expect(at('B').x).toBeCloseTo(at('F').x, 1);
      expect(at('A').x).toBeLessThan(at('B').x);
      expect(at('B').x).toBeLessThan(at('C').x);
      expect(at('C').x).toBeLessThan(at('D').x);
      // The step line has a corner at every front mark and at no dominated one.
      const lines = await lineVertices(page, testid);
      const near = (v: [number, number], m: { x: number; y: number }) => Math.hypot(v[0] - m.x, v[1] - m.y) < 0.5;
      const step = lines.find((l) => front.every((m) => l.some((v) => near(v, m))));
      expect(step, `${testid}: no line through the front marks`).toBeDefined();
      for (const m of dominated) expect(step!.some((v) => near(v, m))).toBe(false);
    }
    await shot(page, 'chromium-fixture-compare');
    // The listed front agrees with what is drawn.
    const listed = await page.getByTestId('pareto-list-macs').getByTestId('pareto-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-run-id')));
    expect(listed).toEqual(EXPECTED_FRONT.map((k) => ids[k]));
  });
});

// ── exports ──────────────────────────────────────────────────────────────────────────────────

/** Clicks `trigger`, waits for the browser download it causes, returns its file name and bytes. */
async function download(trigger: Locator): Promise<{ name: string; bytes: Buffer }> {
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 90_000 }), trigger.click()]);
  const file = await dl.path();
  expect(await dl.failure()).toBeNull();
  return { name: dl.suggestedFilename(), bytes: fs.readFileSync(file) };
}

function pdfText(bytes: Buffer): string {
  const p = path.join(tmp, `report-${Date.now()}.pdf`);
  fs.writeFileSync(p, bytes);
  return execFileSync('pdftotext', ['-layout', p, '-'], { encoding: 'utf8' });
}

const htmlText = (html: string) => html.replace(/<style[\s\S]*?<\/style>|<script[\s\S]*?<\/script>/g, ' ').replace(/<[^>]+>/g, ' ').replace(/&amp;/g, '&');

/** Every run named with its accuracy ("80.00"), and none of the runs left out. */
function namesAndFigures(text: string, runs: readonly FrontRun[]): void {
  for (const r of runs) {
    expect(text).toContain(r.name);
    expect(text).toContain(pct(r));
  }
  for (const r of FRONT_RUNS.filter((x) => !runs.includes(x))) expect(text).not.toContain(r.name);
}

/** The rows of a CSV or JSON runs table, each checked against the fixture (name, depth, accuracy, per class). */
function tableRows(rows: Record<string, unknown>[], runs: readonly FrontRun[]): void {
  expect(rows.map((r) => r.name).sort()).toEqual(runs.map((r) => r.name).sort());
  for (const row of rows) {
    const r = runs.find((x) => x.name === row.name)!;
    expect(row.id).toBe(ids[r.key]);
    expect(Number(row.depth)).toBe(r.depth);
    expect(Number(row.test_acc)).toBeCloseTo(r.correct / 1000, 10);
    // 100 test images a class; `correct` spread over the classes (see the fixture).
    const perClass = Array.from({ length: 10 }, (_, k) => Number(row[`acc_class_${k}`]) * 100);
    expect(perClass.reduce((a, b) => a + b, 0)).toBeCloseTo(r.correct, 6);
  }
}

type Check = (file: { name: string; bytes: Buffer }, runs: readonly FrontRun[], front: readonly FrontRun['key'][]) => void;

/** One check per format; a format the UI offers without a check here fails the test. */
const CHECKS: Record<string, Check> = {
  md: ({ name, bytes }, runs, front) => {
    expect(name).toMatch(/\.md$/);
    const md = bytes.toString('utf8');
    namesAndFigures(md, runs);
    if (runs.length > 1) {
      // The report's own front, cheapest first, against the hand-worked one.
      const section = md.slice(md.indexOf('**Accuracy vs MACs per image**'), md.indexOf('**Accuracy vs parameters**'));
      const listed = [...section.matchAll(/^\d+\. .*$/gm)].map((m) => FRONT_RUNS.find((r) => m[0].includes(r.name))?.key);
      expect(listed).toEqual(front);
    } else {
      // One run: its per-class table, each class correct/100.
      const per = Math.floor(runs[0].correct / 10);
      expect(md).toMatch(new RegExp(`\\| ${per} \\| 100 \\|`));
    }
  },
  html: ({ name, bytes }, runs) => {
    expect(name).toMatch(/\.html$/);
    const html = bytes.toString('utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    namesAndFigures(htmlText(html), runs);
  },
  csv: ({ name, bytes }, runs) => {
    expect(name).toMatch(/\.csv$/);
    const [header, ...lines] = parseCsv(bytes.toString('utf8'));
    tableRows(lines.map((l) => Object.fromEntries(header.map((h, i) => [h, l[i]]))), runs);
  },
  json: ({ name, bytes }, runs) => {
    expect(name).toMatch(/\.json$/);
    const rows = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>[];
    tableRows(rows, runs);
    for (const row of rows) {
      const r = runs.find((x) => x.name === row.name)!;
      const counts = row.perClass as { correct: number; total: number }[];
      expect(counts.reduce((a, c) => a + c.correct, 0)).toBe(r.correct);
      expect(counts.reduce((a, c) => a + c.total, 0)).toBe(1000);
    }
  },
  pdf: ({ name, bytes }, runs) => {
    expect(name).toMatch(/\.pdf$/);
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    namesAndFigures(pdfText(bytes), runs);
  },
};

async function offered(select: Locator): Promise<string[]> {
  return select.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
}

describe('exporting reports from the dashboard: every format offered, downloaded and read', () => {
  it('runs table: the selected runs only, in each format of the export menu', async () => {
    await go(page, '#/runs');
    await page.getByTestId('runs-table').waitFor();
    // B, C, D and F: by hand, B and D are the front (F ties B's cost, C is beaten by B).
    const chosen = (['B', 'C', 'D', 'F'] as const).map(byKey);
    for (const r of chosen) await page.locator(`[data-testid="run-row"][data-run-id="${ids[r.key]}"] [data-testid="row-select"]`).click();
    await expect.poll(() => page.getByTestId('selected-count').textContent(), { timeout: 10_000 }).toContain('4 selected');
    const formats = await offered(page.getByTestId('export-format'));
    expect(formats.length).toBeGreaterThan(0);
    for (const f of formats) {
      expect(CHECKS, `no check for the offered format ${f}`).toHaveProperty(f);
      await page.getByTestId('export-format').selectOption(f);
      const file = await download(page.getByTestId('export-selected'));
      expect(file.name).toBe(f === 'csv' || f === 'json' ? `runs-4.${f}` : `comparison-4-runs.${f}`);
      CHECKS[f](file, chosen, ['B', 'D']);
    }
    expect(formats).toEqual(expect.arrayContaining(['md', 'html', 'csv', 'json', 'pdf']));
  });

  it('compare view: the compared runs, in each format of its export menu', async () => {
    await go(page, `#/compare?ids=${FRONT_RUNS.map((r) => ids[r.key]).join(',')}`);
    await page.getByTestId('compare-view').waitFor();
    const select = page.getByTestId('compare-export-format');
    await select.waitFor();
    const formats = await offered(select);
    expect(formats).toEqual(expect.arrayContaining(['md', 'html', 'csv', 'json', 'pdf']));
    for (const f of formats) {
      expect(CHECKS, `no check for the offered format ${f}`).toHaveProperty(f);
      await select.selectOption(f);
      CHECKS[f](await download(page.getByTestId('export-comparison')), FRONT_RUNS, EXPECTED_FRONT);
    }
  });

  it("run detail: one run's report, from each of its export buttons", async () => {
    const b = byKey('B');
    await go(page, `#/run/${encodeURIComponent(ids.B)}`);
    await page.getByTestId('run-detail').waitFor();
    const buttons = page.getByRole('group', { name: 'Export report' }).getByRole('button');
    await buttons.first().waitFor();
    const formats = (await buttons.evaluateAll((bs) => bs.map((x) => x.getAttribute('data-testid')))).map((t) => t!.replace(/^export-/, ''));
    expect(formats).toEqual(expect.arrayContaining(['md', 'html', 'csv', 'json', 'pdf']));
    for (const f of formats) {
      expect(CHECKS, `no check for the offered format ${f}`).toHaveProperty(f);
      const file = await download(page.getByTestId(`export-${f}`));
      // Named after the run ("front B depth 2" with the spaces made file-safe).
      expect(file.name).toBe(`front-B-depth-2.${f}`);
      CHECKS[f](file, [b], ['B']);
    }
    expect(dash.pageErrors).toEqual([]);
  });
});
