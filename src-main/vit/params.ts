import { tokens, type ModelConfig } from './config.js';

/**
 * The model's parameters, declared once: name (PyTorch's module path, so a checkpoint reads like
 * `print(model)` and the PyTorch twin loads it by name), shape, initialiser and whether AdamW's
 * weight decay applies. The tfjs variables (model.ts), the flat layout of data-parallel training
 * and of the optimizer, checkpoints and the parameter count all derive from this list; its order
 * is the flat order.
 */

export type ParamInit =
  /** U(−bound, bound): PyTorch's nn.Linear default (bound = 1/√in) for weight and bias. */
  | { kind: 'uniform'; bound: number }
  | { kind: 'truncatedNormal'; std: number }
  | { kind: 'ones' }
  | { kind: 'zeros' };

/** Which part of the model a parameter belongs to (model.ts builds its weight tree from it). */
export type ParamRole =
  | { of: 'patch' | 'head'; part: 'w' | 'b' }
  | { of: 'headNorm'; part: 'g' | 'b' }
  | { of: 'cls' | 'pos' }
  | { of: 'qkv' | 'fcOut' | 'mlp1' | 'mlp2'; block: number; part: 'w' | 'b' }
  | { of: 'norm1' | 'norm2'; block: number; part: 'g' | 'b' };

export interface ParamSpec {
  name: string;
  shape: number[];
  init: ParamInit;
  /** Weight decay goes on matrices only (the usual AdamW practice): not on biases, norms, cls or pos. */
  decay: boolean;
  role: ParamRole;
}

export function paramSpecs(c: ModelConfig): ParamSpec[] {
  const d = c.dim;
  const out: ParamSpec[] = [];
  const linear = (inF: number, outF: number, name: string, role: (part: 'w' | 'b') => ParamRole) => {
    const bound = 1 / Math.sqrt(inF);
    out.push(
      { name: `${name}.weight`, shape: [inF, outF], init: { kind: 'uniform', bound }, decay: true, role: role('w') },
      { name: `${name}.bias`, shape: [outF], init: { kind: 'uniform', bound }, decay: false, role: role('b') },
    );
  };
  const norm = (name: string, role: (part: 'g' | 'b') => ParamRole) => {
    out.push(
      { name: `${name}.weight`, shape: [d], init: { kind: 'ones' }, decay: false, role: role('g') },
      { name: `${name}.bias`, shape: [d], init: { kind: 'zeros' }, decay: false, role: role('b') },
    );
  };
  linear(c.patch * c.patch * c.channels, d, 'patch_embedding', (part) => ({ of: 'patch', part }));
  out.push({ name: 'cls_token', shape: [1, 1, d], init: { kind: 'truncatedNormal', std: 0.02 }, decay: false, role: { of: 'cls' } });
  out.push({ name: 'pos_embedding', shape: [1, tokens(c), d], init: { kind: 'truncatedNormal', std: 0.02 }, decay: false, role: { of: 'pos' } });
  for (let i = 0; i < c.depth; i++) {
    const p = `transformer_encoders.${i}`;
    norm(`${p}.norm1.norm`, (part) => ({ of: 'norm1', block: i, part }));
    linear(d, 3 * d, `${p}.mha.qkv`, (part) => ({ of: 'qkv', block: i, part }));
    linear(d, d, `${p}.mha.fc_out`, (part) => ({ of: 'fcOut', block: i, part }));
    norm(`${p}.norm2.norm`, (part) => ({ of: 'norm2', block: i, part }));
    linear(d, c.mlp, `${p}.mlp.mlp.0`, (part) => ({ of: 'mlp1', block: i, part }));
    linear(c.mlp, d, `${p}.mlp.mlp.2`, (part) => ({ of: 'mlp2', block: i, part }));
  }
  norm('mlp_head.0', (part) => ({ of: 'headNorm', part }));
  linear(d, c.classes, 'mlp_head.1', (part) => ({ of: 'head', part }));
  return out;
}

export interface FlatLayout {
  specs: ParamSpec[];
  offsets: number[];
  sizes: number[];
  total: number;
}

/** Where each parameter sits in one flat Float32Array (the order of `paramSpecs`). */
export function flatLayout(c: ModelConfig): FlatLayout {
  const specs = paramSpecs(c);
  const sizes = specs.map((s) => s.shape.reduce((a, b) => a * b, 1));
  const offsets: number[] = [];
  let total = 0;
  for (const s of sizes) {
    offsets.push(total);
    total += s;
  }
  return { specs, offsets, sizes, total };
}

export function parameterCount(c: ModelConfig): number {
  return flatLayout(c).total;
}
