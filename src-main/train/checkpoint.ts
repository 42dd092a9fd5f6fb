import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import path from 'node:path';
import type { RunConfig } from '../vit/config.js';

/**
 * Checkpoints in tfjs's model-artifacts layout (model.json with a weightsManifest + weights.bin),
 * so `tf.io` tooling can read the weights; the optimizer's moments sit beside them in
 * optimizer.bin with their own manifest, so a resumed run continues exactly.
 *
 * A checkpoint is written to a temporary folder and renamed into place: a crash mid-write leaves
 * the previous checkpoint intact, never a half-written one.
 */

export interface CheckpointMeta {
  format: 'vitlab-checkpoint';
  version: 1;
  epoch: number;
  step: number;
  config: RunConfig;
  modelTopology: { class_name: 'ViT'; config: RunConfig };
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  optimizerManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] };
}

type Named = { name: string; tensor: tf.Tensor }[];

export function checkpointDirFor(root: string, epoch: number): string {
  return path.join(root, `epoch-${String(epoch).padStart(4, '0')}`);
}

export async function saveCheckpoint(
  root: string,
  meta: { epoch: number; step: number; config: RunConfig },
  weights: Named,
  optimizer: Named | null,
): Promise<string> {
  const dir = checkpointDirFor(root, meta.epoch);
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  const w = await tf.io.encodeWeights(weights.map((n) => ({ name: n.name, tensor: n.tensor })));
  fs.writeFileSync(path.join(tmp, 'weights.bin'), new Uint8Array(w.data as ArrayBuffer));
  const doc: CheckpointMeta = {
    format: 'vitlab-checkpoint',
    version: 1,
    epoch: meta.epoch,
    step: meta.step,
    config: meta.config,
    modelTopology: { class_name: 'ViT', config: meta.config },
    weightsManifest: [{ paths: ['weights.bin'], weights: w.specs }],
  };
  if (optimizer) {
    const o = await tf.io.encodeWeights(optimizer.map((n) => ({ name: n.name, tensor: n.tensor })));
    fs.writeFileSync(path.join(tmp, 'optimizer.bin'), new Uint8Array(o.data as ArrayBuffer));
    doc.optimizerManifest = { paths: ['optimizer.bin'], weights: o.specs };
  }
  fs.writeFileSync(path.join(tmp, 'model.json'), JSON.stringify(doc, null, 1));
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
  return dir;
}

export function readCheckpointMeta(dir: string): CheckpointMeta {
  const file = path.join(dir, 'model.json');
  let doc: CheckpointMeta;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8')) as CheckpointMeta;
  } catch (e) {
    throw new Error(`checkpoint: cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  if (doc.format !== 'vitlab-checkpoint') throw new Error(`checkpoint: ${file} is not a ViT Lab checkpoint`);
  return doc;
}

function decode(dir: string, file: string, specs: tf.io.WeightsManifestEntry[]): Record<string, tf.Tensor> {
  const full = path.join(dir, file);
  const buf = fs.readFileSync(full);
  const expected = specs.reduce((s, sp) => s + 4 * sp.shape.reduce((a, b) => a * b, 1), 0);
  if (buf.byteLength !== expected) throw new Error(`checkpoint: ${full} holds ${buf.byteLength} bytes, expected ${expected}`);
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  return tf.io.decodeWeights(ab, specs) as Record<string, tf.Tensor>;
}

export function loadCheckpoint(dir: string): {
  meta: CheckpointMeta;
  weights: Record<string, tf.Tensor>;
  optimizer: Record<string, tf.Tensor> | null;
} {
  const meta = readCheckpointMeta(dir);
  const wm = meta.weightsManifest[0];
  const weights = decode(dir, wm.paths[0], wm.weights);
  const om = meta.optimizerManifest;
  const optimizer = om && fs.existsSync(path.join(dir, om.paths[0])) ? decode(dir, om.paths[0], om.weights) : null;
  return { meta, weights, optimizer };
}

/**
 * Drops the optimizer state (only needed to resume) of checkpoints older than `keepEpoch`; their
 * weights stay. Called once `keepEpoch`'s checkpoint is stored (run-writes.ts), never at save time.
 */
export function pruneOptimizerState(root: string, keepEpoch: number): void {
  if (!fs.existsSync(root)) return;
  for (const name of fs.readdirSync(root)) {
    const m = /^epoch-(\d+)$/.exec(name);
    if (m && Number(m[1]) < keepEpoch) fs.rmSync(path.join(root, name, 'optimizer.bin'), { force: true });
  }
}

/**
 * The newest checkpoint under a run's folder that can resume training (weights and optimizer
 * state complete). The folder, not the database, is the truth here: a process killed between
 * writing a checkpoint and reporting it leaves the database one checkpoint behind.
 */
export function latestResumableCheckpoint(root: string): { dir: string; epoch: number } | null {
  if (!fs.existsSync(root)) return null;
  const epochs = fs
    .readdirSync(root)
    .map((name) => /^epoch-(\d+)$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => b - a);
  for (const epoch of epochs) {
    const dir = checkpointDirFor(root, epoch);
    if (fs.existsSync(path.join(dir, 'model.json')) && fs.existsSync(path.join(dir, 'optimizer.bin'))) return { dir, epoch };
  }
  return null;
}
