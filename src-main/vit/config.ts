import { z } from 'zod';
import { DomainError, type FieldIssue } from '../../src-shared/errors.js';
import { ACTIVATIONS, BACKENDS, DATASETS, FIELD_KEYS, FIELDS, MODEL_KEYS, RECIPES, TRAIN_KEYS, type FieldDef, type FieldKey } from '../../src-shared/fields.js';

/**
 * One flat run config: the model fields (what the cost model and the summary need) and the
 * training fields (what the trainer needs). Flat so that a sweep, a CLI flag, a database column
 * and a "what differs" diff can all address a field by one name.
 */

export { ACTIVATIONS, BACKENDS, DATASETS, MODEL_KEYS, RECIPES, TRAIN_KEYS };

/** A field's zod schema, from its registry entry: bounds and messages are the registry's. */
function fieldSchema(key: string, f: FieldDef) {
  const noun = f.noun ?? key;
  if (f.kind === 'enum') return z.enum(f.options as [string, ...string[]], { error: `${noun} must be one of ${f.options.join(', ')}` });
  // JSON's 1e999 arrives as Infinity: say so instead of zod's "expected number, received number".
  let n = z.number({ error: (iss) => (typeof iss.input === 'number' ? `${noun} must be a finite number` : `${noun} must be a number`) });
  if (f.kind === 'int') n = n.int(`${noun} must be a whole number`);
  const exclusiveMin = f.kind === 'float' && f.minExclusive === true;
  n = exclusiveMin
    ? n.gt(f.min, f.min === 0 ? `${noun} must be positive` : `${noun} must be above ${f.min}`)
    : n.min(f.min, f.kind === 'int' && f.min === 1 ? `${noun} must be positive` : `${noun} must be at least ${f.min}`);
  const exclusiveMax = f.kind === 'float' && f.maxExclusive === true;
  n = exclusiveMax ? n.lt(f.max, `${noun} must be below ${f.max}`) : n.max(f.max, `${noun} must be at most ${f.max}`);
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

/** Wasm memory is 32-bit and never shrinks: refuse models whose training activations cannot fit. */
export const MEMORY_LIMIT_BYTES = 2 * 1024 ** 3;

export function tokens(c: Pick<ModelConfig, 'image' | 'patch'>): number {
  return (c.image / c.patch) ** 2 + 1;
}

/**
 * Float32 bytes kept alive for the backward pass of one training step: per layer the residual
 * stream, LayerNorm outputs, q/k/v, the attention matrix (softmax input and output) and the MLP
 * hidden layer, with a factor of two for gradients of the same shape. An estimate, on purpose
 * generous: it only has to catch configs that cannot possibly train.
 */
export function estimateTrainingBytes(c: ModelConfig & { batch: number }): number {
  const n = tokens(c);
  const perLayer = c.batch * n * (8 * c.dim + 2 * c.mlp) + 2 * c.batch * c.heads * n * n;
  return 4 * 2 * c.depth * perLayer;
}

export const runConfigSchema = baseSchema.superRefine((c, ctx) => {
  if (c.image % c.patch !== 0) {
    ctx.addIssue({ code: 'custom', path: ['patch'], message: `patch (${c.patch}) must divide the image side (${c.image})` });
  }
  if (c.dim % c.heads !== 0) {
    ctx.addIssue({ code: 'custom', path: ['heads'], message: `dim (${c.dim}) must be divisible by heads (${c.heads})` });
  }
  if (c.image % c.patch === 0 && c.dim % c.heads === 0) {
    const bytes = estimateTrainingBytes(c);
    if (bytes > MEMORY_LIMIT_BYTES) {
      ctx.addIssue({
        code: 'custom',
        path: ['batch'],
        message: `model will not fit in memory: one training step needs about ${(bytes / 1024 ** 3).toFixed(1)} GiB (limit ${MEMORY_LIMIT_BYTES / 1024 ** 3} GiB); lower batch, depth, dim or mlp, or raise patch`,
      });
    }
  }
});

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
    message: i.code === 'unrecognized_keys' ? `unknown field(s): ${i.keys.join(', ')}` : i.message,
  }));
}

export function validateConfig(input: unknown): { ok: true; config: RunConfig } | { ok: false; issues: { field: string; message: string }[] } {
  const r = runConfigSchema.safeParse(input);
  return r.success ? { ok: true, config: r.data } : { ok: false, issues: configIssues(r.error) };
}

/** Parses or throws a ConfigError whose message names every bad field. */
export function parseConfig(input: unknown): RunConfig {
  const r = validateConfig(input);
  if (r.ok) return r.config;
  throw new ConfigError(r.issues.map((i) => `${i.field}: ${i.message}`).join('\n'), r.issues);
}

/** A preset (default `seed`) with user overrides on top, validated. */
export function resolveConfig(overrides: Partial<RunConfig>, preset = 'seed'): RunConfig {
  const base = PRESETS[preset];
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
