import { z } from 'zod';
import { DomainError, type FieldIssue } from '../../src-shared/errors.js';
import { ACTIVATIONS, BACKENDS, DATASETS, FIELD_KEYS, FIELDS, MODEL_KEYS, RECIPES, TRAIN_KEYS, type FieldDef, type FieldKey } from '../../src-shared/fields.js';
import { estimateMemory, formatBytes, largestTerms, memoryAdvice, WASM_HEAP_MAX_BYTES } from './memory.js';
import { tokens } from './tokens.js';

/**
 * One flat run config: the model fields (what the cost model and the summary need) and the
 * training fields (what the trainer needs). Flat so that a sweep, a CLI flag, a database column
 * and a "what differs" diff can all address a field by one name.
 */

export { ACTIVATIONS, BACKENDS, DATASETS, MODEL_KEYS, RECIPES, TRAIN_KEYS };

/** What a value that is not a finite number is, for "must be a number, got …". */
function describeInput(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  // NaN or ±Infinity; JSON's 1e999 parses to Infinity, which deserves saying.
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : `${v} (too large for a double: 1e999 reads as Infinity)`;
  if (typeof v === 'string') return `the text ${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v)}`;
  return Array.isArray(v) ? 'a list' : `a ${typeof v}`;
}

/** A field's zod schema, from its registry entry: bounds and messages are the registry's. */
function fieldSchema(key: string, f: FieldDef) {
  const noun = f.noun ?? key;
  if (f.kind === 'enum') {
    const options = f.options as [string, ...string[]];
    return z.enum(options, { error: (iss) => `${noun} must be one of ${options.join(', ')}${iss.input === undefined ? ' (missing)' : ''}` });
  }
  // JSON's 1e999 arrives as Infinity: say so instead of zod's "expected number, received number".
  let n = z.number({
    error: (iss) =>
      iss.input === undefined ? `${noun} is missing`
      : typeof iss.input === 'number' ? `${noun} must be a finite number, got ${describeInput(iss.input)}`
      : `${noun} must be a number, got ${describeInput(iss.input)}`,
  });
  if (f.kind === 'int') n = n.int(`${noun} must be a whole number`);
  const exclusiveMin = f.kind === 'float' && f.minExclusive === true;
  n = exclusiveMin
    ? n.gt(f.min, f.min === 0 ? `${noun} must be positive` : `${noun} must be above ${f.min}`)
    : n.min(f.min, f.kind === 'int' && f.min === 1 ? `${noun} must be positive` : `${noun} must be at least ${f.min}`);
  const exclusiveMax = f.kind === 'float' && f.maxExclusive === true;
  n = exclusiveMax ? n.lt(f.max, `${noun} must be below ${f.max}`) : n.max(f.max, `${noun} must be at most ${f.max.toLocaleString('en-US')}`);
  // Optional with null: left out (a config stored before the field existed) reads as null.
  return f.kind === 'float' && f.nullable ? n.nullable().default(null) : n;
}

type FieldSchemas<K extends FieldKey> = {
  [P in K]: (typeof FIELDS)[P] extends { kind: 'enum'; options: infer O extends readonly string[] }
    ? z.ZodEnum<{ [V in O[number]]: V }>
    : (typeof FIELDS)[P] extends { nullable: true }
      ? z.ZodDefault<z.ZodNullable<z.ZodNumber>>
      : z.ZodNumber;
};

function schemasOf<K extends FieldKey>(keys: readonly K[]): FieldSchemas<K> {
  return Object.fromEntries(keys.map((k) => [k, fieldSchema(k, FIELDS[k])])) as unknown as FieldSchemas<K>;
}

export const modelFields = schemasOf(MODEL_KEYS);
export const trainFields = schemasOf(TRAIN_KEYS);

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
export const SEED_CONFIG: RunConfig = Object.fromEntries(FIELD_KEYS.map((k) => [k, FIELDS[k].default])) as RunConfig;

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

export class ConfigError extends DomainError {
  constructor(message: string, issues: FieldIssue[]) {
    super('invalid_input', message, { issues });
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
