import { describe, expect, it } from 'vitest';
import { estimateMemory, WASM_HEAP_MAX_BYTES } from '../../src-main/vit/memory.js';
import {
  ACTIVATIONS,
  BACKENDS,
  DATASETS,
  MODEL_KEYS,
  PRESETS,
  RECIPES,
  SEED_CONFIG,
  TRAIN_KEYS,
  modelPart,
  parseConfig,
  resolveConfig,
  validateConfig,
} from '../../src-main/vit/config.js';

/** Every field's bounds and message, and the memory estimate at its limit, worked by hand. */
const issues = (over: Record<string, unknown>) => {
  const r = validateConfig({ ...SEED_CONFIG, ...over });
  return r.ok ? [] : r.issues;
};
const accepts = (over: Record<string, unknown>) => expect(issues(over), JSON.stringify(over)).toEqual([]);
/** The field's own issue comes first (a bad size can also break a divisibility rule after it). */
const refusesFirst = (over: Record<string, unknown>, field: string, message: string) => expect(issues(over)[0], JSON.stringify(over)).toEqual({ field, message });
const refuses = (over: Record<string, unknown>, field: string, message: string) => expect(issues(over), JSON.stringify(over)).toEqual([{ field, message }]);

describe('whole-number sizes name themselves', () => {
  const labels: [string, string][] = [
    ['image', 'image side'],
    ['channels', 'channels'],
    ['patch', 'patch'],
    ['dim', 'dim'],
    ['depth', 'depth'],
    ['heads', 'heads'],
    ['mlp', 'mlp'],
    ['epochs', 'epochs'],
    ['batch', 'batch'],
  ];
  for (const [field, label] of labels) {
    it(field, () => {
      refusesFirst({ [field]: 'x' }, field, `${label} must be a number, got the text "x"`);
      refusesFirst({ [field]: 0 }, field, `${label} must be positive`);
      refusesFirst({ [field]: -1 }, field, `${label} must be positive`);
    });
  }
  it('fractions are refused as not whole, where no other rule trips first', () => {
    for (const field of ['depth', 'mlp', 'epochs', 'batch', 'channels']) refuses({ [field]: 1.5 }, field, `${field} must be a whole number`);
  });
});

describe('bounds, at and just past each edge', () => {
  it('classes: at least 2, whole', () => {
    accepts({ classes: 2 });
    refuses({ classes: 1 }, 'classes', 'classes must be at least 2');
    refuses({ classes: 2.5 }, 'classes', 'classes must be a whole number');
  });
  it('dropout: 0 ≤ p < 1', () => {
    accepts({ dropout: 0 });
    accepts({ dropout: 0.99 });
    refuses({ dropout: -0.01 }, 'dropout', 'dropout must be at least 0');
    refuses({ dropout: 1 }, 'dropout', 'dropout must be below 1');
  });
  it('epochs at most 1000, batch at most 4096', () => {
    accepts({ epochs: 1000 });
    refuses({ epochs: 1001 }, 'epochs', 'epochs must be at most 1,000');
    accepts({ batch: 4096, patch: 14 });
    refuses({ batch: 4097, patch: 14 }, 'batch', 'batch must be at most 4,096');
  });
  it('lr: 0 < lr ≤ 1', () => {
    accepts({ lr: 1 });
    accepts({ lr: 1e-9 });
    refuses({ lr: 0 }, 'lr', 'lr must be positive');
    refuses({ lr: 1.01 }, 'lr', 'lr must be at most 1');
  });
  it('seed: whole, 0 … 2³¹ − 1', () => {
    accepts({ seed: 0 });
    accepts({ seed: 2 ** 31 - 1 });
    refuses({ seed: -1 }, 'seed', 'seed must be at least 0');
    refuses({ seed: 0.5 }, 'seed', 'seed must be a whole number');
    expect(issues({ seed: 2 ** 31 }).map((i) => i.field)).toEqual(['seed']);
  });
  it('limits: whole, 0 (the whole split) or more', () => {
    accepts({ limitTrain: 0, limitTest: 0 });
    refuses({ limitTrain: -1 }, 'limitTrain', 'limitTrain must be at least 0');
    refuses({ limitTest: -1 }, 'limitTest', 'limitTest must be at least 0');
    expect(issues({ limitTrain: 1.5 }).map((i) => i.field)).toEqual(['limitTrain']);
    expect(issues({ limitTest: 1.5 }).map((i) => i.field)).toEqual(['limitTest']);
  });
  it('enums list their choices', () => {
    refuses({ dataset: 'cifar' }, 'dataset', 'dataset must be one of fashion-mnist, mnist');
    refuses({ recipe: 'fancy' }, 'recipe', 'recipe must be one of seed, improved');
    refuses({ backend: 'gpu' }, 'backend', 'backend must be one of auto, tensorflow, wasm, cpu');
    for (const activation of ACTIVATIONS) accepts({ activation });
    for (const recipe of RECIPES) accepts({ recipe });
    for (const backend of BACKENDS) accepts({ backend });
    for (const dataset of DATASETS) accepts({ dataset });
  });
  it('an unknown field and a non-object are named', () => {
    expect(issues({ depht: 1 })).toEqual([{ field: '(config)', message: 'unknown field(s): depht' }]);
    expect(issues({ depht: 1, colour: 'red' })).toEqual([{ field: '(config)', message: 'unknown field(s): depht, colour' }]);
    const r = validateConfig('seed');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0].field).toBe('(config)');
  });
  it('both divisibility rules report together, and the memory check waits for them', () => {
    expect(issues({ patch: 5, heads: 3 }).map((i) => i.field)).toEqual(['patch', 'heads']);
    // Huge and indivisible: only the divisibility issue, no memory estimate on a shape that does not exist.
    refuses({ heads: 3, batch: 4096, dim: 4096, mlp: 16_384 }, 'heads', 'dim (4096) must be divisible by heads (3)');
    refuses({ patch: 5, batch: 4096, dim: 4096, mlp: 16_384 }, 'patch', 'patch (5) must divide the image side (28)');
  });
});

describe('the memory limit, at its boundary', () => {
  // The largest mlp whose estimate still fits one wasm heap, found by bisection over the estimate;
  // validation must accept exactly up to it and refuse one hidden unit more, naming the field.
  const edge = { ...SEED_CONFIG, patch: 4, depth: 1, heads: 1, dim: 64, batch: 4096, backend: 'wasm' as const };
  const fits = (mlp: number) => estimateMemory({ ...edge, mlp }).perInstanceBytes <= WASM_HEAP_MAX_BYTES;
  it('exactly at the limit is accepted; one more unit is refused naming the field', () => {
    let lo = 1;
    let hi = 16_384;
    expect(fits(lo)).toBe(true);
    if (fits(hi)) return expect.fail('the edge config fits even at the largest mlp: pick a bigger one');
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (fits(mid)) lo = mid;
      else hi = mid;
    }
    expect(validateConfig({ ...edge, mlp: lo }).ok).toBe(true);
    const r = validateConfig({ ...edge, mlp: lo + 1 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0]!.message).toMatch(/fit|memory/);
  });
});

describe('presets and helpers', () => {
  it('the presets are what their descriptions say', () => {
    expect(Object.keys(PRESETS)).toEqual(['seed', 'tiny', 'small', 'improved', 'wide']);
    const shape = (name: string) => {
      const c = PRESETS[name].config;
      return { patch: c.patch, dim: c.dim, depth: c.depth, heads: c.heads, mlp: c.mlp, activation: c.activation, recipe: c.recipe, epochs: c.epochs };
    };
    expect(shape('seed')).toEqual({ patch: 4, dim: 64, depth: 4, heads: 4, mlp: 256, activation: 'relu', recipe: 'seed', epochs: 10 });
    expect(shape('tiny')).toEqual({ patch: 7, dim: 32, depth: 1, heads: 2, mlp: 64, activation: 'relu', recipe: 'seed', epochs: 2 });
    expect(shape('small')).toEqual({ patch: 7, dim: 48, depth: 2, heads: 4, mlp: 192, activation: 'relu', recipe: 'seed', epochs: 10 });
    expect(shape('improved')).toEqual({ patch: 4, dim: 64, depth: 4, heads: 4, mlp: 256, activation: 'gelu', recipe: 'improved', epochs: 30 });
    expect(shape('wide')).toEqual({ patch: 7, dim: 128, depth: 6, heads: 8, mlp: 512, activation: 'relu', recipe: 'seed', epochs: 10 });
    for (const [name, p] of Object.entries(PRESETS)) {
      expect(p.description.length, name).toBeGreaterThan(10);
      expect(p.description, name).toMatch(new RegExp(name === 'tiny' ? '1-layer' : name === 'improved' ? 'GELU' : `dim ${p.config.dim}`));
    }
    expect(SEED_CONFIG).toMatchObject({ image: 28, channels: 1, classes: 10, dropout: 0, dataset: 'fashion-mnist', batch: 100, lr: 1e-3, seed: 0, limitTrain: 0, limitTest: 0, backend: 'auto' });
  });

  it('resolveConfig: overrides on a preset, undefined overrides ignored, the unknown preset names the known ones', () => {
    expect(resolveConfig({ depth: 3, heads: undefined }, 'small')).toMatchObject({ depth: 3, heads: 4, dim: 48 });
    expect(() => resolveConfig({}, 'nope')).toThrow('preset: unknown preset "nope" (known: seed, tiny, small, improved, wide)');
    try {
      resolveConfig({}, 'nope');
    } catch (e) {
      expect((e as { issues: unknown }).issues).toEqual([{ field: 'preset', message: 'unknown preset "nope"' }]);
    }
  });

  it('parseConfig throws an error named ConfigError', () => {
    expect(() => parseConfig({ ...SEED_CONFIG, depth: 0 })).toThrow(expect.objectContaining({ name: 'ConfigError' }));
  });

  it('parseConfig lists every issue as field: message, one a line', () => {
    expect(() => parseConfig({ ...SEED_CONFIG, patch: 5, heads: 3 })).toThrow(
      'patch: patch (5) must divide the image side (28)\nheads: dim (64) must be divisible by heads (3)',
    );
    expect(parseConfig(SEED_CONFIG)).toEqual(SEED_CONFIG);
  });

  it('modelPart keeps exactly the model fields', () => {
    expect(MODEL_KEYS).toEqual(['image', 'channels', 'classes', 'patch', 'dim', 'depth', 'heads', 'mlp', 'activation', 'dropout']);
    expect(TRAIN_KEYS).toEqual(['dataset', 'epochs', 'batch', 'lr', 'recipe', 'seed', 'backend', 'limitTrain', 'limitTest', 'labelSmoothing']);
    expect(modelPart({ ...SEED_CONFIG, depth: 3 })).toEqual({ image: 28, channels: 1, classes: 10, patch: 4, dim: 64, depth: 3, heads: 4, mlp: 256, activation: 'relu', dropout: 0 });
  });
});
