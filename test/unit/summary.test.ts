import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SEED_CONFIG } from '../../src-main/vit/config.js';
import { modelSummary } from '../../src-main/vit/summary.js';

const seedReport = fs.readFileSync(new URL('../fixtures/seed-report.txt', import.meta.url), 'utf8');
const seedPrintout = /```\n(ViT\([\s\S]*?\n\))\n```/.exec(seedReport)![1];

describe('PyTorch-style printout', () => {
  it("matches the seed report's ViT(...) block line for line", () => {
    expect(modelSummary(SEED_CONFIG).split('\n')).toEqual(seedPrintout.split('\n'));
  });

  it('folds the block list by depth, and shows a single block unfolded', () => {
    expect(modelSummary({ ...SEED_CONFIG, depth: 6 })).toContain('(0-5): 6 x Transformer_Encoder(');
    const one = modelSummary({ ...SEED_CONFIG, depth: 1 });
    expect(one).toContain('    (0): Transformer_Encoder(');
    expect(one).not.toContain(' x Transformer_Encoder');
  });

  it('shows GELU and dropout where the config has them', () => {
    const s = modelSummary({ ...SEED_CONFIG, activation: 'gelu', dropout: 0.1 });
    expect(s).toContain("(1): GELU(approximate='none')");
    expect(s).toContain('(2): Dropout(p=0.1, inplace=False)');
    expect(s).toContain('(3): Linear(in_features=256, out_features=64, bias=True)');
  });
});
