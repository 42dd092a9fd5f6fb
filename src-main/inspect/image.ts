import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { MAX_IMAGE_BYTES, MAX_PIXELS } from './formats.js';
import { affineOf, type Normalisation } from './normalisation.js';

/**
 * A user's own image, converted as the training data is: one channel (luma, transparency over
 * the data sets' black background), padded to a square (centred, black, as MNIST centres its
 * digits), area-averaged down to the config's side, rounded to bytes (the data sets are bytes),
 * then normalised with the run's mean and std exactly as the trainer does.
 *
 * Every refusal is an ImageError naming what is wrong; the image's size is read from its header
 * and refused before anything is decoded.
 */
export class ImageError extends Error {
  override name = 'ImageError';
}

export { MAX_IMAGE_BYTES, MAX_PIXELS } from './formats.js';

export interface ImageHeader {
  kind: 'png' | 'jpeg';
  width: number;
  height: number;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The kind and size from the first bytes, without decoding. */
export function readImageHeader(buf: Uint8Array): ImageHeader {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length === 0) throw new ImageError('the file is empty');
  if (b.length > MAX_IMAGE_BYTES) throw new ImageError(`the file is ${(b.length / 2 ** 20).toFixed(0)} MB; images up to ${MAX_IMAGE_BYTES / 2 ** 20} MB are accepted`);
  let h: ImageHeader;
  if (b.length >= 8 && b.subarray(0, 8).equals(PNG_SIGNATURE)) {
    if (b.length < 24 || b.toString('latin1', 12, 16) !== 'IHDR') throw new ImageError('corrupt PNG: no IHDR header after the signature');
    h = { kind: 'png', width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
  } else if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) {
    h = { kind: 'jpeg', ...jpegSize(b) };
  } else {
    throw new ImageError('not a PNG or JPEG image (its first bytes are neither signature)');
  }
  if (h.width === 0 || h.height === 0) throw new ImageError(`corrupt ${h.kind.toUpperCase()}: it says ${h.width}×${h.height} pixels`);
  if (h.width * h.height > MAX_PIXELS) {
    throw new ImageError(`the image is ${h.width}×${h.height} (${((h.width * h.height) / 1e6).toFixed(1)} megapixels); images up to ${MAX_PIXELS / 1e6} megapixels are accepted`);
  }
  return h;
}

/** Width and height from the first start-of-frame marker (SOF0–SOF15 but DHT, JPG, DAC). */
function jpegSize(b: Buffer): { width: number; height: number } {
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) throw new ImageError(`corrupt JPEG: no marker at byte ${i}`);
    const marker = b[i + 1];
    if (marker === 0xff) {
      i++;
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      i += 2;
      continue;
    }
    const len = b.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (i + 9 > b.length) break;
      return { height: b.readUInt16BE(i + 5), width: b.readUInt16BE(i + 7) };
    }
    if (marker === 0xd9 || marker === 0xda) break;
    i += 2 + len;
  }
  throw new ImageError('corrupt JPEG: no frame header (SOF) with its size');
}

export interface DecodedImage {
  width: number;
  height: number;
  /** RGBA, row-major. */
  rgba: Uint8Array;
}

export function decodeImage(buf: Uint8Array): DecodedImage & { kind: ImageHeader['kind'] } {
  const h = readImageHeader(buf);
  try {
    if (h.kind === 'png') {
      const png = PNG.sync.read(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength));
      return { kind: 'png', width: png.width, height: png.height, rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
    }
    const j = jpeg.decode(buf, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_PIXELS / 1e6, maxMemoryUsageInMB: 256 });
    return { kind: 'jpeg', width: j.width, height: j.height, rgba: j.data };
  } catch (e) {
    throw new ImageError(`corrupt ${h.kind.toUpperCase()}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * side × side grey bytes: luma (ITU-R 601), optionally inverted (dark clothes on a light photo
 * background → the data sets' light object on black), composited over black by alpha, padded to
 * a centred square and area-averaged.
 */
export function toGrayBytes(img: DecodedImage, side: number, opts: { invert?: boolean } = {}): Uint8Array {
  const { width: w, height: hgt, rgba } = img;
  const S = Math.max(w, hgt);
  const ox = Math.floor((S - w) / 2);
  const oy = Math.floor((S - hgt) / 2);
  // Source value at square coordinates (x, y); 0 (black) in the padding.
  const gray = new Float32Array(w * hgt);
  for (let i = 0; i < w * hgt; i++) {
    const r = rgba[4 * i];
    const g = rgba[4 * i + 1];
    const b = rgba[4 * i + 2];
    const a = rgba[4 * i + 3] / 255;
    const y = 0.299 * r + 0.587 * g + 0.114 * b;
    gray[i] = (opts.invert ? 255 - y : y) * a;
  }
  // Area average: output pixel (X, Y) covers [X·S/side, (X+1)·S/side) in each axis; separable.
  const cover = (o: number): { from: number; to: number; weights: number[] } => {
    const a0 = (o * S) / side;
    const a1 = ((o + 1) * S) / side;
    const from = Math.floor(a0);
    const to = Math.min(S, Math.ceil(a1));
    const weights: number[] = [];
    for (let s = from; s < to; s++) weights.push(Math.min(a1, s + 1) - Math.max(a0, s));
    return { from, to, weights };
  };
  const spans = Array.from({ length: side }, (_, o) => cover(o));
  // The mean over output cell o's span along one axis; `at(s)` reads source index s, 0 in the padding.
  const average = (o: number, pad: number, len: number, at: (s: number) => number): number => {
    const { from, weights } = spans[o];
    let sum = 0;
    let wsum = 0;
    for (let k = 0; k < weights.length; k++) {
      const s = from + k - pad;
      wsum += weights[k];
      if (s >= 0 && s < len) sum += weights[k] * at(s);
    }
    return sum / wsum;
  };
  // Rows first ([hgt, side]), then columns.
  const rows = new Float32Array(hgt * side);
  for (let y = 0; y < hgt; y++) for (let X = 0; X < side; X++) rows[y * side + X] = average(X, ox, w, (sx) => gray[y * w + sx]);
  const out = new Uint8Array(side * side);
  for (let Y = 0; Y < side; Y++) {
    for (let X = 0; X < side; X++) out[Y * side + X] = Math.min(255, Math.max(0, Math.round(average(Y, oy, hgt, (sy) => rows[sy * side + X]))));
  }
  return out;
}

/** Bytes → the model's input values, with the trainer's affine map (train/trainer.ts). */
export function normaliseBytes(bytes: Uint8Array, norm: Pick<Normalisation, 'mean' | 'std'>): Float32Array {
  const { scale, shift } = affineOf(norm);
  return Float32Array.from(bytes, (v) => v * scale + shift);
}
