import { z } from 'zod';
import { estimateMemory, formatBytes, largestTerms, memoryAdvice, WASM_HEAP_MAX_BYTES } from './memory.js';
import { tokens } from './tokens.js';

/**
 * One flat run config: the model fields (what the cost model and the summary need) and the
 * training fields (what the trainer needs). Flat so that a sweep, a CLI flag, a database column
 * and a "what differs" diff can all address a field by one name.
 */

/**
 * The smallest and largest value of every numeric field: one table, so that a message, a form and
 * a test can all read the same bound. The upper bounds are far beyond what trains in reasonable
 * time on a CPU (the seed model is 28 px, dim 64, depth 4) but keep every size that is later
 * allocated from a config (per-class arrays, a classes² confusion matrix, patch buffers) finite
 * and small; the memory estimate (memory.ts) then refuses what is inside the bounds yet too big.
 */
export const CONFIG_BOUNDS = {
  image: { min: 1, max: 1024, int: true, label: 'image side' },
  channels: { min: 1, max: 16, int: true, label: 'channels' },
  // ImageNet-1k is the largest classification head anyone trains a small ViT for.
  classes: { min: 2, max: 1000, int: true, label: 'classes' },
  patch: { min: 1, max: 1024, int: true, label: 'patch' },
  dim: { min: 1, max: 4096, int: true, label: 'dim' },
  depth: { min: 1, max: 64, int: true, label: 'depth' },
  heads: { min: 1, max: 64, int: true, label: 'heads' },
  mlp: { min: 1, max: 16_384, int: true, label: 'mlp' },
  dropout: { min: 0, max: 1, int: false, label: 'dropout', maxExclusive: true },
  epochs: { min: 1, max: 1000, int: true, label: 'epochs' },
  batch: { min: 1, max: 4096, int: true, label: 'batch' },
  lr: { min: 0, max: 1, int: false, label: 'lr', minExclusive: true },
  seed: { min: 0, max: 2 ** 31 - 1, int: true, label: 'seed' },
  /** 0 means "the whole split". */
  limitTrain: { min: 0, max: 100_000_000, int: true, label: 'limitTrain' },
  limitTest: { min: 0, max: 100_000_000, int: true, label: 'limitTest' },
} as const satisfies Record<string, { min: number; max: number; int: boolean; label: string; minExclusive?: boolean; maxExclusive?: boolean }>;

type NumericField = keyof typeof CONFIG_BOUNDS;

/** What a value that is not a finite number is, for "must be a number, got …". */
function describeInput(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  // NaN or ±Infinity; JSON's 1e999 parses to Infinity, which deserves saying.
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : `${v} (too large for a double: 1e999 reads as Infinity)`;
  if (typeof v === 'string') return `the text ${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v)}`;
  return Array.isArray(v) ? 'a list' : `a ${typeof v}`;
}

/** A numeric field with its bounds from CONFIG_BOUNDS and messages that name it. */
function numberField<K extends NumericField>(key: K) {
  const b: { min: number; max: number; int: boolean; label: string; minExclusive?: boolean; maxExclusive?: boolean } = CONFIG_BOUNDS[key];
  const w = b.label;
  let s = z.number({
    error: (iss) =>
      iss.input === undefined ? `${w} is missing`
      : typeof iss.input === 'number' ? `${w} must be a finite number, got ${describeInput(iss.input)}`
      : `${w} must be a number, got ${describeInput(iss.input)}`,
  });
  if (b.int) s = s.int(`${w} must be a whole number`);
  s = b.minExclusive ? s.gt(b.min, `${w} must be above ${b.min}`) : s.min(b.min, b.min === 1 && b.int ? `${w} must be positive` : `${w} must be at least ${b.min}`);
  s = b.maxExclusive ? s.lt(b.max, `${w} must be below ${b.max}`) : s.max(b.max, `${w} must be at most ${b.max.toLocaleString('en-US')}`);
  return s;
}

export const ACTIVATIONS = ['relu', 'gelu'] as const;
export const RECIPES = ['seed', 'improved'] as const;
export const BACKENDS = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export const DATASETS = ['fashion-mnist', 'mnist'] as const;

const choice = <T extends readonly [string, ...string[]]>(what: string, values: T) =>
  z.enum(values, { error: (iss) => `${what} must be one of ${values.join(', ')}${iss.input === undefined ? ' (missing)' : ''}` });

export const modelFields = {
  image: numberField('image'),
  channels: numberField('channels'),
  classes: numberField('classes'),
  patch: numberField('patch'),
  dim: numberField('dim'),
  depth: numberField('depth'),
  heads: numberField('heads'),
  mlp: numberField('mlp'),
  activation: choice('activation', ACTIVATIONS),
  dropout: numberField('dropout'),
};

export const trainFields = {
  dataset: choice('dataset', DATASETS),
  epochs: numberField('epochs'),
  batch: numberField('batch'),
  lr: numberField('lr'),
  recipe: choice('recipe', RECIPES),
  seed: numberField('seed'),
  limitTrain: numberField('limitTrain'),
  limitTest: numberField('limitTest'),
  backend: choice('backend', BACKENDS),
};

export const MODEL_KEYS = Object.keys(modelFields) as (keyof typeof modelFields)[];
export const TRAIN_KEYS = Object.keys(trainFields) as (keyof typeof trainFields)[];

const baseSchema = z.object({ ...modelFields, ...trainFields }).strict();

export { tokens };

// The cross-field rules run only on a config whose every field is in bounds (pipe): a string dim
// or a classes of 1e9 gets one message naming it, not a divisibility or memory message as well.
export const runConfigSchema = baseSchema.pipe(z.custom<z.infer<typeof baseSchema>>().superRefine((c, ctx) => {
  if (c.image % c.patch !== 0) {
    ctx.addIssue({ code: 'custom', path: ['patch'], message: `patch (${c.patch}) must divide the image side (${c.image})` });
  }
  if (c.dim % c.heads !== 0) {
    ctx.addIssue({ code: 'custom', path: ['heads'], message: `dim (${c.dim}) must be divisible by heads (${c.heads})` });
  }
  if (c.image % c.patch === 0 && c.dim % c.heads === 0) {
    // Independent of the machine: on wasm (which `auto` picks wherever tfjs-node does not load)
    // every tensor of one tfjs instance must fit in one 32-bit heap. What this machine has is
    // checked before a run is written (runs/admission.ts).
    const e = estimateMemory(c);
    if ((c.backend === 'wasm' || c.backend === 'auto') && e.perInstanceBytes > WASM_HEAP_MAX_BYTES) {
      const advice = memoryAdvice(e);
      ctx.addIssue({
        code: 'custom',
        path: [advice.field],
        message: `model will not fit in memory: training needs about ${formatBytes(e.perInstanceBytes)} of tensors (${largestTerms(e)}), more than the ${formatBytes(WASM_HEAP_MAX_BYTES)} one TensorFlow.js wasm instance can hold; ${advice.fix}`,
      });
    }
  }
}));

export type RunConfig = z.infer<typeof baseSchema>;
export type ModelConfig = Pick<RunConfig, (typeof MODEL_KEYS)[number]>;
export type TrainConfig = Pick<RunConfig, (typeof TRAIN_KEYS)[number]>;

/** The seed report's model and recipe (../shared/seed): 28×28×1, p 4, dim 64, depth 4, heads 4, mlp 256. */
export const SEED_CONFIG: RunConfig = {
  image: 28,
  channels: 1,
  classes: 10,
  patch: 4,
  dim: 64,
  depth: 4,
  heads: 4,
  mlp: 256,
  activation: 'relu',
  dropout: 0,
  dataset: 'fashion-mnist',
  epochs: 10,
  batch: 100,
  lr: 1e-3,
  recipe: 'seed',
  seed: 0,
  limitTrain: 0,
  limitTest: 0,
  backend: 'auto',
};

export const PRESETS: Record<string, { description: string; config: RunConfig }> = {
  seed: { description: "the seed report's ViT (4 layers, dim 64, patch 4)", config: SEED_CONFIG },
  tiny: {
    description: 'a 1-layer ViT that trains in seconds (smoke tests)',
    config: { ...SEED_CONFIG, patch: 7, dim: 32, depth: 1, heads: 2, mlp: 64, epochs: 2 },
  },
  small: {
    description: '2 layers, dim 48, patch 7: a quick baseline',
    config: { ...SEED_CONFIG, patch: 7, dim: 48, depth: 2, heads: 4, mlp: 192 },
  },
  improved: {
    description: 'the seed model with the improved recipe (AdamW, warmup + cosine, label smoothing, augmentation), GELU',
    config: { ...SEED_CONFIG, activation: 'gelu', recipe: 'improved', epochs: 30 },
  },
  wide: {
    description: '6 layers, dim 128, 8 heads, patch 7',
    config: { ...SEED_CONFIG, patch: 7, dim: 128, depth: 6, heads: 8, mlp: 512 },
  },
};

export class ConfigError extends Error {
  constructor(
    message: string,
    readonly issues: { field: string; message: string }[],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Issues as `field: message`, the form every surface (CLI, form, IPC) shows. */
export function configIssues(error: z.ZodError): { field: string; message: string }[] {
  return error.issues.map((i) => ({
    field: i.path.length ? i.path.join('.') : '(config)',
    message: issueMessage(i),
  }));
}

/** Zod's own wording where it confuses ("expected number, received number" for 1e999), else the issue's. */
function issueMessage(i: z.core.$ZodIssue): string {
  if (i.code === 'unrecognized_keys') return `unknown field(s): ${i.keys.join(', ')}`;
  const received = (i as { received?: unknown }).received;
  // Our own schemas word this themselves (numberField); this is for zod's default message.
  if (i.code === 'invalid_type' && i.expected === 'number' && i.message.startsWith('Invalid input') && (received === 'Infinity' || received === 'NaN')) {
    return `expected a finite number, got ${received}${received === 'Infinity' ? ' (too large for a double: 1e999 reads as Infinity)' : ''}`;
  }
  return i.message;
}

export function validateConfig(input: unknown): { ok: true; config: RunConfig } | { ok: false; issues: { field: string; message: string }[] } {
  const r = runConfigSchema.safeParse(input);
  return r.success ? { ok: true, config: r.data } : { ok: false, issues: configIssues(r.error) };
}

/** Parses or throws a ConfigError whose message names every bad field. */
export function parseConfig(input: unknown): RunConfig {
  const r = validateConfig(input);
  if (r.ok) return r.config;
  throw configError(r.issues);
}

/** A ConfigError whose message lists every issue as `field: message`, one a line. */
export function configError(issues: { field: string; message: string }[]): ConfigError {
  return new ConfigError(issues.map((i) => `${i.field}: ${i.message}`).join('\n'), issues);
}

/** A preset (default `seed`) with user overrides on top, validated. */
export function resolveConfig(overrides: Partial<RunConfig>, preset = 'seed'): RunConfig {
  // Own names only: "constructor" or "toString" must not find Object.prototype's members.
  const base = Object.hasOwn(PRESETS, preset) ? PRESETS[preset] : undefined;
  if (!base) {
    throw new ConfigError(`preset: unknown preset "${preset}" (known: ${Object.keys(PRESETS).join(', ')})`, [
      { field: 'preset', message: `unknown preset "${preset}"` },
    ]);
  }
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  return parseConfig({ ...base.config, ...defined });
}

export function modelPart(c: RunConfig): ModelConfig {
  return Object.fromEntries(MODEL_KEYS.map((k) => [k, c[k]])) as ModelConfig;
}
