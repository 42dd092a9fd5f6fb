import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_USAGE, runExport } from '../../src-main/cli/export.js';
import { parseCsv } from '../../src-main/report/csv.js';
import { exportReport } from '../../src-main/report/export.js';
import { chromiumPdfEngine, findChromium, NO_PDF_ENGINE } from '../../src-main/report/pdf.js';
import { SEED_CORRECT, storeRun, storeSeedRun, tempStore } from '../fixtures/report/runs.js';

const CHROMIUM = '/usr/bin/chromium';
const RESULTS = join(process.cwd(), 'test-results');

/** CI installs Chromium and poppler-utils; a machine without them fails here, loudly, rather than skipping. */
function requireTool(path: string, install: string): void {
  if (!existsSync(path)) throw new Error(`${path} is missing: install it (${install}); the report tests need it and CI installs it`);
}

/** Every file and folder under `dir`, relative, sorted. */
function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      out.push(relative(dir, p) + (e.isDirectory() ? '/' : ''));
      if (e.isDirectory() && !e.isSymbolicLink()) walk(p);
    }
  };
  walk(dir);
  return out.sort();
}

let t: ReturnType<typeof tempStore>;
let seedId: string;
let otherId: string;
let hostileId: string;
let out: string;

beforeAll(() => {
  t = tempStore();
  seedId = storeSeedRun(t.store, t.clock);
  otherId = storeRun(t.store, t.clock, { name: 'small, "quoted"', config: { patch: 7, dim: 48, depth: 2, mlp: 192 } });
  hostileId = storeRun(t.store, t.clock, { name: "=cmd|' /C calc'!A0", tags: ['@risk', '-1'], result: null });
  out = join(t.dir, 'out');
  mkdirSync(out);
});
afterAll(() => t.close());

describe('exportReport writes exactly the path given', () => {
  it('refuses to write over a transport that may not', async () => {
    const path = join(out, 'nope.md');
    await expect(exportReport(t.store, { ids: [seedId], format: 'md', path }, { allowWrite: false })).rejects.toThrow(
      'export: writing files is not allowed over this transport',
    );
    expect(existsSync(path)).toBe(false);
  });

  it('writes, refuses to overwrite without force (naming the path), overwrites with force', async () => {
    const path = join(out, 'seed.md');
    const before = tree(t.dir);
    const r = await exportReport(t.store, { ids: [seedId], format: 'md', path }, { allowWrite: true });
    expect(r.path).toBe(path);
    expect(r.filename).toBe('HW7-seed-ViT-Fashion-MNIST.md');
    expect(r.mime).toBe('text/markdown; charset=utf-8');
    expect(readFileSync(path, 'utf8')).toBe(r.content);
    // Exactly one new entry: the file itself (no temp file left behind, nothing elsewhere).
    expect(tree(t.dir)).toEqual([...before, 'out/seed.md'].sort());

    writeFileSync(path, 'precious');
    await expect(exportReport(t.store, { ids: [seedId], format: 'md', path }, { allowWrite: true })).rejects.toThrow(
      `export: ${path} already exists; use --force (force: true) to overwrite it`,
    );
    expect(readFileSync(path, 'utf8')).toBe('precious');

    await exportReport(t.store, { ids: [seedId], format: 'md', path, force: true }, { allowWrite: true });
    expect(readFileSync(path, 'utf8')).toContain('Test Accuracy (Overall): 88.28% (8828/10000)');
    expect(tree(t.dir)).toEqual([...before, 'out/seed.md'].sort());
  });

  it('refuses a folder, a missing folder and an empty path', async () => {
    const w = (path: string) => exportReport(t.store, { ids: [seedId], format: 'md', path, force: true }, { allowWrite: true });
    await expect(w(out)).rejects.toThrow(`export: ${out} is a folder; give a file path`);
    await expect(w(`${out}/`)).rejects.toThrow('names a folder');
    await expect(w(join(out, 'missing', 'x.md'))).rejects.toThrow(`export: the folder ${join(out, 'missing')} does not exist`);
    await expect(w('  ')).rejects.toThrow('export: the output path is empty');
    expect(existsSync(join(out, 'missing'))).toBe(false);
  });

  it('replaces a symlink at the path instead of writing through it', async () => {
    const outside = join(t.dir, 'outside.txt');
    writeFileSync(outside, 'untouched');
    const link = join(out, 'link.md');
    symlinkSync(outside, link);
    await expect(exportReport(t.store, { ids: [seedId], format: 'md', path: link }, { allowWrite: true })).rejects.toThrow('already exists');
    await exportReport(t.store, { ids: [seedId], format: 'md', path: link, force: true }, { allowWrite: true });
    expect(readFileSync(outside, 'utf8')).toBe('untouched');
    expect(lstatSync(link).isFile()).toBe(true);
  });

  it('checks the destination before rendering (a refused PDF never starts the engine)', async () => {
    const path = join(out, 'exists.pdf');
    writeFileSync(path, 'x');
    let calls = 0;
    const pdfEngine = async () => {
      calls++;
      return Buffer.from('%PDF-1.4');
    };
    await expect(exportReport(t.store, { ids: [seedId], format: 'pdf', path }, { allowWrite: true, pdfEngine })).rejects.toThrow('already exists');
    expect(calls).toBe(0);
    const r = await exportReport(t.store, { ids: [seedId], format: 'pdf' }, { allowWrite: false, pdfEngine });
    expect(r).toMatchObject({ format: 'pdf', mime: 'application/pdf', encoding: 'base64', filename: 'HW7-seed-ViT-Fashion-MNIST.pdf' });
    expect(Buffer.from(r.content, 'base64').toString()).toBe('%PDF-1.4');
  });

  it('refuses a baseline that is not exported and an unknown run', async () => {
    await expect(exportReport(t.store, { ids: [seedId, otherId], format: 'md', baselineId: hostileId }, { allowWrite: false })).rejects.toThrow(
      /^export: the baseline r\w+ is not one of the exported runs$/,
    );
    await expect(exportReport(t.store, { ids: ['r-nope'], format: 'md' }, { allowWrite: false })).rejects.toThrow('no run with id "r-nope"');
  });
});

describe('CSV and JSON tables', () => {
  it('CSV parses back to the stored numbers, with formula injection defused', async () => {
    const r = await exportReport(t.store, { ids: [seedId, otherId, hostileId], format: 'csv' }, { allowWrite: false });
    expect(r.filename).toBe('runs-3.csv');
    expect(r.content.endsWith('\r\n')).toBe(true);
    const [header, ...rows] = parseCsv(r.content);
    expect(rows).toHaveLength(3);
    expect(header.slice(0, 4)).toEqual(['id', 'name', 'status', 'tags']);
    for (const col of ['image', 'patch', 'dim', 'depth', 'heads', 'mlp', 'activation', 'dropout', 'dataset', 'epochs', 'batch', 'lr', 'recipe', 'seed', 'limit_train', 'limit_test', 'backend']) {
      expect(header).toContain(col);
    }
    expect(header).toEqual(expect.arrayContaining(['params', 'macs_per_image', 'macs_per_batch', 'test_acc', 'test_loss', 'epochs_done', 'created_at', 'finished_at', 'acc_class_0', 'acc_class_9']));
    const get = (row: string[], col: string) => row[header.indexOf(col)];
    const [seed, other, hostile] = rows;

    const stored = t.store.get(seedId);
    expect(get(seed, 'id')).toBe(seedId);
    expect(Number(get(seed, 'params'))).toBe(205_066);
    expect(Number(get(seed, 'macs_per_image'))).toBe(11_161_216);
    expect(Number(get(seed, 'macs_per_batch'))).toBe(1_116_121_600);
    expect(Number(get(seed, 'test_acc'))).toBe(stored.testAcc);
    expect(Number(get(seed, 'test_acc'))).toBe(0.8828);
    expect(Number(get(seed, 'test_loss'))).toBe(0.36993);
    expect(Number(get(seed, 'epochs_done'))).toBe(10);
    expect(Number(get(seed, 'lr'))).toBe(0.001);
    expect(get(seed, 'created_at')).toBe(stored.createdAt);
    expect(SEED_CORRECT.map((_, k) => Number(get(seed, `acc_class_${k}`)))).toEqual(SEED_CORRECT.map((c) => c / 1000));

    expect(get(other, 'name')).toBe('small, "quoted"');
    expect(Number(get(other, 'params'))).toBe(t.store.get(otherId).params);

    expect(get(hostile, 'name')).toBe("'=cmd|' /C calc'!A0");
    expect(get(hostile, 'tags')).toBe("'@risk;-1");
    expect(get(hostile, 'status')).toBe('failed');
    expect(get(hostile, 'acc_class_0')).toBe('');
  });

  it('JSON has the same rows with numbers as numbers and perClass nested', async () => {
    const r = await exportReport(t.store, { ids: [seedId, hostileId], format: 'json' }, { allowWrite: false });
    expect(r.mime).toBe('application/json; charset=utf-8');
    const rows = JSON.parse(r.content) as Record<string, unknown>[];
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ id: seedId, params: 205_066, macs_per_image: 11_161_216, test_acc: 0.8828, test_loss: 0.36993, epochs_done: 10, acc_class_6: 0.684 });
    expect(rows[0].perClass).toEqual(SEED_CORRECT.map((c, k) => ({ class: k, correct: c, total: 1000, acc: c / 1000 })));
    expect(rows[1]).toMatchObject({ name: "=cmd|' /C calc'!A0", perClass: [] });
  });
});

/** `vitlab export ARGS --db <the test database>`: exit code and what it printed. */
async function cli(...args: string[]): Promise<{ code: number; text: string }> {
  const printed: string[] = [];
  const code = await runExport([...args, '--db', t.dbPath], (s) => printed.push(s));
  return { code, text: printed.join('\n') };
}

describe('vitlab export (CLI)', () => {
  it('prints text formats to stdout without --out', async () => {
    const md = await cli(seedId);
    expect(md.code).toBe(0);
    expect(md.text).toContain('Test Accuracy (Overall): 88.28% (8828/10000)');
    const csv = await cli(seedId, otherId, '--format', 'csv');
    expect(parseCsv(csv.text)).toHaveLength(3);
    const help = await cli('--help');
    expect(help.text).toBe(EXPORT_USAGE);
  });

  it('--out writes the file, infers the format, and refuses to overwrite without --force', async () => {
    const path = join(out, 'cli-report.html');
    const first = await cli(seedId, otherId, '--out', path, '--baseline', otherId);
    expect(first.text).toMatch(/^wrote .*cli-report\.html \(html, [\d,]+ bytes\)$/);
    expect(readFileSync(path, 'utf8')).toMatch(/^<!DOCTYPE html>/);
    expect(readFileSync(path, 'utf8')).toContain('Comparison of 2 runs');
    await expect(cli(seedId, '--out', path)).rejects.toThrow(`${path} already exists`);
    expect((await cli(seedId, '--out', path, '--force')).code).toBe(0);
    expect(readFileSync(path, 'utf8')).toContain('Run report');
  });

  it('a filter picks the runs instead of ids', async () => {
    const all = await cli('--all', '--format', 'csv');
    const rows = parseCsv(all.text);
    expect(rows.length - 1).toBe(t.store.list({}).total);
    const done = parseCsv((await cli('--status', 'completed', '--format', 'csv')).text);
    expect(done.slice(1).every((r) => r[2] === 'completed')).toBe(true);
    await expect(cli(seedId, '--all')).rejects.toThrow('not both');
    await expect(cli('--status', 'bogus')).rejects.toThrow('--status: "bogus"');
    await expect(cli('--search', 'no run is called this', '--format', 'csv')).rejects.toThrow('no run matches the filter');
  });

  it('refuses what makes no sense', async () => {
    await expect(cli()).rejects.toThrow('give at least one run id');
    await expect(cli(seedId, '--format', 'docx')).rejects.toThrow('--format: "docx" is not one of md, html, csv, json, pdf');
    await expect(cli(seedId, '--format', 'pdf')).rejects.toThrow('give --out PATH');
    await expect(runExport([seedId, '--db', join(t.dir, 'none.db')], () => {})).rejects.toThrow(/no ViT Lab database at .*none\.db/);
    expect(existsSync(join(t.dir, 'none.db'))).toBe(false);
  });
});

describe('PDF', () => {
  beforeAll(() => {
    requireTool(CHROMIUM, 'apt-get install chromium');
    requireTool('/usr/bin/pdftotext', 'apt-get install poppler-utils');
    mkdirSync(RESULTS, { recursive: true });
  });

  it('without any Chromium the error says what to install', async () => {
    const engine = chromiumPdfEngine({ env: { PATH: '' }, candidates: [] });
    await expect(engine('<p>x</p>')).rejects.toThrow(NO_PDF_ENGINE);
    expect(NO_PDF_ENGINE).toBe('export: PDF export needs Chromium (apt-get install chromium) or the desktop app');
    expect(() => findChromium({ CHROME_PATH: '/nonexistent/chrome' })).toThrow('CHROME_PATH is set to /nonexistent/chrome');
    expect(findChromium({ PATH: '' })).toBe(CHROMIUM);
  });

  it('the run report prints with its result block, 49,984 and 277,760,000', async () => {
    const path = join(out, 'seed.pdf');
    expect((await cli(seedId, '--out', path)).code).toBe(0);
    const pdf = readFileSync(path);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [path], { encoding: 'utf8' }))![1]);
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(pages).toBeLessThanOrEqual(8);
    const text = execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' });
    const first = text.split('\f')[0];
    // The summary page carries the headline numbers and the seed's block.
    expect(first).toContain('HW7 seed ViT (Fashion-MNIST)');
    expect(first).toContain('Test Loss: 0.369930');
    for (const line of readFileSync(join(process.cwd(), 'test/fixtures/seed-report.txt'), 'utf8').split('\n').filter((l) => l.startsWith('Test Accuracy'))) {
      expect(first).toContain(line);
    }
    expect(text).toContain('49,984');
    expect(text).toContain('277,760,000');
    expect(text).toContain('Parameters = 64 × 192 + 192 = 12480');
    expect(text).toContain('61,440,000');
    expect(text).toMatch(/Convention\. MACs count/);
    execFileSync('pdftoppm', ['-png', '-r', '70', '-f', '1', '-l', '3', path, join(RESULTS, 'report-pdf-page')]);
    expect(existsSync(join(RESULTS, 'report-pdf-page-1.png'))).toBe(true);
  });

  it('a comparison prints too', async () => {
    const r = await exportReport(t.store, { ids: [seedId, otherId, hostileId], format: 'pdf' }, { allowWrite: false });
    const path = join(out, 'cmp.pdf');
    writeFileSync(path, Buffer.from(r.content, 'base64'));
    const text = execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' });
    expect(text).toContain('Comparison of 3 runs');
    expect(text).toContain("=cmd|' /C calc'!A0");
    expect(text).toContain('Accuracy vs MACs per image');
    execFileSync('pdftoppm', ['-png', '-r', '70', '-f', '1', '-l', '1', path, join(RESULTS, 'report-comparison-pdf-page')]);
  });
});
