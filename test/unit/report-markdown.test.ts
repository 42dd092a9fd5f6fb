import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportReport } from '../../src-main/report/export.js';
import { comparisonMarkdown, runMarkdown } from '../../src-main/report/markdown.js';
import { SEED_EPOCHS, storeRun, storeSeedRun, tempStore } from '../fixtures/report/runs.js';

const here = dirname(fileURLToPath(import.meta.url));
const SEED = readFileSync(join(here, '../fixtures/seed-report.txt'), 'utf8');
const GOLDEN = join(here, '../fixtures/report/seed-run.md');
const GENERATED_AT = new Date('2026-03-02T12:00:00.000Z');

/** The seed's LaTeX as plain text: `64 \times 192` → `64 × 192`, `input\ channel` → `input channel`. */
const plainLatex = (s: string) =>
  s
    .replace(/\\times/g, '×')
    .replace(/\\ /g, ' ')
    .replace(/\$/g, '')
    .replace(/\s+/g, ' ')
    .trim();

describe('Markdown run report of a stored seed-config run', () => {
  let t: ReturnType<typeof tempStore>;
  let id: string;
  let md: string;

  beforeAll(async () => {
    t = tempStore();
    id = storeSeedRun(t.store, t.clock);
    const r = await exportReport(t.store, { ids: [id], format: 'md' }, { allowWrite: false, now: () => GENERATED_AT });
    md = r.content;
  });
  afterAll(() => t.close());

  it("reproduces the seed's training result block character for character", () => {
    const seedBlock = SEED.slice(SEED.indexOf('Test Loss:'), SEED.indexOf('Test Accuracy (Overall)'));
    const overall = SEED.split('\n').find((l) => l.startsWith('Test Accuracy (Overall)'))!;
    expect(overall).toBe('Test Accuracy (Overall): 88.28% (8828/10000)');
    expect(md).toContain('```\n' + seedBlock + overall + '\n```');
    const classLines = SEED.split('\n').filter((l) => l.startsWith('Test Accuracy of Class'));
    expect(classLines).toHaveLength(10);
    const mdLines = md.split('\n');
    for (const line of [...classLines, 'Test Loss: 0.369930', overall]) expect(mdLines).toContain(line);
  });

  it("reproduces every parameter line of the seed's breakdown and the total 49984 / 49,984", () => {
    const seedParamLines = SEED.split('\n')
      .filter((l) => l.includes('$Parameters ='))
      .map(plainLatex);
    expect(seedParamLines).toEqual([
      'Parameters = 64 + 64 = 128',
      'Parameters = 64 × 192 + 192 = 12480',
      'Parameters = 64 × 64 + 64 = 4160',
      'Parameters = 64 + 64 = 128',
      'Parameters = 64 × 256 + 256 = 16640',
      'Parameters = 256 × 64 + 64 = 16448',
    ]);
    for (const line of seedParamLines) expect(md).toContain(`\`${line}\``);
    expect(md).toContain('`Total parameters = 128 + 12480 + 4160 + 128 + 16640 + 16448 = 49984`');
    expect(md).toContain('| Parameters | 205,066 (49,984 per encoder layer) |');
    expect(md).toContain('| transformer_encoders | 4 × 49,984 | 199,936 |');
  });

  it("reproduces every MAC line of the seed (symbolic and numeric) and the total 277,760,000", () => {
    // Each seed MAC line is a LaTeX aligned pair: the symbolic form, then "&= numbers = value".
    const blocks = [...SEED.matchAll(/MACs &= (.+?) \\\\ &= (.+?) \\end\{aligned\}/g)].map((m) => [plainLatex(m[1]), plainLatex(m[2])]);
    expect(blocks).toHaveLength(6);
    expect(blocks.map((b) => b[1].split(' = ')[1])).toEqual(['61,440,000', '16,000,000', '16,000,000', '20,480,000', '81,920,000', '81,920,000']);
    for (const [symbolic, numbers] of blocks) expect(md).toContain(`\`MACs = ${symbolic} = ${numbers}\``);
    const seedTotal = plainLatex(SEED.slice(SEED.indexOf('\\textit{Total MACs} &= ') + 23).replace(/\\\\ &\+/, '+').replace(/\\end\{aligned\}\$\$/, ''));
    expect(seedTotal).toBe('61,440,000 + 16,000,000 + 16,000,000 + 20,480,000 + 81,920,000 + 81,920,000 = 277,760,000');
    expect(md).toContain(`\`Total MACs = ${seedTotal}\``);
    expect(md).toContain('## MACs (a single transformer encoder layer, B = 100, N = 50)');
  });

  it('has the whole-model totals, the convention, the curves, the config and the environment', () => {
    expect(md).toContain('| **Total** |   | **205,066** |');
    expect(md).toContain('| **Total MACs** |   | **1,116,121,600** | **11,161,216** |');
    expect(md).toContain('| **Total FLOPs (2 × MACs)** |   | **2,232,243,200** | **22,322,432** |');
    expect(md).toMatch(/> \*\*Convention\.\*\* MACs count .*excluded/);
    expect(md).toContain('| 10 | 0.3141 | 88.43% | 0.3699 | 88.28% | 0.001 | 401.4 | 149.5 |');
    expect(md).toContain('| Patch size | 4 |');
    expect(md).toContain('| Backend | wasm |');
    expect(md).toContain('| Version: tfjs | 4.22.0 |');
    expect(md).toContain('| Duration | 1 h 6 min 47 s |');
    expect(md).toContain('```\nViT(\n  (patch_embedding): Linear(in_features=16, out_features=64, bias=True)');
  });

  it('matches the stored golden file exactly (run id masked)', () => {
    const doc = md.replaceAll(id, 'RUN_ID');
    // UPDATE_GOLDEN=1 rewrites it (then read the diff before committing); a missing file is a failure.
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, doc);
    expect(existsSync(GOLDEN), `${GOLDEN} is missing: run with UPDATE_GOLDEN=1 once and check it by eye`).toBe(true);
    expect(doc).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it('is the same text as runMarkdown (export adds nothing)', () => {
    expect(runMarkdown(t.store.get(id), { generatedAt: GENERATED_AT })).toBe(md);
  });
});

describe('Markdown escaping of user text', () => {
  let t: ReturnType<typeof tempStore>;
  beforeAll(() => {
    t = tempStore();
  });
  afterAll(() => t.close());

  it('a hostile run name, tags and notes cannot inject HTML or break the layout', () => {
    const id = storeRun(t.store, t.clock, {
      name: '<img src=x onerror=alert(1)>',
      tags: ['<script>alert(2)</script>', 'a|b'],
      notes: '# not a heading\n```\n<b>bold</b> [link](javascript:alert(3)) *em* `code` | pipe\n- not a list',
    });
    const md = runMarkdown(t.store.get(id));
    expect(md).not.toMatch(/<img|<script|<b>/i);
    expect(md).toContain('# Run report: &lt;img src=x onerror=alert(1)&gt;');
    expect(md).toContain('Tags: &lt;script&gt;alert(2)&lt;/script&gt;, a\\|b');
    const notes = md.slice(md.indexOf('## Notes'), md.indexOf('## Summary'));
    expect(notes).toContain('\\# not a heading');
    expect(notes).toContain('\\`\\`\\`');
    expect(notes).toContain('&lt;b&gt;bold&lt;/b&gt; \\[link\\](javascript:alert(3)) \\*em\\* \\`code\\` \\| pipe');
    expect(notes).toContain('\\- not a list');
    // Only our own fences: the result block and the printout.
    expect(md.split('\n').filter((l) => l.startsWith('```'))).toHaveLength(4);
    // Outside code, not a single raw `<`: nothing a renderer could take for HTML.
    expect(md.replace(/```[\s\S]*?```/g, '')).not.toContain('<');
  });

  it('names with pipes and newlines keep comparison tables intact', () => {
    const a = storeRun(t.store, t.clock, { name: 'left | right\nsecond line' });
    const b = storeRun(t.store, t.clock, { name: 'plain', config: { depth: 2 }, epochs: SEED_EPOCHS.slice(0, 3) });
    const md = comparisonMarkdown([t.store.get(a), t.store.get(b)]);
    const header = md.split('\n').find((l) => l.startsWith('| Class | Label |'))!;
    expect(header).toBe('| Class | Label | left \\| right second line | plain |');
    for (const table of md.split('\n\n').filter((p) => p.startsWith('|'))) {
      const widths = table.split('\n').map((l) => l.replace(/\\\|/g, '').split('|').length);
      expect(new Set(widths).size).toBe(1);
    }
  });
});

describe('Markdown comparison report', () => {
  let t: ReturnType<typeof tempStore>;
  let ids: string[];
  let md: string;

  const result = (correct: number[], testLoss: number) => ({
    testLoss,
    correct: correct.reduce((a, b) => a + b, 0),
    total: 1000 * correct.length,
    perClass: correct.map((c) => ({ correct: c, total: 1000 })),
    confusion: [],
  });

  beforeAll(() => {
    t = tempStore();
    ids = [
      storeSeedRun(t.store, t.clock),
      // Cheaper and worse: on the front (nothing cheaper beats it).
      storeRun(t.store, t.clock, { name: 'small', config: { patch: 7, dim: 48, depth: 2, mlp: 192 }, result: result([800, 950, 700, 850, 800, 950, 600, 950, 950, 940], 0.45) }),
      // Dearer and worse than the seed: dominated.
      storeRun(t.store, t.clock, { name: 'wide', config: { patch: 7, dim: 128, depth: 6, heads: 8, mlp: 512 }, result: result([850, 975, 770, 860, 830, 960, 690, 970, 960, 950], 0.4) }),
      // No final result: left out of the front.
      storeRun(t.store, t.clock, { name: 'crashed', config: { depth: 2 }, result: null, epochs: SEED_EPOCHS.slice(0, 2) }),
    ];
    md = comparisonMarkdown(
      ids.map((i) => t.store.get(i)),
      { baselineId: ids[0], generatedAt: GENERATED_AT },
    );
  });
  afterAll(() => t.close());

  it('tables every run with its key config, params, MACs/image and accuracy', () => {
    expect(md).toContain('# Comparison of 4 runs');
    const row = md.split('\n').find((l) => l.startsWith('| HW7 seed ViT'))!;
    expect(row).toContain('| 4 | 4 | 4 | 64 | 256 |');
    expect(row).toContain('| 205,066 | 11,161,216 | 88.28% | MACs, params |');
    expect(md.split('\n').find((l) => l.startsWith('| wide |'))).toMatch(/\| 88\.15% \| — \|$/);
    expect(md.split('\n').find((l) => l.startsWith('| crashed |'))).toContain('(latest epoch)');
  });

  it('lists the Pareto front cheapest first', () => {
    const section = md.slice(md.indexOf('## Pareto front'), md.indexOf('## Accuracy per class'));
    const macs = section.slice(section.indexOf('**Accuracy vs MACs per image**'), section.indexOf('**Accuracy vs parameters**'));
    expect(macs).toMatch(/1\. small \(`r\w+`\): 84\.90% at 1,033,632 MACs\/image\n2\. HW7 seed ViT \(Fashion-MNIST\) \(`r\w+`\): 88\.28% at 11,161,216 MACs\/image/);
    expect(macs).not.toContain('wide');
  });

  it('marks the best accuracy of each class', () => {
    const line = (k: number) => md.split('\n').find((l) => l.startsWith(`| ${k} | `))!;
    expect(line(0)).toBe('| 0 | T-shirt/top | 84.70% | 80.00% | **85.00%** | — |');
    expect(line(1)).toBe('| 1 | Trouser | **97.80%** | 95.00% | 97.50% | — |');
  });

  it('shows what differs and what is the same', () => {
    const section = md.slice(md.indexOf('## What differs'), md.indexOf('## Against the baseline'));
    expect(section).toContain('| Depth (encoder layers) | 4 | 2 | 6 | 2 |');
    expect(section).toContain('| Patch size | 4 | 7 | 7 | 4 |');
    expect(section).not.toContain('| Learning rate |');
    expect(section).toContain('Same in every run:');
    expect(section).toContain('learning rate 0.001');
  });

  it('gives deltas against the baseline in points and multiples', () => {
    const section = md.slice(md.indexOf('## Against the baseline'));
    expect(section).toContain('| HW7 seed ViT (Fashion-MNIST) *(baseline)* | 88.28% | — | ×1 | ×1 |');
    const small = section.split('\n').find((l) => l.startsWith('| small |'))!;
    expect(small).toContain('| 84.90% | −3.38 pp | ×0.29 | ×0.09 |');
  });
});

describe('Markdown comparison of many runs (a sweep)', () => {
  it('turns per-run tables around: a row per run', () => {
    const t = tempStore();
    try {
      const ids = [2, 4, 6, 8].flatMap((depth) =>
        [4, 7].map((patch) => storeRun(t.store, t.clock, { name: `L${depth}-p${patch}`, config: { depth, patch } })),
      );
      const md = comparisonMarkdown(ids.map((i) => t.store.get(i)));
      expect(md).toContain('# Comparison of 8 runs');
      expect(md).toContain('| Run | 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 |');
      expect(md).toContain('Classes: 0 T-shirt/top, 1 Trouser,');
      expect(md.split('\n').filter((l) => /^\| L\d-p\d \| (\*\*)?84\.70%/.test(l))).toHaveLength(8);
      expect(md).toContain('| Field | Values |');
      expect(md).toContain('| Patch size | 4, 7 |');
      expect(md).toContain('| Depth (encoder layers) | 2, 4, 6, 8 |');
    } finally {
      t.close();
    }
  });
});
