import { describe, expect, it } from 'vitest';
import { ConfigError, PRESETS, SEED_CONFIG, parseConfig, resolveConfig, validateConfig } from '../../src-main/vit/config.js';

const issuesOf = (input: unknown) => {
  const r = validateConfig(input);
  if (r.ok) throw new Error('expected the config to be refused');
  return r.issues;
};

describe('config validation', () => {
  it('accepts every preset', () => {
    for (const [name, p] of Object.entries(PRESETS)) expect(validateConfig(p.config).ok, name).toBe(true);
  });

  it('the seed preset is the seed report model', () => {
    const c = resolveConfig({});
    expect(c).toMatchObject({ image: 28, channels: 1, patch: 4, dim: 64, depth: 4, heads: 4, mlp: 256, activation: 'relu', batch: 100, lr: 1e-3 });
  });

  it('patch must divide the image side', () => {
    expect(issuesOf({ ...SEED_CONFIG, patch: 5 })).toEqual([{ field: 'patch', message: 'patch (5) must divide the image side (28)' }]);
  });

  it('dim must be divisible by heads', () => {
    expect(issuesOf({ ...SEED_CONFIG, heads: 3 })).toEqual([{ field: 'heads', message: 'dim (64) must be divisible by heads (3)' }]);
  });

  it('sizes must be positive whole numbers', () => {
    expect(issuesOf({ ...SEED_CONFIG, depth: 0 })[0]).toEqual({ field: 'depth', message: 'depth must be positive' });
    expect(issuesOf({ ...SEED_CONFIG, dim: 32.5 })[0]).toEqual({ field: 'dim', message: 'dim must be a whole number' });
    expect(issuesOf({ ...SEED_CONFIG, mlp: -4 })[0].field).toBe('mlp');
    expect(issuesOf({ ...SEED_CONFIG, dropout: 1 })[0].field).toBe('dropout');
  });

  it('names unknown fields and wrong enum values', () => {
    expect(issuesOf({ ...SEED_CONFIG, depht: 3 })[0].message).toContain('depht');
    expect(issuesOf({ ...SEED_CONFIG, activation: 'tanh' })[0]).toEqual({ field: 'activation', message: 'activation must be one of relu, gelu' });
    expect(issuesOf({ ...SEED_CONFIG, depth: '4' })[0].field).toBe('depth');
  });

  it('refuses a model that will not fit in memory, naming batch', () => {
    const issues = issuesOf({ ...SEED_CONFIG, patch: 1, batch: 4096, dim: 512, mlp: 2048, heads: 8 });
    expect(issues[0].field).toBe('batch');
    expect(issues[0].message).toMatch(/will not fit in memory/);
  });

  it('parseConfig throws a ConfigError naming every field', () => {
    expect(() => parseConfig({ ...SEED_CONFIG, heads: 3, patch: 5 })).toThrow(ConfigError);
    try {
      parseConfig({ ...SEED_CONFIG, heads: 3, patch: 5 });
    } catch (e) {
      expect((e as ConfigError).issues.map((i) => i.field).sort()).toEqual(['heads', 'patch']);
    }
  });

  it('an unknown preset is an error naming the preset', () => {
    expect(() => resolveConfig({}, 'huge')).toThrow(/preset: unknown preset "huge"/);
  });
});
