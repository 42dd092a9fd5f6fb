import fs from 'node:fs';
import path from 'node:path';
import { readCheckpointMeta, type CheckpointMeta } from '../train/checkpoint.js';
import type { RunConfig } from '../vit/config.js';

/**
 * A checkpoint's weights as plain float32 arrays, read without TensorFlow.js: exporting and the
 * plain-JS forward pass (forward.ts) need numbers, not a tfjs engine.
 */

export interface PlainTensor {
  shape: number[];
  data: Float32Array;
}

export type PlainWeights = Record<string, PlainTensor>;

export function readPlainWeights(dir: string): { meta: CheckpointMeta; config: RunConfig; weights: PlainWeights } {
  const meta = readCheckpointMeta(dir);
  const manifest = meta.weightsManifest?.[0];
  if (!manifest) throw new Error(`checkpoint: ${dir} has no weights manifest`);
  const file = path.join(dir, manifest.paths[0]);
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    throw new Error(`checkpoint: cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  const weights: PlainWeights = {};
  let offset = 0;
  for (const spec of manifest.weights) {
    if (spec.dtype !== 'float32') throw new Error(`checkpoint: ${spec.name} in ${file} is ${spec.dtype}, expected float32`);
    const size = spec.shape.reduce((a, b) => a * b, 1);
    if (offset + 4 * size > buf.byteLength) throw new Error(`checkpoint: ${file} is too short for ${spec.name}`);
    // Copied out (not a view): the Buffer's offset need not be 4-byte aligned.
    const data = new Float32Array(size);
    Buffer.from(data.buffer).set(buf.subarray(offset, offset + 4 * size));
    weights[spec.name] = { shape: [...spec.shape], data };
    offset += 4 * size;
  }
  if (offset !== buf.byteLength) throw new Error(`checkpoint: ${file} holds ${buf.byteLength} bytes, the manifest ${offset}`);
  return { meta, config: meta.config, weights };
}

/** The checkpoint weight's name for each linear layer (stored [in, out] in the app, [out, in] in PyTorch). */
export function isLinearWeight(name: string, shape: readonly number[]): boolean {
  return shape.length === 2 && name.endsWith('.weight');
}

/** [rows, cols] → [cols, rows]. */
export function transpose2d(t: PlainTensor): PlainTensor {
  const [r, c] = t.shape;
  const out = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = t.data[i * c + j];
  return { shape: [c, r], data: out };
}

/**
 * The seed module's state dict from the app's weights: the same names (model.ts already uses the
 * seed's module names), linear weights transposed to PyTorch's [out, in]. The order is the app's
 * parameter order, which is the order `model.parameters()` yields in the PyTorch module.
 */
export function torchStateDict(weights: PlainWeights): { name: string; tensor: PlainTensor }[] {
  return Object.entries(weights).map(([name, t]) => ({ name, tensor: isLinearWeight(name, t.shape) ? transpose2d(t) : t }));
}

/** The inverse of torchStateDict, for reading a PyTorch-layout file back. */
export function appWeightsFromTorch(tensors: Record<string, PlainTensor>): PlainWeights {
  const out: PlainWeights = {};
  for (const [name, t] of Object.entries(tensors)) out[name] = isLinearWeight(name, t.shape) ? transpose2d(t) : t;
  return out;
}
