import { checkTarget, writeExclusive } from '../report/export.js';
import { fileStem } from '../report/format.js';
import type { RunDetail } from '../store/types.js';
import { WEIGHT_FORMATS, type WeightFormat } from './formats.js';
import { runNormalisation } from './normalisation.js';
import { portableRun } from './portable.js';
import { TORCH_SNIPPET, torchSafetensors } from './torch.js';
import { readPlainWeights } from './weights.js';
import { DomainError } from '../../src-shared/errors.js';

/**
 * A run's weights out of the app: `safetensors` (the seed module's PyTorch state dict, see
 * torch.ts) or `vitlab` (the app's own checkpoint and run record in one portable file that
 * `vitlab import` reads back, see portable.ts). Refusals start with `export:` like report exports.
 */
export { WEIGHT_FORMATS, type WeightFormat } from './formats.js';

export interface WeightsExportResult {
  format: WeightFormat;
  filename: string;
  mime: string;
  /** The file, base64. */
  content: string;
  encoding: 'base64';
  bytes: number;
  /** PyTorch code that builds the seed module and loads the file (safetensors only). */
  snippet?: string;
  path?: string;
}

export interface WeightsExportInput {
  id: string;
  format: WeightFormat;
  path?: string;
  force?: boolean;
}

const fail = (message: string): never => {
  throw new DomainError('invalid_input', `export: ${message}`);
};

export function weightsFilename(run: Pick<RunDetail, 'name' | 'id'>, format: WeightFormat): string {
  return `${fileStem(run.name, fileStem(run.id, 'run'))}.${format}`;
}

export function checkpointOf(run: Pick<RunDetail, 'id' | 'status' | 'checkpointPath'>): string {
  if (!run.checkpointPath) return fail(`run ${run.id} (${run.status}) has no checkpoint yet: its weights exist once an epoch has finished`);
  return run.checkpointPath;
}

/**
 * The file's bytes. Reads the checkpoint and, the first time, the training set for the
 * normalisation (≈ 0.9 s for Fashion-MNIST's 60,000 images): run it in the inspection worker.
 */
export function weightsFileBytes(run: RunDetail, format: WeightFormat, dataDir?: string): Buffer {
  const dir = checkpointOf(run);
  const { meta, config, weights } = readPlainWeights(dir);
  const norm = runNormalisation(dir, config, dataDir);
  return format === 'safetensors'
    ? torchSafetensors(weights, config, norm, { run_id: run.id, run_name: run.name, epoch: String(meta.epoch) })
    : portableRun(run, weights, meta, norm);
}

export async function exportWeights(
  store: { get(id: string): RunDetail },
  input: WeightsExportInput,
  opts: {
    allowWrite: boolean;
    dataDir?: string;
    build?: (run: RunDetail, format: WeightFormat) => Promise<Uint8Array>;
    /** Where the run's checkpoint is on this machine (inspect/checkpoint-dir.ts: its folder, else the store's copy). */
    checkpointDir?: (run: RunDetail) => Promise<string | null>;
  },
): Promise<WeightsExportResult> {
  if (!(WEIGHT_FORMATS as readonly string[]).includes(input.format)) fail(`unknown weights format "${String(input.format)}" (one of ${WEIGHT_FORMATS.join(', ')})`);
  let target: string | undefined;
  if (input.path !== undefined) {
    if (!opts.allowWrite) fail('writing files is not allowed over this transport');
    target = checkTarget(input.path, input.force === true);
  }
  const stored = store.get(input.id);
  checkpointOf(stored);
  // A run an agent trained elsewhere: its folder is there, the checkpoint is read from the store's copy.
  const here = opts.checkpointDir ? await opts.checkpointDir(stored) : null;
  const run = here ? { ...stored, checkpointPath: here } : stored;
  const built = opts.build ? await opts.build(run, input.format) : weightsFileBytes(run, input.format, opts.dataDir);
  const bytes = Buffer.from(built.buffer, built.byteOffset, built.byteLength);
  const result: WeightsExportResult = {
    format: input.format,
    filename: weightsFilename(run, input.format),
    mime: 'application/octet-stream',
    content: bytes.toString('base64'),
    encoding: 'base64',
    bytes: bytes.length,
    snippet: input.format === 'safetensors' ? TORCH_SNIPPET : undefined,
  };
  if (target !== undefined) {
    writeExclusive(target, bytes, input.force === true);
    result.path = target;
  }
  return result;
}
