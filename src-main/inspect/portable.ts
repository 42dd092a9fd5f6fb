import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { evalResultOf } from '../report/result-block.js';
import type { RunStore } from '../store/runs.js';
import type { RunDetail } from '../store/types.js';
import { checkpointDirFor, type CheckpointMeta } from '../train/checkpoint.js';
import { parseConfig, type RunConfig } from '../vit/config.js';
import { writeNormalisation, type Normalisation } from './normalisation.js';
import { decodeSafetensors, encodeSafetensors, SafetensorsError } from './safetensors.js';
import type { PlainWeights } from './weights.js';
import { DomainError } from '../../src-shared/errors.js';

/**
 * A run as one portable file (`.vitlab`): a safetensors file holding the app's checkpoint weights
 * in its own layout (tfjs [in, out], the names of model.ts) and, in its metadata, the run record
 * (config, epochs, final result, environment), the checkpoint's epoch and step, and the
 * normalisation. `vitlab import` turns it back into a completed run with its checkpoint, so its
 * mistakes, attention and predictions work on a machine that never trained it. Safetensors
 * because it is a plain, documented container any tool can open; the optimizer state is left out
 * (an imported run is for looking at, not for resuming).
 */
export const PORTABLE_FORMAT = 'vitlab-run';
const VERSION = '1';

const epochSchema = z.object({
  epoch: z.number().int().min(1),
  trainLoss: z.number().nullable(),
  trainAcc: z.number(),
  testLoss: z.number().nullable(),
  testAcc: z.number(),
  seconds: z.number(),
  samplesPerSec: z.number(),
  lr: z.number(),
});
const recordSchema = z.object({
  id: z.string(),
  name: z.string().max(200),
  status: z.enum(['completed', 'failed', 'cancelled', 'interrupted', 'running', 'queued']),
  notes: z.string().max(10_000).default(''),
  tags: z.array(z.string().max(50)).max(20).default([]),
  backend: z.enum(['tensorflow', 'wasm', 'cpu']).nullable(),
  versions: z.record(z.string(), z.string()).nullable(),
  machine: z.object({ platform: z.string(), arch: z.string(), cpus: z.number(), cpuModel: z.string(), memoryGiB: z.number(), hostname: z.string() }).nullable(),
  epochs: z.array(epochSchema).max(1000),
  perClass: z.array(z.object({ correct: z.number().int().min(0), total: z.number().int().min(0) })),
  confusion: z.array(z.array(z.number().int().min(0))).nullable(),
  testLoss: z.number().nullable(),
  error: z.string().nullable(),
});
const normSchema = z.object({ mean: z.number(), std: z.number().positive(), classes: z.array(z.string()) });
const checkpointSchema = z.object({ epoch: z.number().int().min(1), step: z.number().int().min(0) });

export function portableRun(run: RunDetail, weights: PlainWeights, meta: Pick<CheckpointMeta, 'epoch' | 'step'>, norm: Normalisation): Buffer {
  const record: z.input<typeof recordSchema> = {
    id: run.id,
    name: run.name,
    status: run.status,
    notes: run.notes,
    tags: run.tags,
    backend: run.backend,
    versions: run.versions,
    machine: run.machine,
    epochs: run.epochs,
    perClass: run.perClass.map((c) => ({ correct: c.correct, total: c.total })),
    confusion: run.confusion,
    testLoss: run.testLoss,
    error: run.error,
  };
  return encodeSafetensors(
    Object.entries(weights).map(([name, tensor]) => ({ name, tensor })),
    {
      format: PORTABLE_FORMAT,
      version: VERSION,
      config: JSON.stringify(run.config),
      run: JSON.stringify(record),
      checkpoint: JSON.stringify({ epoch: meta.epoch, step: meta.step }),
      normalisation: JSON.stringify(norm),
    },
  );
}

/** A file `vitlab import` refuses: the user's to fix (a wrong or damaged file). */
export class ImportError extends DomainError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('invalid_input', message, options);
    this.name = 'ImportError';
  }
}

function parsed<T>(schema: z.ZodType<T>, raw: string | undefined, what: string, file: string): T {
  if (raw === undefined) throw new ImportError(`import: ${file} has no ${what} in its metadata`);
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch (e) {
    throw new ImportError(`import: ${file}: its ${what} is not JSON`, { cause: e });
  }
  const r = schema.safeParse(doc);
  if (!r.success) throw new ImportError(`import: ${file}: its ${what} is invalid: ${r.error.issues.map((i) => `${i.path.join('.') || what}: ${i.message}`).join('; ')}`);
  return r.data;
}

/** The parameter names and shapes the model of a config has (model.ts is the one place they are declared). */
export type ShapeOf = (config: RunConfig) => { name: string; shape: number[] }[];

/** A portable file, read and checked through: nothing in it can fail storePortableRun for being malformed. */
export interface PortableRun {
  config: RunConfig;
  record: z.output<typeof recordSchema>;
  norm: Normalisation;
  ckpt: { epoch: number; step: number };
  order: { name: string; shape: number[] }[];
  tensors: PlainWeights;
}

export function readPortableRun(file: string, shapesOf: ShapeOf): PortableRun {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    throw new ImportError(`import: cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  let decoded: ReturnType<typeof decodeSafetensors>;
  try {
    decoded = decodeSafetensors(buf, file);
  } catch (e) {
    if (e instanceof SafetensorsError) throw new ImportError(`import: ${e.message}`, { cause: e });
    throw e;
  }
  const { tensors, metadata } = decoded;
  if (metadata.format !== PORTABLE_FORMAT) {
    throw new ImportError(`import: ${file} is not a ViT Lab run file (a safetensors file with format "${metadata.format ?? 'none'}"; export one with --format vitlab)`);
  }
  if (metadata.version !== VERSION) throw new ImportError(`import: ${file} is version ${metadata.version} of the run file, this ViT Lab reads version ${VERSION}`);
  let config: RunConfig;
  try {
    config = parseConfig(JSON.parse(metadata.config ?? 'null'));
  } catch (e) {
    throw new ImportError(`import: ${file}: its config is invalid: ${(e as Error).message}`, { cause: e });
  }
  const record = parsed(recordSchema, metadata.run, 'run record', file);
  const norm = parsed(normSchema, metadata.normalisation, 'normalisation', file);
  const ckpt = parsed(checkpointSchema, metadata.checkpoint, 'checkpoint', file);
  const expected = shapesOf(config);
  for (const { name, shape } of expected) {
    const t = tensors[name];
    if (!t) throw new ImportError(`import: ${file} has no weight ${name}`);
    if (t.shape.join(',') !== shape.join(',')) throw new ImportError(`import: ${file}: ${name} has shape [${t.shape}], the config's model needs [${shape}]`);
  }
  const extra = Object.keys(tensors).filter((n) => !expected.some((e) => e.name === n));
  if (extra.length) throw new ImportError(`import: ${file} holds weights the config's model does not have: ${extra.slice(0, 5).join(', ')}`);
  const k = config.classes;
  if (record.perClass.length !== 0 && record.perClass.length !== k) throw new ImportError(`import: ${file}: per-class results for ${record.perClass.length} classes, the config has ${k}`);
  if (record.confusion && (record.confusion.length !== k || record.confusion.some((r) => r.length !== k))) throw new ImportError(`import: ${file}: the confusion matrix is not ${k}×${k}`);
  return { config, record, norm, ckpt, order: expected, tensors };
}

/**
 * Stores a read portable run as a new run with its checkpoint under `checkpointRoot`. The rows go
 * in one transaction, and the checkpoint folder is removed again if that transaction fails.
 * Returns the new run's id.
 */
export function storePortableRun(store: RunStore, run: PortableRun, checkpointRoot: string): string {
  const { config, record, norm, ckpt, order, tensors } = run;
  let createdDir: string | null = null;
  try {
    return store.transaction(() => {
      const id = store.createRun({ name: record.name, config, notes: record.notes, tags: record.tags });
      if (!store.claim(id)) throw new ImportError('import: the new run was taken by another process');
      store.markStarted(id, {
        backend: record.backend ?? 'cpu',
        versions: { ...(record.versions ?? {}), importedFrom: record.id },
        machine: record.machine ?? { platform: 'unknown', arch: 'unknown', cpus: 0, cpuModel: 'unknown', memoryGiB: 0, hostname: 'unknown' },
      });
      for (const e of record.epochs) store.addEpoch(id, { ...e, trainLoss: e.trainLoss ?? Number.NaN, testLoss: e.testLoss ?? Number.NaN });
      createdDir = writeCheckpoint(checkpointDirFor(path.join(checkpointRoot, id), ckpt.epoch), config, ckpt, order, tensors, norm);
      store.addCheckpoint(id, ckpt.epoch, createdDir);
      const result = evalResultOf({ perClass: record.perClass.map((c, i) => ({ class: i, ...c, acc: null })), confusion: record.confusion, testLoss: record.testLoss });
      if (result) store.setResult(id, result);
      const final = record.status === 'queued' || record.status === 'running' ? 'interrupted' : record.status;
      store.finish(id, final, record.error ?? undefined);
      return id;
    });
  } catch (e) {
    if (createdDir) fs.rmSync(path.dirname(createdDir), { recursive: true, force: true });
    throw e;
  }
}

/** The checkpoint folder in train/checkpoint.ts's layout (model.json + weights.bin), written to a temp folder and renamed. */
function writeCheckpoint(
  dir: string,
  config: RunConfig,
  ckpt: { epoch: number; step: number },
  order: { name: string; shape: number[] }[],
  tensors: PlainWeights,
  norm: Normalisation,
): string {
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  const parts = order.map(({ name }) => Buffer.from(tensors[name].data.buffer, tensors[name].data.byteOffset, tensors[name].data.byteLength));
  fs.writeFileSync(path.join(tmp, 'weights.bin'), Buffer.concat(parts));
  const doc: CheckpointMeta = {
    format: 'vitlab-checkpoint',
    version: 1,
    epoch: ckpt.epoch,
    step: ckpt.step,
    config,
    modelTopology: { class_name: 'ViT', config },
    weightsManifest: [{ paths: ['weights.bin'], weights: order.map(({ name, shape }) => ({ name, shape, dtype: 'float32' as const })) }],
  };
  fs.writeFileSync(path.join(tmp, 'model.json'), JSON.stringify(doc, null, 1));
  writeNormalisation(tmp, norm);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
  return dir;
}
