import { patchify } from '../vit/model.js';
import { augmentInto } from './augment.js';
import type { Split } from './data.js';

/** A batch in host memory: n samples' normalised patches [n, P, F] and their classes. */
export interface HostBatch {
  x: Float32Array;
  labels: Uint8Array;
  n: number;
}

/**
 * Builds batches into buffers allocated once (no tensor, no read-back, no allocation per step):
 * samples gathered from a split, augmented for training, cut into patches and normalised as
 * (pixel / 255 − mean) / std. Each call rewrites the buffers the previous batch's views point to.
 */
export class BatchBuilder {
  private readonly x: Float32Array;
  private readonly labels: Uint8Array;
  private readonly raw: Uint8Array;
  private readonly perImage: number;
  private readonly scale: number;
  private readonly shift: number;

  constructor(
    private readonly shape: { image: number; channels: number; patch: number },
    /** The most samples one batch holds. */
    readonly maxSamples: number,
    norm: { mean: number; std: number },
    /** Whether augmentation may flip an image (not for digits). */
    private readonly flip: boolean,
  ) {
    this.perImage = shape.image * shape.image * shape.channels;
    // (image / patch)² patches of patch²·channels values: as many floats a sample as pixels.
    this.x = new Float32Array(maxSamples * this.perImage);
    this.labels = new Uint8Array(maxSamples);
    this.raw = new Uint8Array(maxSamples * this.perImage);
    this.scale = 1 / (255 * norm.std);
    this.shift = -norm.mean / norm.std;
  }

  /** The samples `idx` of `split`; augmented with `rand` when given (training), else as they are. */
  gather(split: Split, idx: ArrayLike<number>, rand: (() => number) | null): HostBatch {
    const n = this.fits(idx.length);
    const per = this.perImage;
    const { image: side, channels } = this.shape;
    for (let i = 0; i < n; i++) {
      const at = idx[i];
      if (!Number.isInteger(at) || at < 0 || at >= split.count) throw new RangeError(`batch: sample ${at} is outside the split of ${split.count}`);
      const src = split.images.subarray(at * per, at * per + per);
      const dst = this.raw.subarray(i * per, i * per + per);
      if (rand) augmentInto(src, dst, side, channels, rand, { flip: this.flip, shift: 2 });
      else dst.set(src);
      this.labels[i] = split.labels[at];
    }
    return this.cut(this.raw, n);
  }

  /** Samples [from, from + n) of `split` as they are (evaluation): no gather copy. */
  range(split: Split, from: number, n: number): HostBatch {
    this.fits(n);
    if (!Number.isInteger(from) || from < 0 || from + n > split.count) throw new RangeError(`batch: samples ${from}…${from + n - 1} are outside the split of ${split.count}`);
    const per = this.perImage;
    this.labels.set(split.labels.subarray(from, from + n));
    return this.cut(split.images.subarray(from * per, (from + n) * per), n);
  }

  private fits(n: number): number {
    if (n > this.maxSamples) throw new RangeError(`batch: ${n} samples do not fit in a builder for ${this.maxSamples}`);
    return n;
  }

  private cut(images: Uint8Array, n: number): HostBatch {
    const { image: side, channels, patch } = this.shape;
    const x = this.x.subarray(0, n * this.perImage);
    patchify(images, n, side, channels, patch, x, this.scale, this.shift);
    return { x, labels: this.labels.subarray(0, n), n };
  }
}
