/**
 * Property-based tests of the run validation (issue 11, "fuzz the boundaries"): random and
 * mutated configs — huge, negative, NaN, ±Infinity, fractional, strings, lists, objects, missing
 * fields, and prototype names as keys — never make validateConfig or validateRun throw anything
 * but their typed refusal, and every config they accept is one the worker accepts: the data set's
 * shape as the worker loads it (prepareTrainData) matches, and the worker's own Trainer builds the
 * model from it with exactly the analytic parameter count. Bounded in count and time; the seed is
 * printed on failure (rerun one with FUZZ_SEED=<seed>).
 */
import * as fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { validateRun, type Machine } from '../../src-main/runs/admission.js';
import { selectBackend } from '../../src-main/train/backend.js';
import { prepareTrainData } from '../../src-main/train/data.js';
import { Trainer } from '../../src-main/train/trainer.js';
import { FIELD_KEYS, FIELDS as REGISTRY, type FieldDef } from '../../src-shared/fields.js';
import { ConfigError, MODEL_KEYS, PRESETS, TRAIN_KEYS, parseConfig, validateConfig, type RunConfig } from '../../src-main/vit/config.js';
import { computeCost } from '../../src-main/vit/cost.js';
import { estimateMemory, WASM_HEAP_MAX_BYTES } from '../../src-main/vit/memory.js';
import { tokens } from '../../src-main/vit/tokens.js';

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Date.now() % 2 ** 31;
/** A machine large enough that only the config and the data decide (the machine check has its own test). */
const BIG_MACHINE: Machine = { totalBytes: 2 ** 50, freeBytes: 2 ** 50, cores: 2 };
const FIELDS = [...MODEL_KEYS, ...TRAIN_KEYS];

/** Runs a property with the seed in the failure message. */
function check<T>(arb: fc.Arbitrary<T>, predicate: (v: T) => void, numRuns: number): void {
  try {
    fc.assert(fc.property(arb, predicate), { seed: SEED, numRuns, interruptAfterTimeLimit: 60_000 });
  } catch (e) {
    throw new Error(`property failed with FUZZ_SEED=${SEED}: ${(e as Error).message}`, { cause: e });
  }
}

const wild: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(0, -0, -1, 1e9, 1e308, 2 ** 31, 2 ** 53, 2 ** 53 + 2, 0.5, 1.5, NaN, Infinity, -Infinity, Number.MIN_VALUE, Number.EPSILON),
  fc.integer({ min: -1e6, max: 1e6 }),
  fc.double(),
  fc.string({ maxLength: 12 }),
  fc.constantFrom('28', '', ' ', '4e1', 'relu', 'constructor', '__proto__'),
  fc.constantFrom(null, undefined, true, false),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 2 }),
  fc.bigInt({ min: -10n, max: 10n }),
);

/** Values a user might really type for each field, so that a fair share of configs is accepted. */
const plausible: Record<(typeof FIELDS)[number], fc.Arbitrary<unknown>> = {
  image: fc.constantFrom(28, 28, 28, 32, 14, 1024),
  channels: fc.constantFrom(1, 1, 1, 3),
  classes: fc.constantFrom(10, 10, 10, 2, 12, 1000),
  patch: fc.constantFrom(1, 2, 4, 7, 14, 28, 3, 5),
  dim: fc.oneof(fc.constantFrom(8, 16, 32, 48, 64, 4096), fc.integer({ min: 1, max: 256 })),
  depth: fc.integer({ min: 1, max: 6 }),
  heads: fc.constantFrom(1, 2, 4, 8, 3),
  mlp: fc.integer({ min: 1, max: 512 }),
  activation: fc.constantFrom('relu', 'gelu', 'tanh'),
  dropout: fc.double({ min: 0, max: 1, noNaN: true }),
  dataset: fc.constantFrom('fashion-mnist', 'fashion-mnist', 'mnist', 'cifar'),
  epochs: fc.integer({ min: 1, max: 5 }),
  batch: fc.integer({ min: 1, max: 512 }),
  lr: fc.double({ min: 1e-6, max: 2, noNaN: true }),
  recipe: fc.constantFrom('seed', 'improved', 'fancy'),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  limitTrain: fc.integer({ min: 0, max: 2000 }),
  limitTest: fc.integer({ min: 0, max: 500 }),
  backend: fc.constantFrom('auto', 'wasm', 'cpu', 'tensorflow', 'gpu'),
  labelSmoothing: fc.oneof(fc.constant(null), fc.double({ min: 0, max: 1, noNaN: true })),
};

const EXTRA_KEYS = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'depht', ''] as const;

type Change = { kind: 'drop' } | { kind: 'set'; v: unknown };

/** One field's change: mostly a plausible value, sometimes a wild one, sometimes the field dropped. */
const change: fc.Arbitrary<[string, Change]> = fc.constantFrom(...FIELDS).chain((f) =>
  fc
    .oneof(
      { weight: 6, arbitrary: plausible[f].map((v): Change => ({ kind: 'set', v })) },
      { weight: 2, arbitrary: wild.map((v): Change => ({ kind: 'set', v })) },
      { weight: 1, arbitrary: fc.constant<Change>({ kind: 'drop' }) },
    )
    .map((ch): [string, Change] => [f, ch]),
);

/** A preset with up to five fields changed, and maybe keys that are not fields (prototype names). */
const mutatedConfig: fc.Arbitrary<Record<string, unknown>> = fc
  .record({
    preset: fc.constantFrom(...Object.keys(PRESETS)),
    changes: fc.array(change, { maxLength: 5 }),
    extra: fc.oneof({ weight: 5, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(fc.tuple(fc.constantFrom(...EXTRA_KEYS), wild), { minLength: 1, maxLength: 2 }) }),
  })
  .map(({ preset, changes, extra }) => {
    const c: Record<string, unknown> = { ...PRESETS[preset].config };
    for (const [f, ch] of changes) {
      if (ch.kind === 'drop') delete c[f];
      else c[f] = ch.v;
    }
    // As JSON.parse makes them: own, enumerable data properties, "__proto__" included.
    for (const [k, v] of extra) Object.defineProperty(c, k, { value: v, enumerable: true, writable: true, configurable: true });
    return c;
  });

const anyInput: fc.Arbitrary<unknown> = fc.oneof({ weight: 4, arbitrary: mutatedConfig }, { weight: 1, arbitrary: fc.anything() }, { weight: 1, arbitrary: wild });

/** The refusal's shape: a non-empty list of field + message, both non-empty text. */
function expectIssues(issues: unknown): void {
  expect(Array.isArray(issues) && issues.length > 0).toBe(true);
  for (const i of issues as { field: unknown; message: unknown }[]) {
    expect(typeof i.field === 'string' && i.field.length > 0).toBe(true);
    expect(typeof i.message === 'string' && i.message.length > 0).toBe(true);
  }
}

/** What an accepted config must satisfy for the model and trainer code to be sound. */
function expectSound(c: RunConfig): void {
  for (const k of FIELD_KEYS) {
    const b: FieldDef = REGISTRY[k];
    if (b.kind === 'enum') continue;
    const v = c[k];
    if (v === null && b.kind === 'float' && b.nullable) continue;
    expect(typeof v === 'number' && Number.isFinite(v), k).toBe(true);
    if (b.kind === 'int') expect(Number.isSafeInteger(v), k).toBe(true);
    expect((v as number) >= b.min && (v as number) <= b.max, `${k} = ${v}`).toBe(true);
  }
  expect(c.lr).toBeGreaterThan(0);
  expect(c.dropout).toBeLessThan(1);
  expect(c.image % c.patch).toBe(0);
  expect(c.dim % c.heads).toBe(0);
  if (c.backend === 'wasm' || c.backend === 'auto') expect(estimateMemory(c).perInstanceBytes).toBeLessThanOrEqual(WASM_HEAP_MAX_BYTES);
  expect(Object.keys(c).sort()).toEqual([...FIELDS].sort());
}

describe(`validateConfig under random and mutated configs (seed ${SEED})`, () => {
  it('never throws; refuses with field issues, or accepts a sound config', () => {
    let accepted = 0;
    check(
      anyInput,
      (input) => {
        const r = validateConfig(input);
        if (!r.ok) {
          expectIssues(r.issues);
          expect(() => parseConfig(input)).toThrow(ConfigError);
          return;
        }
        accepted++;
        expectSound(r.config);
      },
      3000,
    );
    // The generator must reach both sides, or the property says little.
    expect(accepted).toBeGreaterThan(100);
  });
});

describe(`validateRun against the real Fashion-MNIST and MNIST folders (seed ${SEED})`, () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('every accepted config matches the data the worker loads, and the worker builds its model', () => {
    const small: RunConfig[] = [];
    const prepared = new Map<string, ReturnType<typeof prepareTrainData>>();
    let accepted = 0;
    check(
      mutatedConfig,
      (input) => {
        const r = validateRun(input, { machine: BIG_MACHINE });
        if (!r.ok) return expectIssues(r.issues);
        accepted++;
        expectSound(r.config);
        // The worker's checks (train/trainer.ts constructor), against the data as the worker prepares it.
        // (Its image side, channels and classes depend on the data set only: prepared once per data set.)
        const data = prepared.get(r.config.dataset) ?? prepareTrainData(r.config);
        prepared.set(r.config.dataset, data);
        expect([data.image, data.channels, data.classes.length]).toEqual([r.config.image, r.config.channels, r.config.classes]);
        const cost = computeCost(r.config, 1);
        if (small.length < 12 && cost.params.total < 150_000 && tokens(r.config) <= 197) small.push(r.config);
      },
      1000,
    );
    expect(accepted).toBeGreaterThan(50);
    console.log(`validateRun: ${accepted} of 1000 accepted; ${small.length} models built`);
    expect(small.length).toBeGreaterThan(3);
    // The worker's own constructor for a sample: shape checks, model, optimizer.
    for (const config of small) {
      const trainer = new Trainer(config, prepareTrainData(config), 1);
      try {
        const weights = trainer.model.namedVariables().reduce((n, v) => n + v.variable.size, 0);
        expect(weights, JSON.stringify(config)).toBe(computeCost(config, 1).params.total);
      } finally {
        trainer.dispose();
      }
    }
  }, 120_000);
});
