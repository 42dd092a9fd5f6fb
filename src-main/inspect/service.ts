import { DomainError } from '../../src-shared/errors.js';
import type { RunDetail } from '../store/types.js';
import { checkpointDirOf, type StoredCheckpoints } from './checkpoint-dir.js';
import { MAX_IMAGE_BYTES, MAX_PAGE, type WeightFormat } from './formats.js';
import { ImageError, readImageHeader } from './image.js';
import { runInspectJob } from './launch.js';
import type { AttentionResult, InspectJob } from './messages.js';
import { predictionsPath, queryPredictions, readPredictions, type MistakeQuery, type PredictedImage, type Predictions } from './predictions.js';

/**
 * What the API's inspect/* requests do, on the caller's side: find the run's checkpoint, hand the
 * heavy part (the model, image decoding) to an inspection worker process, answer mistake queries
 * from the predictions that worker leaves beside the checkpoint. Refusals are InspectError; `input`
 * says the caller can fix them (a bad image, an index out of range) rather than the app.
 */
export class InspectError extends DomainError {
  constructor(
    message: string,
    readonly input: boolean,
    options?: { cause?: unknown },
  ) {
    super(input ? 'invalid_input' : 'internal', message, options);
    this.name = 'InspectError';
  }
}

export interface MistakesResult {
  total: number;
  offset: number;
  items: (PredictedImage & { pixels: string })[];
  side: number;
  classes: number;
  /** The confusion matrix the cached predictions give, and whether it is the stored one. */
  confusion: number[][];
  matchesStored: boolean;
}

/** Either store: the SQLite RunStore answers at once, the async Store (PostgreSQL) with a promise. */
export interface InspectSource {
  get(id: string): RunDetail | Promise<RunDetail>;
}

/** Messages that mean the request, not the app, is wrong (from the image decoder and the index check). */
const INPUT_ERROR = /^(not a PNG|corrupt (PNG|JPEG)|the file is|the image is|image:|index:)/;

export class Inspector {
  private readonly pending = new Map<string, Promise<Predictions>>();

  constructor(
    private readonly store: InspectSource,
    private readonly opts: { dataDir?: string; stored?: StoredCheckpoints } = {},
  ) {}

  private async checkpoint(id: string): Promise<{ run: RunDetail; dir: string }> {
    const run = await this.store.get(id);
    const dir = await checkpointDirOf(run, this.opts.stored);
    if (dir) return { run, dir };
    if (run.checkpointPath) throw new DomainError('unavailable', `inspect: the checkpoint of run ${id} is not on this machine (${run.checkpointPath} is missing) and the store keeps no copy of it`);
    throw new InspectError(`inspect: run ${id} (${run.status}) has no checkpoint yet: it can be inspected once an epoch has finished`, true);
  }

  /** The checkpoint's test predictions, computed once in a worker (concurrent callers share it). */
  async predictions(id: string): Promise<{ run: RunDetail; predictions: Predictions }> {
    const { run, dir } = await this.checkpoint(id);
    const file = predictionsPath(dir);
    const cached = readPredictions(file);
    if (cached) return { run, predictions: cached };
    let p = this.pending.get(file);
    if (!p) {
      p = runInspectJob({ type: 'predictions', checkpointDir: dir, dataDir: this.opts.dataDir, backend: run.backend ?? run.config.backend, out: file })
        .then(() => {
          const r = readPredictions(file);
          if (!r) throw new InspectError(`inspect: the worker wrote no readable predictions to ${file}`, false);
          return r;
        })
        .finally(() => this.pending.delete(file));
      this.pending.set(file, p);
    }
    return { run, predictions: await p };
  }

  async mistakes(input: { id: string; trueClass?: number; predicted?: number; mistakesOnly?: boolean; offset?: number; limit?: number }): Promise<MistakesResult> {
    const k = (await this.store.get(input.id)).config.classes;
    for (const [field, v] of [['trueClass', input.trueClass], ['predicted', input.predicted]] as const) {
      if (v !== undefined && (v < 0 || v >= k)) throw new InspectError(`${field}: the run has classes 0–${k - 1}, not ${v}`, true);
    }
    const { run, predictions: p } = await this.predictions(input.id);
    const q: MistakeQuery = { trueClass: input.trueClass, predicted: input.predicted, mistakesOnly: input.mistakesOnly, offset: input.offset ?? 0, limit: Math.min(input.limit ?? 48, MAX_PAGE) };
    const r = queryPredictions(p, q);
    return {
      total: r.total,
      offset: q.offset,
      items: r.items.map((it) => ({ ...it, pixels: Buffer.from(p.images.subarray(it.index * p.per, (it.index + 1) * p.per)).toString('base64') })),
      side: run.config.image,
      classes: p.classes,
      confusion: r.confusion,
      matchesStored: JSON.stringify(r.confusion) === JSON.stringify(run.confusion),
    };
  }

  async attention(input: { id: string; index: number }): Promise<AttentionResult> {
    const { dir } = await this.checkpoint(input.id);
    return this.job({ type: 'attention', checkpointDir: dir, dataDir: this.opts.dataDir, source: { kind: 'test', index: input.index } });
  }

  /** An image of the user's own (PNG or JPEG bytes): nothing is stored. */
  async predict(input: { id: string; image: Uint8Array; invert?: boolean }): Promise<AttentionResult> {
    const { dir } = await this.checkpoint(input.id);
    if (input.image.byteLength > MAX_IMAGE_BYTES) throw new InspectError(`image: the file is ${(input.image.byteLength / 2 ** 20).toFixed(1)} MB; images up to ${MAX_IMAGE_BYTES / 2 ** 20} MB are accepted`, true);
    // The header is a few bytes: a file that is no image, or too large a one, is refused before a worker starts.
    try {
      readImageHeader(input.image);
    } catch (e) {
      if (e instanceof ImageError) throw new InspectError(`image: ${e.message}`, true, { cause: e });
      throw e;
    }
    return this.job({ type: 'attention', checkpointDir: dir, dataDir: this.opts.dataDir, source: { kind: 'image', bytes: input.image, invert: input.invert === true } });
  }

  /** A weights file's bytes, built in a worker (it may read the training set for the normalisation). */
  weightsFile(run: RunDetail, format: WeightFormat): Promise<Uint8Array> {
    return runInspectJob({ type: 'weights', run, format, dataDir: this.opts.dataDir });
  }

  private async job(job: Extract<InspectJob, { type: 'attention' }>): Promise<AttentionResult> {
    try {
      return await runInspectJob(job);
    } catch (e) {
      const msg = (e as Error).message;
      throw new InspectError(msg, INPUT_ERROR.test(msg), { cause: e });
    }
  }
}
