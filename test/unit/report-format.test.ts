import { describe, expect, it } from 'vitest';
import { csvField, parseCsv } from '../../src-main/report/csv.js';
import { buildComparison } from '../../src-main/report/data.js';
import { exportFilename } from '../../src-main/report/export.js';
import { commas, escapeHtml, fileStem, mdCell, mdParagraphs, mdText, plain, points, times } from '../../src-main/report/format.js';
import { paretoFront } from '../../src-shared/pareto.js';

describe('number formats follow the seed report', () => {
  it('MACs with separators, per-layer parameters without', () => {
    expect(commas(277_760_000)).toBe('277,760,000');
    expect(commas(49_984)).toBe('49,984');
    expect(plain(49_984)).toBe('49984');
    expect(points(0.0125)).toBe('+1.25 pp');
    expect(points(-0.0338)).toBe('−3.38 pp');
    expect(points(0)).toBe('±0.00 pp');
    expect(times(0.2945)).toBe('×0.29');
    expect(times(12.34)).toBe('×12.3');
  });
});

describe('escaping', () => {
  it('HTML: every markup character', () => {
    expect(escapeHtml(`<img src=x onerror="alert('1')">&`)).toBe('&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;');
  });

  it('Markdown inline: HTML, links, emphasis, code, pipes and math become literal text', () => {
    expect(mdText('<b>x</b> & [a](b) *c* _d_ `e` | f $g$ ~h~ \\i')).toBe(
      '&lt;b&gt;x&lt;/b&gt; &amp; \\[a\\](b) \\*c\\* \\_d\\_ \\`e\\` \\| f \\$g\\$ \\~h\\~ \\\\i',
    );
    expect(mdText('line one\nline two\r\n  three')).toBe('line one line two three');
    // Harmless characters stay readable.
    expect(mdText('vit-L4-d64 (v1.2)!')).toBe('vit-L4-d64 (v1.2)!');
    expect(mdCell('0.001')).toBe('0.001');
  });

  it('Markdown at the start of a line: no heading, list or quote', () => {
    expect(mdText('# title', true)).toBe('\\# title');
    expect(mdText('- item', true)).toBe('\\- item');
    expect(mdText('1. item', true)).toBe('1\\. item');
    expect(mdText('> quote', true)).toBe('&gt; quote');
  });

  it('Markdown paragraphs keep line breaks as hard breaks and blank lines as paragraphs', () => {
    expect(mdParagraphs('a\nb\n\n\n# c')).toBe('a\\\nb\n\n\\# c');
    expect(mdParagraphs('\u0000bell\u0007')).toBe('bell');
  });
});

describe('CSV', () => {
  it('quotes per RFC 4180', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(null)).toBe('');
    expect(csvField(0.8828)).toBe('0.8828');
    expect(csvField(Number.NaN)).toBe('');
  });

  it('defuses formula injection but leaves numbers alone', () => {
    expect(csvField('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvField('+1+2')).toBe("'+1+2");
    expect(csvField('-2+3')).toBe("'-2+3");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('\tcmd')).toBe("'\tcmd");
    expect(csvField('-1.5')).toBe('-1.5');
    expect(csvField('+3e-4')).toBe('+3e-4');
    expect(csvField(-1.5)).toBe('-1.5');
  });

  it('parses back what it writes', () => {
    const cells = ['a,b', 'say "hi"', 'two\r\nlines', '', "'=1+1", 'é中'];
    const text = `${cells.map(csvField).join(',')}\r\nx,y\r\n`;
    expect(parseCsv(text)).toEqual([cells, ['x', 'y']]);
  });
});

describe('file names', () => {
  it('come from the run name, safely', () => {
    expect(fileStem('HW7 seed ViT (Fashion-MNIST)')).toBe('HW7-seed-ViT-Fashion-MNIST');
    expect(fileStem('../../etc/passwd')).toBe('etc-passwd');
    expect(fileStem('<img src=x onerror=alert(1)>')).toBe('img-src-x-onerror-alert-1');
    expect(fileStem('...')).toBe('report');
    expect(fileStem('CON')).toBe('report');
    expect(fileStem('視覺 Transformer')).toBe('視覺-Transformer');
    expect([...fileStem('x'.repeat(300))]).toHaveLength(80);
    expect(exportFilename([{ name: 'a/b', id: 'r1' }], 'pdf')).toBe('a-b.pdf');
    expect(exportFilename([{ name: '***', id: 'r1' }], 'md')).toBe('r1.md');
    expect(exportFilename([{ name: 'a', id: 'r1' }, { name: 'b', id: 'r2' }], 'html')).toBe('comparison-2-runs.html');
    expect(exportFilename([{ name: 'a', id: 'r1' }, { name: 'b', id: 'r2' }], 'csv')).toBe('runs-2.csv');
  });
});

describe('Pareto front (shared with the dashboard)', () => {
  it('keeps the highest accuracy for a given cost', () => {
    const r = paretoFront([
      { id: 'a', cost: 1, acc: 0.8 },
      { id: 'b', cost: 2, acc: 0.79 },
      { id: 'c', cost: 3, acc: 0.9 },
      { id: 'd', cost: 3, acc: 0.85 },
      { id: 'e', cost: 0.5, acc: null },
    ]);
    expect(r.front.map((p) => p.id)).toEqual(['a', 'c']);
    expect(r.dominated.map((p) => p.id)).toEqual(['b', 'd']);
    expect(r.excluded.map((p) => p.id)).toEqual(['e']);
  });

  it('is what a comparison uses, on MACs per image and on parameters', () => {
    const run = (id: string, depth: number, acc: number) =>
      ({
        id,
        name: id,
        status: 'completed',
        config: { image: 28, channels: 1, classes: 10, patch: 4, dim: 64, depth, heads: 4, mlp: 256, activation: 'relu', dropout: 0, dataset: 'fashion-mnist', epochs: 1, batch: 100, lr: 0.001, recipe: 'seed', seed: 0, limitTrain: 0, limitTest: 0, backend: 'auto' },
        testAcc: acc,
        testLoss: 0.4,
        perClass: [],
        confusion: null,
        cost: null,
        epochs: [],
      }) as never;
    const cmp = buildComparison([run('deep', 6, 0.85), run('shallow', 2, 0.86), run('mid', 4, 0.87)], 'mid');
    expect(cmp.paretoMacs.front.map((p) => p.id)).toEqual(['shallow', 'mid']);
    expect(cmp.paretoParams.front.map((p) => p.id)).toEqual(['shallow', 'mid']);
    expect(cmp.baseline.run.id).toBe('mid');
    expect(cmp.differs.map((d) => d.field)).toEqual(['depth']);
    const deep = cmp.deltas.find((d) => d.id === 'deep')!;
    expect(deep.dAcc).toBeCloseTo(-0.02, 10);
    expect(deep.xParams).toBeCloseTo((1088 + 64 + 3200 + 6 * 49984 + 778) / (1088 + 64 + 3200 + 4 * 49984 + 778), 10);
  });
});
