import { describe, expect, it } from 'vitest';
import { SEED_CONFIG, type ModelConfig } from '../../src-main/vit/config.js';
import { computeCost } from '../../src-main/vit/cost.js';

const byName = (lines: { name: string; value: number }[]) => Object.fromEntries(lines.map((l) => [l.name, l.value]));

describe('cost model reproduces the seed report', () => {
  const cost = computeCost(SEED_CONFIG, 100);

  it('parameters of one encoder layer, line by line', () => {
    expect(byName(cost.params.layer)).toEqual({ norm1: 128, qkv: 12_480, fc_out: 4_160, norm2: 128, mlp1: 16_640, mlp2: 16_448 });
    expect(cost.params.layerTotal).toBe(49_984);
  });

  it('parameters of the whole model', () => {
    expect(byName(cost.params.model)).toEqual({
      patch_embedding: 1_088,
      cls_token: 64,
      pos_embedding: 3_200,
      transformer_encoders: 4 * 49_984,
      'mlp_head.norm': 128,
      'mlp_head.linear': 650,
    });
    expect(cost.params.total).toBe(205_066);
  });

  it('MACs of one encoder layer at B = 100, N = 50, line by line', () => {
    expect(cost.tokens).toBe(50);
    expect(byName(cost.macs.layer)).toEqual({
      qkv: 61_440_000,
      'QKᵀ': 16_000_000,
      'attn·V': 16_000_000,
      fc_out: 20_480_000,
      mlp1: 81_920_000,
      mlp2: 81_920_000,
    });
    expect(cost.macs.layerTotal).toBe(277_760_000);
    expect(cost.flops.layer).toBe(2 * 277_760_000);
  });

  it('formulas are written the way the seed writes them', () => {
    expect(cost.macs.layer.find((l) => l.name === 'qkv')!.formula).toBe('100 × 50 × 64 × 192');
    expect(cost.macs.layer.find((l) => l.name === 'QKᵀ')!.formula).toBe('100 × 4 × 50 × (16 × 50)');
    expect(cost.params.layer.find((l) => l.name === 'mlp2')!.formula).toBe('256 × 64 + 64');
  });

  it('per image is per batch divided by the batch, and states its convention', () => {
    expect(cost.macs.perBatch).toBe(5_017_600 + 4 * 277_760_000 + 64_000);
    expect(cost.macs.perImage * 100).toBe(cost.macs.perBatch);
    expect(computeCost(SEED_CONFIG, 1).macs.perBatch).toBe(cost.macs.perImage);
    expect(cost.convention).toMatch(/bias.*excluded/);
    expect(cost.convention).toMatch(/LayerNorm/);
  });
});

describe('cost model against hand counts of other configs', () => {
  // Each expectation is worked out by hand from B·N·in·out and B·heads·N·N·hd.
  const cases: { label: string; c: Partial<ModelConfig>; layerParams: number; layerMacs: number }[] = [
    // patch 7: N = 16 + 1 = 17. params 2·64 + (64·192+192) + (64·64+64) + 2·64 + (64·256+256) + (256·64+64) = 49,984.
    // MACs: linear 64·192 + 64·64 + 64·256 + 256·64 = 49,152 per token, so 100·17·49,152 = 83,558,400;
    // attention 2 · 100·4·17·17·16 = 3,699,200.
    { label: 'patch 7', c: { patch: 7 }, layerParams: 49_984, layerMacs: 87_257_600 },
    // patch 14: N = 5. 100·5·49,152 + 2·100·4·5·5·16 = 24,576,000 + 320,000
    { label: 'patch 14', c: { patch: 14 }, layerParams: 49_984, layerMacs: 24_896_000 },
    // heads 1: hd = 64, attention 2·100·1·50·50·64 = 32,000,000, same as 4 heads of 16.
    { label: 'heads 1', c: { heads: 1 }, layerParams: 49_984, layerMacs: 277_760_000 },
    { label: 'heads 8', c: { heads: 8 }, layerParams: 49_984, layerMacs: 277_760_000 },
    // dim 128, mlp 512: params 256 + 49,536 + 16,512 + 256 + 66,048 + 65,664 = 198,272.
    // MACs 100·50·(128·384 + 128·128 + 2·128·512) + 2·100·4·50·50·32 = 100·50·196,608 + 64,000,000
    { label: 'dim 128', c: { dim: 128, mlp: 512 }, layerParams: 198_272, layerMacs: 1_047_040_000 },
  ];
  for (const k of cases) {
    it(k.label, () => {
      const cost = computeCost({ ...SEED_CONFIG, ...k.c }, 100);
      expect(cost.params.layerTotal).toBe(k.layerParams);
      expect(cost.macs.layerTotal).toBe(k.layerMacs);
    });
  }
});
