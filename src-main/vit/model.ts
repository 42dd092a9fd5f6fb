import * as tf from '@tensorflow/tfjs';
import { tokens, type ModelConfig } from './config.js';
import { fastOps } from './fast.js';
import { vitForward, type ModelOps } from './forward.js';
import { paramSpecs, type ParamSpec } from './params.js';
import { referenceOps } from './reference.js';
import { weightTree, type VitWeights } from './weights.js';

export type { Block, Linear, Norm, VitWeights } from './weights.js';

/**
 * The seed's ViT as plain tfjs variables and ops (no tf.layers), so that every op it uses has a
 * gradient on the wasm backend: patches are cut on the data side (no rank-6 transpose in the graph),
 * the cls token is prepended with concat and read back with slice (no gather, whose gradient needs
 * UnsortedSegmentSum), and every linear layer is a plain 2-D matMul (the only matMul that reaches
 * XNNPACK on wasm).
 *
 * The parameters are declared once in params.ts (names follow the PyTorch module names of the seed
 * report; qkv is one [dim, 3·dim] matrix like PyTorch's); the forward pass is written once in
 * forward.ts over an op set, the reference one or the fast one.
 */

/** The op sets forward.ts runs over, by the name a model is built with. */
export const OP_SETS = { reference: referenceOps, fast: fastOps } satisfies Record<string, ModelOps>;
export type OpSetName = keyof typeof OP_SETS;

let modelCounter = 0;

/** Deterministic seeds for every initialiser, derived from the run seed. */
function seedStream(seed: number): () => number {
  let s = seed >>> 0 || 0x9e3779b9;
  return () => {
    // xorshift32: small, fast, and reproducible across platforms.
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

export class VitModel {
  readonly weights: VitWeights;
  readonly tokens: number;
  readonly headDim: number;

  /** Every trainable tensor in `paramSpecs` order (the flat order), with its spec. */
  readonly params: { name: string; variable: tf.Variable; decay: boolean; spec: ParamSpec }[];

  constructor(
    readonly config: ModelConfig,
    seed = 0,
    /** `auto`: the optimised formulation where the backend has its kernels (wasm), else the reference. */
    readonly kernels: 'auto' | OpSetName = 'auto',
  ) {
    this.tokens = tokens(config);
    this.headDim = config.dim / config.heads;
    const next = seedStream(seed);
    // Every random initialiser draws the next seed, in spec order.
    const initial = (s: ParamSpec): tf.Tensor => {
      const i = s.init;
      switch (i.kind) {
        case 'uniform':
          return tf.randomUniform(s.shape, -i.bound, i.bound, 'float32', next());
        case 'truncatedNormal':
          return tf.truncatedNormal(s.shape, 0, i.std, 'float32', next());
        case 'ones':
          return tf.ones(s.shape);
        case 'zeros':
          return tf.zeros(s.shape);
      }
    };
    // tfjs variable names are global to the engine: a per-process counter keeps two models apart.
    this.params = paramSpecs(config).map((spec) => {
      const t = initial(spec);
      const variable = tf.variable(t, true, `${spec.name}#${modelCounter++}`);
      t.dispose();
      return { name: spec.name, variable, decay: spec.decay, spec };
    });
    this.weights = weightTree(config, this.params);
  }

  /** Every trainable tensor with its PyTorch-style name, in a stable order (`paramSpecs`). */
  namedVariables(): { name: string; variable: tf.Variable; decay: boolean }[] {
    return this.params;
  }

  /**
   * Every parameter with its entry in `weights` (by name), checked for presence and shape before
   * anything is assigned; `source` (a checkpoint folder) goes into the error.
   */
  named<T extends { shape: readonly number[] }>(weights: Partial<Record<string, T>>, source?: string): { variable: tf.Variable; value: T }[] {
    return this.params.map(({ name, variable }) => {
      const value = weights[name];
      if (!value) throw new Error(`checkpoint: ${source ? `${source} has ` : ''}no weight ${name}`);
      if (value.shape.join(',') !== variable.shape.join(',')) {
        throw new Error(`checkpoint: ${name} has shape [${value.shape}]${source ? ` in ${source}` : ''}, the model needs [${variable.shape}]`);
      }
      return { variable, value };
    });
  }

  trainableCount(): number {
    return this.params.reduce((s, v) => s + v.variable.size, 0);
  }

  /**
   * Logits [B, classes] from patches [B, N-1, p·p·C] (see `patchify`). `training` turns dropout on;
   * `dropoutSeed` makes it reproducible. Runs the fast op set where the backend has its kernels,
   * else the reference (see `useFast`).
   */
  forward(patches: tf.Tensor3D, training = false, dropoutSeed = 0): tf.Tensor2D {
    return vitForward(this.ops(), this.config, this.weights, patches, training, dropoutSeed);
  }

  /** The op set forward() runs over on the current backend. */
  ops(): ModelOps {
    return OP_SETS[this.useFast() ? 'fast' : 'reference'];
  }

  /** Whether forward() takes the fast op set on the current backend. */
  useFast(): boolean {
    if (this.kernels === 'reference') return false;
    if (this.kernels === 'fast') return true;
    // On cpu the reference stays the default: its profile is what the MACs test counts, and cpu is
    // a last-resort backend. tensorflow has native batched matMuls.
    return tf.getBackend() === 'wasm';
  }

  dispose(): void {
    for (const v of this.params) v.variable.dispose();
  }
}

/**
 * Cuts images [count, side, side, C] (uint8 or float, any layout row-major HWC) into patch rows
 * [count, (side/p)², p·p·C] scaled to [0, 1] and normalised, in (py, px, c) order within a patch.
 * Done in JS on the data side: in the graph it would be a rank-6 transpose per batch.
 */
export function patchify(
  images: ArrayLike<number>,
  count: number,
  side: number,
  channels: number,
  patch: number,
  out?: Float32Array,
  scale = 1 / 255,
  shift = 0,
): Float32Array {
  const g = side / patch;
  const F = patch * patch * channels;
  const per = side * side * channels;
  const dst = out ?? new Float32Array(count * g * g * F);
  let o = 0;
  for (let n = 0; n < count; n++) {
    const base = n * per;
    for (let gy = 0; gy < g; gy++) {
      for (let gx = 0; gx < g; gx++) {
        for (let py = 0; py < patch; py++) {
          const row = base + ((gy * patch + py) * side + gx * patch) * channels;
          for (let i = 0; i < patch * channels; i++) dst[o++] = images[row + i] * scale + shift;
        }
      }
    }
  }
  return dst;
}
