import type * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './config.js';
import type { ParamSpec } from './params.js';

/**
 * The weight tree the forward pass (forward.ts) reads, built from the flat parameter list of
 * params.ts by each parameter's role: the list stays the one declaration, the tree is a view.
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

type ByRole = Partial<Record<string, tf.Variable>>;

/** The weight tree from the flat parameter list (by role); names a role the list lacks. */
export function weightTree(c: ModelConfig, params: { variable: tf.Variable; spec: ParamSpec }[]): VitWeights {
  const top: ByRole = {};
  const blocks: ByRole[] = Array.from({ length: c.depth }, () => ({}));
  for (const { variable, spec } of params) {
    const r = spec.role;
    const key = 'part' in r ? `${r.of}.${r.part}` : r.of;
    if ('block' in r) blocks[r.block][key] = variable;
    else top[key] = variable;
  }
  const need = (m: ByRole, k: string) => {
    const v = m[k];
    if (!v) throw new Error(`model: no parameter for ${k}`);
    return v;
  };
  const lin = (m: ByRole, of: string): Linear => ({ w: need(m, `${of}.w`), b: need(m, `${of}.b`) });
  const norm = (m: ByRole, of: string): Norm => ({ g: need(m, `${of}.g`), b: need(m, `${of}.b`) });
  return {
    patch: lin(top, 'patch'),
    cls: need(top, 'cls'),
    pos: need(top, 'pos'),
    blocks: blocks.map((b) => ({ norm1: norm(b, 'norm1'), qkv: lin(b, 'qkv'), fcOut: lin(b, 'fcOut'), norm2: norm(b, 'norm2'), mlp1: lin(b, 'mlp1'), mlp2: lin(b, 'mlp2') })),
    headNorm: norm(top, 'headNorm'),
    head: lin(top, 'head'),
  };
}
