import * as tf from '@tensorflow/tfjs';
import { tokens, type ModelConfig } from './config.js';
import { paramSpecs, type ParamSpec } from './params.js';
import { attentionCore, attentionCoreInference, linear } from './fast.js';
import { fusedLayerNorm } from './kernels/layer-norm.js';
import { activate, referenceForward } from './reference.js';

/**
 * The seed's ViT as plain tfjs variables and ops (no tf.layers), so that every op it uses has a
 * gradient on the wasm backend: patches are cut on the data side (no rank-6 transpose in the graph),
 * the cls token is prepended with concat and read back with slice (no gather, whose gradient needs
 * UnsortedSegmentSum), and every linear layer is a plain 2-D matMul (the only matMul that reaches
 * XNNPACK on wasm).
 *
 * The parameters are declared once in params.ts (names follow the PyTorch module names of the seed
 * report; qkv is one [dim, 3·dim] matrix like PyTorch's).
 */

export interface Linear {
  w: tf.Variable; // [in, out]
  b: tf.Variable; // [out]
}
export interface Norm {
  g: tf.Variable;
  b: tf.Variable;
}
export interface Block {
  norm1: Norm;
  qkv: Linear;
  fcOut: Linear;
  norm2: Norm;
  mlp1: Linear;
  mlp2: Linear;
}

export interface VitWeights {
  patch: Linear;
  cls: tf.Variable; // [1, 1, dim]
  pos: tf.Variable; // [1, N, dim]
  blocks: Block[];
  headNorm: Norm;
  head: Linear;
}

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

/** The weight tree the forward passes read, from the flat parameter list (by role). */
function weightTree(c: ModelConfig, params: { variable: tf.Variable; spec: ParamSpec }[]): VitWeights {
  const top: Partial<Record<string, tf.Variable>> = {};
  const blocks: Record<string, tf.Variable>[] = Array.from({ length: c.depth }, () => ({}));
  for (const { variable, spec } of params) {
    const r = spec.role;
    const key = 'part' in r ? `${r.of}.${r.part}` : r.of;
    if ('block' in r) blocks[r.block][key] = variable;
    else top[key] = variable;
  }
  const need = (m: Partial<Record<string, tf.Variable>>, k: string) => {
    const v = m[k];
    if (!v) throw new Error(`model: no parameter for ${k}`);
    return v;
  };
  const lin = (m: Partial<Record<string, tf.Variable>>, of: string): Linear => ({ w: need(m, `${of}.w`), b: need(m, `${of}.b`) });
  const norm = (m: Partial<Record<string, tf.Variable>>, of: string): Norm => ({ g: need(m, `${of}.g`), b: need(m, `${of}.b`) });
  return {
    patch: lin(top, 'patch'),
    cls: need(top, 'cls'),
    pos: need(top, 'pos'),
    blocks: blocks.map((b) => ({ norm1: norm(b, 'norm1'), qkv: lin(b, 'qkv'), fcOut: lin(b, 'fcOut'), norm2: norm(b, 'norm2'), mlp1: lin(b, 'mlp1'), mlp2: lin(b, 'mlp2') })),
    headNorm: norm(top, 'headNorm'),
    head: lin(top, 'head'),
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
    readonly kernels: 'auto' | 'fast' | 'reference' = 'auto',
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

  trainableCount(): number {
    return this.params.reduce((s, v) => s + v.variable.size, 0);
  }

  /**
   * Logits [B, classes] from patches [B, N-1, p·p·C] (see `patchify`). `training` turns dropout on;
   * `dropoutSeed` makes it reproducible. Uses the optimised formulation (fused linear layers with
   * plain-matMul gradients, the SIMD attention kernel) where the backend has it, else the reference.
   */
  forward(patches: tf.Tensor3D, training = false, dropoutSeed = 0): tf.Tensor2D {
    return this.useFast() ? this.fastForward(patches, training, dropoutSeed) : referenceForward(this.config, this.weights, patches, training, dropoutSeed);
  }

  /** Whether forward() takes the optimised path on the current backend. */
  useFast(): boolean {
    if (this.kernels === 'reference') return false;
    if (this.kernels === 'fast') return true;
    // On cpu the reference stays the default: its profile is what the MACs test counts, and cpu is
    // a last-resort backend. tensorflow has native batched matMuls.
    return tf.getBackend() === 'wasm';
  }

  private fastForward(patches: tf.Tensor3D, training: boolean, dropoutSeed: number): tf.Tensor2D {
    const c = this.config;
    const w = this.weights;
    const [B, P, F] = patches.shape;
    const N = P + 1;
    const d = c.dim;
    let dropCounter = 0;
    const drop = <T extends tf.Tensor>(x: T): T => (training && c.dropout > 0 ? (tf.dropout(x, c.dropout, undefined, dropoutSeed + dropCounter++) as T) : x);
    const shape = { B, N, heads: c.heads, headDim: this.headDim };
    // Under a gradient tape the attention keeps its probabilities for the backward pass.
    const tape = training || tf.engine().state.gradientDepth > 0;

    const emb = linear(patches.reshape([B * P, F]), w.patch.w, w.patch.b).reshape([B, P, d]);
    // A broadcast add, not tf.tile: tile's gradient is one slice and one add per sample (200
    // dispatches a step at batch 100), a broadcast add's is one sum.
    const cls = tf.zeros([B, 1, d]).add(w.cls);
    let x: tf.Tensor2D = tf.concat([cls, emb], 1).add(w.pos).reshape([B * N, d]);

    for (const blk of w.blocks) {
      const qkv = linear(fusedLayerNorm(x, blk.norm1.g, blk.norm1.b), blk.qkv.w, blk.qkv.b);
      const att = tape ? attentionCore(qkv, shape) : attentionCoreInference(qkv, shape);
      x = x.add(linear(att, blk.fcOut.w, blk.fcOut.b));
      const xn = fusedLayerNorm(x, blk.norm2.g, blk.norm2.b);
      const h = c.activation === 'relu' ? linear(xn, blk.mlp1.w, blk.mlp1.b, 'relu') : activate(linear(xn, blk.mlp1.w, blk.mlp1.b), c.activation);
      x = x.add(drop(linear(drop(h), blk.mlp2.w, blk.mlp2.b)));
    }
    const clsOut = x.reshape([B, N, d]).slice([0, 0, 0], [B, 1, d]).reshape([B, d]) as tf.Tensor2D;
    return linear(fusedLayerNorm(clsOut, w.headNorm.g, w.headNorm.b), w.head.w, w.head.b);
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
