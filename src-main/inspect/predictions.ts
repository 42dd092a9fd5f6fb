import fs from 'node:fs';
import path from 'node:path';

/**
 * The test split's predicted probabilities for one checkpoint, computed once by the inspection
 * worker and kept beside the checkpoint (removed with it): `test-predictions.bin` holds a small
 * header, the labels, the test images' bytes (the data set files are gzipped, so thumbnails
 * cannot be read from them at an offset; 7.8 MB for all 10,000 Fashion-MNIST test images) and
 * count × classes float32 probabilities. Mistake queries read it in milliseconds instead of
 * running the model again.
 */
export const PREDICTIONS_FILE = 'test-predictions.bin';
const MAGIC = 'VLPRED02';

export interface Predictions {
  count: number;
  classes: number;
  labels: Uint8Array;
  /** count × per bytes, the images as the data set has them. */
  images: Uint8Array;
  per: number;
  probs: Float32Array;
}

export function predictionsPath(checkpointDir: string): string {
  return path.join(checkpointDir, PREDICTIONS_FILE);
}

const HEAD = 20;
const padOf = (n: number) => (4 - (n % 4)) % 4;

/** Written to a temp file and renamed: a reader sees the whole file or none. */
export function writePredictions(file: string, p: Predictions): void {
  const head = Buffer.alloc(HEAD);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(p.count, 8);
  head.writeUInt32LE(p.classes, 12);
  head.writeUInt32LE(p.per, 16);
  const pad = Buffer.alloc(padOf(p.count * (1 + p.per)));
  const tmp = `${file}.tmp-${process.pid}`;
  const probs = Buffer.from(p.probs.buffer, p.probs.byteOffset, p.probs.byteLength);
  fs.writeFileSync(tmp, Buffer.concat([head, Buffer.from(p.labels), Buffer.from(p.images.buffer, p.images.byteOffset, p.count * p.per), pad, probs]));
  fs.renameSync(tmp, file);
}

export function readPredictions(file: string): Predictions | null {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch {
    return null;
  }
  if (buf.length < HEAD || buf.toString('latin1', 0, 8) !== MAGIC) return null;
  const count = buf.readUInt32LE(8);
  const classes = buf.readUInt32LE(12);
  const per = buf.readUInt32LE(16);
  const imagesAt = HEAD + count;
  const probsAt = imagesAt + count * per + padOf(count * (1 + per));
  if (buf.length !== probsAt + 4 * count * classes) return null;
  const probs = new Float32Array(count * classes);
  Buffer.from(probs.buffer).set(buf.subarray(probsAt));
  return { count, classes, per, labels: Uint8Array.from(buf.subarray(HEAD, imagesAt)), images: Uint8Array.from(buf.subarray(imagesAt, imagesAt + count * per)), probs };
}

export interface MistakeQuery {
  /** Only images of this true class. */
  trueClass?: number;
  /** Only images predicted as this class. */
  predicted?: number;
  /** Only wrong predictions. */
  mistakesOnly?: boolean;
  offset: number;
  limit: number;
}

export interface PredictedImage {
  index: number;
  label: number;
  predicted: number;
  /** The predicted class's probability. */
  confidence: number;
  probs: number[];
}

function argmax(p: Float32Array, off: number, k: number): number {
  let best = 0;
  for (let j = 1; j < k; j++) if (p[off + j] > p[off + best]) best = j;
  return best;
}

/** The matching images, most confident first (for mistakes: the most confident mistakes), one page. */
export function queryPredictions(p: Predictions, q: MistakeQuery): { total: number; items: PredictedImage[]; confusion: number[][] } {
  const k = p.classes;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const hits: { index: number; predicted: number; confidence: number }[] = [];
  for (let i = 0; i < p.count; i++) {
    const label = p.labels[i];
    const predicted = argmax(p.probs, i * k, k);
    confusion[label][predicted]++;
    if (q.trueClass !== undefined && label !== q.trueClass) continue;
    if (q.predicted !== undefined && predicted !== q.predicted) continue;
    if (q.mistakesOnly && predicted === label) continue;
    hits.push({ index: i, predicted, confidence: p.probs[i * k + predicted] });
  }
  // Ties (equal confidence) keep the test set's order, so pages are stable.
  hits.sort((a, b) => b.confidence - a.confidence || a.index - b.index);
  const items = hits.slice(q.offset, q.offset + q.limit).map((h) => ({
    ...h,
    label: p.labels[h.index],
    probs: Array.from(p.probs.subarray(h.index * k, (h.index + 1) * k)),
  }));
  return { total: hits.length, items, confusion };
}
