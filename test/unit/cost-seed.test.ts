import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SEED_CONFIG } from '../../src-main/vit/config.js';
import { computeCost, layerMacs, layerParams } from '../../src-main/vit/cost.js';

/**
 * Every per-layer formula and number, read from the seed report itself (test/fixtures/seed-report.txt,
 * written from /work/shared/seed), not restated by hand; the whole-model lines are hand-worked.
 */
const seed = fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/seed-report.txt'), 'utf8');
const tex = (s: string) => s.replace(/\s*\\times\s*/g, ' × ');

describe('the cost model writes the seed report', () => {
  it('per-layer parameter formulas and values, in the seed order (norm1, qkv, fc_out, norm2, mlp1, mlp2)', () => {
    const fromSeed = [...seed.matchAll(/\$Parameters = (.+?) = (\d+)\$/g)].map((m) => ({ formula: tex(m[1]), value: Number(m[2]) }));
    expect(fromSeed).toHaveLength(6);
    expect(layerParams(SEED_CONFIG).map(({ formula, value }) => ({ formula, value }))).toEqual(fromSeed);
  });

  it('per-layer MAC formulas and values, in the seed order (qkv, QKᵀ, attn·V, fc_out, mlp1, mlp2)', () => {
    const fromSeed = [...seed.matchAll(/&= (100 \\times .+?) = ([\d,]+) \\end/g)].map((m) => ({ formula: tex(m[1]), value: Number(m[2].replace(/,/g, '')) }));
    expect(fromSeed).toHaveLength(6);
    expect(layerMacs(SEED_CONFIG, 100).map(({ formula, value }) => ({ formula, value }))).toEqual(fromSeed);
    expect(layerMacs(SEED_CONFIG, 100).map((l) => l.name)).toEqual(['qkv', 'QKᵀ', 'attn·V', 'fc_out', 'mlp1', 'mlp2']);
  });

  it('the layer total is the one the seed prints', () => {
    const total = /= ([\d,]+) \\end\{aligned\}\$\$\s*$/.exec(seed.trim())!;
    expect(computeCost(SEED_CONFIG).macs.layerTotal).toBe(Number(total[1].replace(/,/g, '')));
    expect(computeCost(SEED_CONFIG).params.layerTotal).toBe(Number(/&= (\d+) \\end/.exec(seed)![1]));
  });
});

describe('the convention is stated whole', () => {
  it('names what is counted and what is not', () => {
    const { convention } = computeCost(SEED_CONFIG);
    expect(convention).toContain('MACs count multiply-accumulates of the linear layers (bias excluded) and of both attention matmuls (QKᵀ and attn·V)');
    expect(convention).toContain('bias adds, LayerNorm, softmax, activations, the cls/position additions and dropout are excluded');
    expect(convention).toContain('FLOPs = 2 × MACs');
  });
});

describe('whole-model lines, worked by hand', () => {
  const c = computeCost(SEED_CONFIG); // default batch: 100, the seed's
  it('parameter lines: formulas and values', () => {
    expect(c.params.model.map(({ name, formula, value }) => [name, formula, value])).toEqual([
      ['patch_embedding', '16 × 64 + 64', 1_088],
      ['cls_token', '64', 64],
      ['pos_embedding', '50 × 64', 3_200],
      ['transformer_encoders', '4 × 49,984', 199_936],
      ['mlp_head.norm', '64 + 64', 128],
      ['mlp_head.linear', '64 × 10 + 10', 650],
    ]);
  });

  it('MAC lines, per batch and per image, and FLOPs = 2 × MACs', () => {
    expect(c.macs.model.map(({ name, formula, value }) => [name, formula, value])).toEqual([
      // 100 images × 49 patches × 16 inputs × 64 outputs
      ['patch_embedding', '100 × 49 × 16 × 64', 5_017_600],
      ['transformer_encoders', '4 × 277,760,000', 1_111_040_000],
      ['mlp_head.linear', '100 × 64 × 10', 64_000],
    ]);
    expect(c).toMatchObject({ tokens: 50, headDim: 16, batch: 100 });
    // 5,017,600 + 1,111,040,000 + 64,000 = 1,116,121,600 per batch of 100.
    expect(c.macs.perBatch).toBe(1_116_121_600);
    expect(c.macs.perImage).toBe(11_161_216);
    expect(c.flops).toEqual({ perImage: 22_322_432, perBatch: 2_232_243_200, layer: 555_520_000 });
  });

  it('channels and classes enter the patch embedding and the head', () => {
    // 3 channels, 7 classes, patch 4: patch input 4·4·3 = 48 → 48·64 + 64 = 3,136; head 64·7 + 7 = 455.
    const k = computeCost({ ...SEED_CONFIG, channels: 3, classes: 7 }, 2);
    expect(k.params.model.find((l) => l.name === 'patch_embedding')).toMatchObject({ formula: '48 × 64 + 64', value: 3_136 });
    expect(k.params.model.find((l) => l.name === 'mlp_head.linear')).toMatchObject({ formula: '64 × 7 + 7', value: 455 });
    // Batch 2: 2·49·48·64 = 301,056 and 2·64·7 = 896.
    expect(k.macs.model.find((l) => l.name === 'patch_embedding')!.value).toBe(301_056);
    expect(k.macs.model.find((l) => l.name === 'mlp_head.linear')!.value).toBe(896);
    expect(k.macs.perImage).toBe(k.macs.perBatch / 2);
  });
});
