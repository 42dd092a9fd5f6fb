import { describe, expect, it } from 'vitest';
import { FIELD_KEYS, fieldSpec, type FieldSpec } from '../../src-renderer/src/lib/fields.js';
import {
  configOf,
  describeValues,
  emptyValues,
  gridOf,
  issuesByField,
  modifiedFrom,
  otherIssues,
  splitTags,
  stepValue,
  valuesOf,
} from '../../src-renderer/src/lib/launch-form.js';
import type { RunConfig } from '../../src-renderer/src/lib/types.js';
import { SEED_CONFIG } from '../../src-main/vit/config.js';

/** The launch form's pure rules, on the real field registry. */
const spec = (k: string): FieldSpec => fieldSpec(k)!;

describe('form values from the registry', () => {
  it('has one empty text per registry field, and fills them from a config (null as empty)', () => {
    expect(Object.keys(emptyValues())).toEqual([...FIELD_KEYS]);
    expect(Object.values(emptyValues()).every((v) => v === '')).toBe(true);
    const v = valuesOf(SEED_CONFIG);
    expect(Object.keys(v)).toEqual([...FIELD_KEYS]);
    expect([v.depth, v.lr, v.activation, v.labelSmoothing]).toEqual(['4', '0.001', 'relu', '']);
  });

  it('sends numbers where they parse, the text where not (the server names the field), null for an empty nullable field', () => {
    const v = { ...valuesOf(SEED_CONFIG), depth: ' 6 ', heads: 'four', lr: '', labelSmoothing: '' };
    const c = configOf(v);
    expect(c.depth).toBe(6);
    expect(c.heads).toBe('four');
    // lr is not nullable: empty stays empty text, so validation reports it; label smoothing is.
    expect(c.lr).toBe('');
    expect(c.labelSmoothing).toBeNull();
    expect(c.activation).toBe('relu');
    // A round trip keeps the seed config.
    expect(configOf(valuesOf(SEED_CONFIG))).toEqual({ ...SEED_CONFIG });
  });

  it('marks a field changed from the preset, and none without a preset', () => {
    const preset = SEED_CONFIG as RunConfig;
    expect(modifiedFrom(preset, spec('depth'), '4')).toBe(false);
    expect(modifiedFrom(preset, spec('depth'), '5')).toBe(true);
    expect(modifiedFrom(preset, spec('labelSmoothing'), '')).toBe(false);
    expect(modifiedFrom(null, spec('depth'), '5')).toBe(false);
  });
});

describe('stepValue (arrow keys)', () => {
  it('steps an int by one within its bounds', () => {
    expect(stepValue(spec('depth'), '4', 1)).toBe('5');
    expect(stepValue(spec('depth'), '1', -1)).toBe('1');
    expect(stepValue(spec('depth'), '64', 1)).toBe('64');
  });

  it("steps a float by its step, kept below its bound and rounded to 6 digits", () => {
    // dropout steps 0.05: 0.1 + 0.05 is 0.15000000000000002 in floating point, shown as 0.15.
    expect(stepValue(spec('dropout'), '0.1', 1)).toBe('0.15');
    expect(stepValue(spec('dropout'), '0', -1)).toBe('0');
    expect(stepValue(spec('dropout'), '0.98', 1)).toBe('1');
  });

  it("steps a float without a step (lr: 'any') by a tenth of its value, or 0.001 from zero", () => {
    expect(stepValue(spec('lr'), '0.001', 1)).toBe('0.0011');
    expect(stepValue(spec('lr'), '0.001', -1)).toBe('0.0009');
    // lr's lower bound is 0 (exclusive, which validation reports; stepping stops at the bound).
    expect(stepValue(spec('lr'), '0', -1)).toBe('0');
  });

  it('leaves text that is not a number alone', () => {
    expect(stepValue(spec('depth'), '', 1)).toBeNull();
    expect(stepValue(spec('depth'), '  ', 1)).toBeNull();
    expect(stepValue(spec('depth'), 'four', 1)).toBeNull();
  });
});

describe('the sweep grid', () => {
  it('keeps the fields with values, parsed as the CLI parses them, in registry order', () => {
    const texts = { ...emptyValues(), heads: '2, 4', depth: '1,2 ,3', activation: 'relu, gelu', lr: ' , ' };
    const g = gridOf(texts);
    expect(g).toEqual({ depth: [1, 2, 3], heads: [2, 4], activation: ['relu', 'gelu'] });
    expect(Object.keys(g)).toEqual(['depth', 'heads', 'activation']);
    expect(gridOf(emptyValues())).toEqual({});
  });

  it('describes a run of the plan as key=value pairs', () => {
    expect(describeValues({ depth: 2, activation: 'gelu' })).toBe('depth=2 activation=gelu');
  });
});

describe('tags and messages', () => {
  it('splits tags on commas, trimmed, empty ones dropped', () => {
    expect(splitTags(' a, b ,,c ')).toEqual(['a', 'b', 'c']);
    expect(splitTags(' , ')).toEqual([]);
  });

  it('keeps the first message per field, earlier lists first, and lists apart what belongs to no input', () => {
    const m = issuesByField(
      [
        { field: 'heads', message: 'dim must be divisible by heads' },
        { field: 'heads', message: 'second' },
      ],
      [
        { field: 'heads', message: 'from the start' },
        { field: 'name', message: 'too long' },
        { field: 'config', message: 'too big for memory' },
      ],
    );
    expect([...m]).toEqual([
      ['heads', 'dim must be divisible by heads'],
      ['name', 'too long'],
      ['config', 'too big for memory'],
    ]);
    expect(otherIssues(m)).toEqual([['config', 'too big for memory']]);
  });
});
