import * as fs from 'node:fs';
import * as path from 'node:path';

import { DatasetError } from './errors.js';
import { readIdx, type IdxArray } from './idx.js';
import { checkLabels } from './labels.js';
import { locateDataset, type LocateOptions } from './locate.js';
import { getDatasetSpec, type DatasetFileKey, type DatasetName, type DatasetSpec } from './registry.js';

/** Parsing a located data set into train and test splits, with an in-process cache of parsed files. */

export interface Split {
  /** count × image × image × channels bytes, row-major. Shared with the in-process cache: do not mutate. */
  images: Uint8Array;
  /** count bytes, each a class index. Shared with the in-process cache: do not mutate. */
  labels: Uint8Array;
  count: number;
}

export interface LoadedDataset {
  name: DatasetName;
  classes: string[];
  image: number;
  channels: number;
  dir: string;
  files: Record<DatasetFileKey, string>;
  train: Split;
  test: Split;
}

export interface LoadOptions extends LocateOptions {
  /** Keep only the first N training samples; 0 or absent means all. */
  limitTrain?: number;
  /** Keep only the first N test samples; 0 or absent means all. */
  limitTest?: number;
}

interface CacheEntry {
  size: number;
  mtimeMs: number;
  idx: IdxArray;
}

// Keyed by absolute path; stat data guards against a file replaced in place (e.g. by a download).
const idxCache = new Map<string, CacheEntry>();

function readIdxCached(p: string): IdxArray {
  const abs = path.resolve(p);
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(abs);
  } catch {
    st = undefined; // readIdx reports the missing file with its name
  }
  const hit = idxCache.get(abs);
  if (hit && st && hit.size === st.size && hit.mtimeMs === st.mtimeMs) return hit.idx;
  const idx = readIdx(abs);
  if (st) idxCache.set(abs, { size: st.size, mtimeMs: st.mtimeMs, idx });
  return idx;
}

export function clearDatasetCache(): void {
  idxCache.clear();
}

function checkLimit(what: string, n: number | undefined): number {
  if (n === undefined) return 0;
  if (!Number.isInteger(n) || n < 0) throw new DatasetError(`${what} must be a whole number ≥ 0, got ${n}`);
  return n;
}

function loadSplit(spec: DatasetSpec, imagesPath: string, labelsPath: string, limit: number): Split {
  const images = readIdxCached(imagesPath);
  const labels = readIdxCached(labelsPath);
  const side = spec.image;
  if (spec.channels !== 1) throw new DatasetError(`${spec.title}: IDX images hold one channel, registry says ${spec.channels}`);
  if (images.dims.length !== 3 || images.dims[1] !== side || images.dims[2] !== side) {
    throw new DatasetError(`${imagesPath}: expected images of shape N×${side}×${side}, found ${images.dims.join('×')}`);
  }
  const n = images.dims[0];
  checkLabels(labels, labelsPath, imagesPath, n, spec.classes.length);
  const count = limit > 0 ? Math.min(limit, n) : n;
  const per = side * side * spec.channels;
  return { images: images.data.subarray(0, count * per), labels: labels.data.subarray(0, count), count };
}

/**
 * Locates (see locateDataset) and parses a data set. Parsed files are cached in-process, so
 * loading again, or with other limits, costs a stat per file.
 */
export function loadDataset(name: string, opts: LoadOptions = {}): LoadedDataset {
  const spec = getDatasetSpec(name);
  const limitTrain = checkLimit('limitTrain', opts.limitTrain);
  const limitTest = checkLimit('limitTest', opts.limitTest);
  const located = locateDataset(spec.name, opts);
  return {
    name: spec.name,
    classes: [...spec.classes],
    image: spec.image,
    channels: spec.channels,
    dir: located.dir,
    files: located.files,
    train: loadSplit(spec, located.files.trainImages, located.files.trainLabels, limitTrain),
    test: loadSplit(spec, located.files.testImages, located.files.testLabels, limitTest),
  };
}