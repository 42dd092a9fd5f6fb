import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { SEED_CONFIG, validateConfig, type RunConfig } from '../../src-main/vit/config.js';
import { computeCost } from '../../src-main/vit/cost.js';
import { VitModel, patchify } from '../../src-main/vit/model.js';
import { parameterCount } from '../../src-main/vit/params.js';
import { mulberry32 } from '../../src-main/train/rng.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function randomConfigs(count: number, seed: number): RunConfig[] {
  const rand = mulberry32(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const out: RunConfig[] = [];
  while (out.length < count) {
    const heads = pick([1, 2, 3, 4, 6, 8]);
    const c: RunConfig = {
      ...SEED_CONFIG,
      image: pick([28, 32, 24]),
      channels: pick([1, 3]),
      classes: pick([2, 10, 17]),
      patch: pick([2, 4, 7, 8, 14]),
      dim: heads * pick([4, 8, 12, 16]),
      heads,
      depth: pick([1, 2, 3, 5]),
      mlp: pick([16, 48, 100, 256]),
      activation: pick(['relu', 'gelu'] as const),
    };
    if (validateConfig(c).ok) out.push(c);
  }
  return out;
}

describe('built model against the cost model', () => {
  it('analytic parameters equal the trainable weights for 60 random valid configs', () => {
    for (const c of randomConfigs(60, 42)) {
      const m = new VitModel(c, 1);
      try {
        expect(m.trainableCount(), JSON.stringify(c)).toBe(computeCost(c).params.total);
        expect(parameterCount(c), JSON.stringify(c)).toBe(m.trainableCount());
      } finally {
        m.dispose();
      }
    }
  });

  /** MACs counted from the matMul kernels the built graph really runs (tf.profile), not from our formulas. */
  async function profiledMacs(c: RunConfig, batch: number): Promise<number> {
    const m = new VitModel(c, 1);
    const P = (c.image / c.patch) ** 2;
    const F = c.patch * c.patch * c.channels;
    const x = tf.randomUniform([batch, P, F]) as tf.Tensor3D;
    const info = await tf.profile(() => m.forward(x));
    let macs = 0;
    for (const k of info.kernels) {
      if (k.name !== 'BatchMatMul' && k.name !== '_FusedMatMul') continue;
      const out = k.outputShapes[0] as number[];
      const a = k.inputShapes[0] as number[];
      // C = A·B: every output element is an inner-dim-long multiply-accumulate; the inner dim is
      // A's last axis unless A is transposed, and our graph never transposes A.
      macs += out.reduce((s, v) => s * v, 1) * a[a.length - 1];
    }
    x.dispose();
    m.dispose();
    tf.disposeVariables();
    return macs;
  }

  const checked: [string, Partial<RunConfig>][] = [
    ['seed', {}],
    ['patch 7', { patch: 7 }],
    ['patch 14', { patch: 14 }],
    ['heads 1', { heads: 1 }],
    ['heads 8', { heads: 8 }],
    ['dim 128', { dim: 128, mlp: 512 }],
  ];
  for (const [label, over] of checked) {
    it(`MACs of the whole model equal the matMuls the graph runs: ${label}`, async () => {
      const c = { ...SEED_CONFIG, ...over };
      expect(await profiledMacs(c, 4)).toBe(computeCost(c, 4).macs.perBatch);
    });
  }

  it('forward gives logits of the right shape with no leaked tensors', () => {
    const c = { ...SEED_CONFIG, depth: 2 };
    const m = new VitModel(c, 3);
    const before = tf.memory().numTensors;
    const logits = tf.tidy(() => m.forward(tf.zeros([5, 49, 16]) as tf.Tensor3D));
    expect(logits.shape).toEqual([5, 10]);
    logits.dispose();
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
  });

  it('the same seed builds the same weights', () => {
    const a = new VitModel(SEED_CONFIG, 7);
    const b = new VitModel(SEED_CONFIG, 7);
    const c = new VitModel(SEED_CONFIG, 8);
    const wa = a.weights.blocks[0].qkv.w.dataSync();
    expect(Array.from(b.weights.blocks[0].qkv.w.dataSync())).toEqual(Array.from(wa));
    expect(Array.from(c.weights.blocks[0].qkv.w.dataSync())).not.toEqual(Array.from(wa));
    [a, b, c].forEach((m) => m.dispose());
  });
});

describe('patchify', () => {
  it('cuts an image into row-major patches, (py, px, c) inside a patch', () => {
    // 4×4 single-channel image with pixel value = index; patch 2 → 4 patches of 4 values.
    const img = Uint8Array.from({ length: 16 }, (_, i) => i);
    const p = patchify(img, 1, 4, 1, 2, undefined, 1, 0);
    expect(Array.from(p)).toEqual([0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15]);
  });
});

describe('built model: what the engine registered', () => {
  it('every variable a model registers with tfjs is listed once by namedVariables, and their sizes sum to the analytic count', () => {
    // Independent of namedVariables' hand-kept list: the engine's own registry, before and after.
    const registry = () => tf.engine().registeredVariables as Record<string, tf.Variable>;
    for (const c of randomConfigs(30, 7)) {
      const before = new Set(Object.keys(registry()));
      const m = new VitModel(c, 1);
      try {
        const registered = Object.entries(registry()).filter(([name]) => !before.has(name)).map(([, v]) => v);
        expect(registered.every((v) => v.trainable)).toBe(true);
        expect(registered.reduce((s, v) => s + v.size, 0), JSON.stringify(c)).toBe(computeCost(c).params.total);
        const listed = m.namedVariables().map((v) => v.variable.name);
        expect(new Set(listed).size, 'a variable listed twice').toBe(listed.length);
        expect([...listed].sort()).toEqual(registered.map((v) => v.name).sort());
      } finally {
        m.dispose();
      }
    }
  });
});

describe('weights by name', () => {
  it('pairs every parameter with its weight, and names a missing one or a wrong shape before anything is assigned', () => {
    const c = { ...SEED_CONFIG, depth: 1 };
    const m = new VitModel(c, 1);
    try {
      const weights: Record<string, { shape: number[] }> = Object.fromEntries(m.params.map((p) => [p.name, { shape: [...p.variable.shape] }]));
      expect(m.named(weights).map((e) => e.variable)).toEqual(m.params.map((p) => p.variable));
      const { 'mlp_head.1.bias': _gone, ...missing } = weights;
      expect(() => m.named(missing, '/ck/epoch-0001')).toThrow('checkpoint: /ck/epoch-0001 has no weight mlp_head.1.bias');
      expect(() => m.named(missing)).toThrow('checkpoint: no weight mlp_head.1.bias');
      const wrong = { ...weights, cls_token: { shape: [1, 2, c.dim] } };
      expect(() => m.named(wrong, 'here')).toThrow(`checkpoint: cls_token has shape [1,2,${c.dim}] in here, the model needs [1,1,${c.dim}]`);
    } finally {
      m.dispose();
    }
  });
});
