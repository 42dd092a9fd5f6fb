import * as tf from '@tensorflow/tfjs';
import { tokens, type ModelConfig } from './config.js';
import { attentionCore, attentionCoreInference, linear } from './fast.js';
import { activate, layerNorm, referenceForward } from './reference.js';

/**
 * The seed's ViT as plain tfjs variables and ops (no tf.layers), so that every op it uses has a
 * gradient on the wasm backend: patches are cut on the data side (no rank-6 transpose in the graph),
 * the cls token is prepended with concat and read back with slice (no gather, whose gradient needs
 * UnsortedSegmentSum), and every linear layer is a plain 2-D matMul (the only matMul that reaches
 * XNNPACK on wasm).
 *
 * Variable names follow the PyTorch module names of the seed report so a checkpoint reads like
 * `print(model)`. qkv is stored as one [dim, 3·dim] matrix like PyTorch's.
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

export class VitModel {
  readonly weights: VitWeights;
  readonly tokens: number;
  readonly headDim: number;

  constructor(
    readonly config: ModelConfig,
    seed = 0,
    /** `auto`: the optimised formulation where the backend has its kernels (wasm), else the reference. */
    readonly kernels: 'auto' | 'fast' | 'reference' = 'auto',
  ) {
    this.tokens = tokens(config);
    this.headDim = config.dim / config.heads;
    const next = seedStream(seed);
    const d = config.dim;
    // tfjs variable names are global to the engine: a per-process counter keeps two models apart.
    const variable = (t: tf.Tensor, name: string) => tf.variable(t, true, `${name}#${modelCounter++}`);
    // PyTorch's nn.Linear default: U(-1/√in, 1/√in) for weight and bias, so the two engines start alike.
    const linear = (inF: number, outF: number, name: string): Linear => {
      const bound = 1 / Math.sqrt(inF);
      return {
        w: variable(tf.randomUniform([inF, outF], -bound, bound, 'float32', next()), `${name}.weight`),
        b: variable(tf.randomUniform([outF], -bound, bound, 'float32', next()), `${name}.bias`),
      };
    };
    const norm = (name: string): Norm => ({
      g: variable(tf.ones([d]), `${name}.weight`),
      b: variable(tf.zeros([d]), `${name}.bias`),
    });
    const patchIn = config.patch * config.patch * config.channels;
    this.weights = {
      patch: linear(patchIn, d, 'patch_embedding'),
      cls: variable(tf.truncatedNormal([1, 1, d], 0, 0.02, 'float32', next()), 'cls_token'),
      pos: variable(tf.truncatedNormal([1, this.tokens, d], 0, 0.02, 'float32', next()), 'pos_embedding'),
      blocks: Array.from({ length: config.depth }, (_, i) => ({
        norm1: norm(`transformer_encoders.${i}.norm1.norm`),
        qkv: linear(d, 3 * d, `transformer_encoders.${i}.mha.qkv`),
        fcOut: linear(d, d, `transformer_encoders.${i}.mha.fc_out`),
        norm2: norm(`transformer_encoders.${i}.norm2.norm`),
        mlp1: linear(d, config.mlp, `transformer_encoders.${i}.mlp.mlp.0`),
        mlp2: linear(config.mlp, d, `transformer_encoders.${i}.mlp.mlp.2`),
      })),
      headNorm: norm('mlp_head.0'),
      head: linear(d, config.classes, 'mlp_head.1'),
    };
  }

  /** Every trainable tensor with its PyTorch-style name, in a stable order. */
  namedVariables(): { name: string; variable: tf.Variable; decay: boolean }[] {
    const w = this.weights;
    const out: { name: string; variable: tf.Variable; decay: boolean }[] = [];
    // Weight decay goes on matrices only (the usual AdamW practice): not on biases, norms, cls or pos.
    const lin = (l: Linear, name: string) => {
      out.push({ name: `${name}.weight`, variable: l.w, decay: true }, { name: `${name}.bias`, variable: l.b, decay: false });
    };
    const norm = (n: Norm, name: string) => {
      out.push({ name: `${name}.weight`, variable: n.g, decay: false }, { name: `${name}.bias`, variable: n.b, decay: false });
    };
    lin(w.patch, 'patch_embedding');
    out.push({ name: 'cls_token', variable: w.cls, decay: false }, { name: 'pos_embedding', variable: w.pos, decay: false });
    w.blocks.forEach((b, i) => {
      const p = `transformer_encoders.${i}`;
      norm(b.norm1, `${p}.norm1.norm`);
      lin(b.qkv, `${p}.mha.qkv`);
      lin(b.fcOut, `${p}.mha.fc_out`);
      norm(b.norm2, `${p}.norm2.norm`);
      lin(b.mlp1, `${p}.mlp.mlp.0`);
      lin(b.mlp2, `${p}.mlp.mlp.2`);
    });
    norm(w.headNorm, 'mlp_head.0');
    lin(w.head, 'mlp_head.1');
    return out;
  }

  trainableCount(): number {
    return this.namedVariables().reduce((s, v) => s + v.variable.size, 0);
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
    const cls = tf.tile(w.cls, [B, 1, 1]);
    let x: tf.Tensor2D = tf.concat([cls, emb], 1).add(w.pos).reshape([B * N, d]);

    for (const blk of w.blocks) {
      const qkv = linear(layerNorm(x, blk.norm1), blk.qkv.w, blk.qkv.b);
      const att = tape ? attentionCore(qkv, shape) : attentionCoreInference(qkv, shape);
      x = x.add(linear(att, blk.fcOut.w, blk.fcOut.b));
      const xn = layerNorm(x, blk.norm2);
      const h = c.activation === 'relu' ? linear(xn, blk.mlp1.w, blk.mlp1.b, 'relu') : activate(linear(xn, blk.mlp1.w, blk.mlp1.b), c.activation);
      x = x.add(drop(linear(drop(h), blk.mlp2.w, blk.mlp2.b)));
    }
    const clsOut = x.reshape([B, N, d]).slice([0, 0, 0], [B, 1, d]).reshape([B, d]) as tf.Tensor2D;
    return linear(layerNorm(clsOut, w.headNorm), w.head.w, w.head.b);
  }

  dispose(): void {
    for (const v of this.namedVariables()) v.variable.dispose();
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
