import { describe, expect, it } from 'vitest';
import { comparisonHtml } from '../../src-main/report/html.js';
import { comparisonMarkdown } from '../../src-main/report/markdown.js';
import type { EvalResult } from '../../src-main/train/messages.js';
import { storeRun, tempStore } from '../fixtures/report/runs.js';

/** A final evaluation of 1000 images with `correct` right (one class, enough for the figures). */
const result = (correct: number): EvalResult => ({ testLoss: 0.4, correct, total: 1000, perClass: [{ correct, total: 1000 }], confusion: [[correct]] });

describe('comparison reports over seeds', () => {
  it('carry n, mean ± std, min–max, 95 % CI and Welch Δ per group, with the front over means', () => {
    const t = tempStore();
    try {
      // depth 4: 880, 884, 888 of 1000 (mean 88.40 %, std 0.40 pt); depth 2: 850, 852, 854 (85.20 ± 0.20).
      const ids = [
        ...[880, 884, 888].map((c, seed) => storeRun(t.store, t.clock, { name: `L4 s${seed}`, config: { seed }, result: result(c) })),
        ...[850, 852, 854].map((c, seed) => storeRun(t.store, t.clock, { name: `L2 s${seed}`, config: { depth: 2, seed }, result: result(c) })),
      ];
      const md = comparisonMarkdown(ids.map((i) => t.store.get(i)));
      const section = md.slice(md.indexOf('## Over seeds'), md.indexOf('## Cost convention'));
      // 95 % CI half-widths: t(0.975, 2) = 4.3027 × s / √3 → 0.99 pt and 0.50 pt.
      expect(section).toContain('| depth=4 (baseline) | 3 | 88.40% ± 0.40 | 88.00–88.80 | 87.41–89.39 | — | — | — |');
      // Δ = −3.20 pt, Welch: se = √(0.4²/3 + 0.2²/3) = 0.2582 pt, ν = 2.94, t = 3.19 → ± 0.82 pt.
      const l2 = section.split('\n').find((l) => l.startsWith('| depth=2 |'))!;
      expect(l2).toContain('| 3 | 85.20% ± 0.20 | 85.00–85.40 | 84.70–85.70 | −3.20 |');
      expect(l2).toMatch(/\| −4\.0\d … −2\.3\d \| yes \|/);
      expect(section).toContain('Front over group means, MACs per image');
      expect(section).toMatch(/1\. depth=2: 85\.20% ± 0\.20 \(n = 3\) at [\d,]+ MACs\/image\n2\. depth=4: 88\.40% ± 0\.40/);
      const html = comparisonHtml(ids.map((i) => t.store.get(i)));
      expect(html).toContain('<h2>Over seeds</h2>');
      expect(html).toContain('88.40% ± 0.40');
    } finally {
      t.close();
    }
  });

  it('leave the section out when every config ran once', () => {
    const t = tempStore();
    try {
      const ids = [2, 4].map((depth) => storeRun(t.store, t.clock, { config: { depth } }));
      expect(comparisonMarkdown(ids.map((i) => t.store.get(i)))).not.toContain('## Over seeds');
    } finally {
      t.close();
    }
  });
});
