import * as fs from 'node:fs';

import { DatasetError } from './errors.js';
import { readIdx, readIdxHeader } from './idx.js';
import { checkLabels } from './labels.js';
import type { LocatedDataset } from './locate.js';
import { getDatasetSpec } from './registry.js';

/**
 * A located data set's real shape, read from its files: what validation compares a config with
 * before a run is written, so that a run the worker would refuse (loadDataset's and the trainer's
 * shape checks) is never stored. Cheap: the image files' headers only (one 64 KiB read each) and
 * the label files in full (60 kB), cached per file version.
 */
export interface DatasetShape {
  /** Image side and channels as the image files' headers say (IDX N×H×W is one channel). */
  image: number;
  channels: number;
  /** The data set's classes (the registry's names), every label checked to be one of them. */
  classes: number;
  trainCount: number;
  testCount: number;
}

const cache = new Map<string, DatasetShape>();

function version(files: string[]): string {
  return files.map((f) => {
    const st = fs.statSync(f);
    return `${f}:${st.size}:${st.mtimeMs}`;
  }).join('|');
}

/** One split's image count and side, with the checks loadDataset applies (DatasetError naming the file). */
function splitShape(imagesPath: string, labelsPath: string, classes: number): { count: number; side: number; channels: number } {
  const { dims } = readIdxHeader(imagesPath);
  if (dims.length !== 3 || dims[1] !== dims[2]) {
    throw new DatasetError(`${imagesPath}: expected square one-channel images of shape N×side×side, found ${dims.join('×')}`);
  }
  const labels = readIdx(labelsPath);
  checkLabels(labels, labelsPath, imagesPath, dims[0], classes);
  return { count: dims[0], side: dims[1], channels: 1 };
}

/** The shape of a located data set; throws a DatasetError (or IdxError) naming the file that is wrong. */
export function datasetShape(located: LocatedDataset): DatasetShape {
  const f = located.files;
  const key = version([f.trainImages, f.trainLabels, f.testImages, f.testLabels]);
  const hit = cache.get(key);
  if (hit) return hit;
  const spec = getDatasetSpec(located.name);
  const classes = spec.classes.length;
  const train = splitShape(f.trainImages, f.trainLabels, classes);
  const test = splitShape(f.testImages, f.testLabels, classes);
  // The loader reads every file of a data set at its registry's side: other files are other data.
  for (const [file, s] of [[f.trainImages, train], [f.testImages, test]] as const) {
    if (s.side !== spec.image) throw new DatasetError(`${file}: expected ${spec.title} images of shape N×${spec.image}×${spec.image}, found N×${s.side}×${s.side}`);
  }
  const shape = { image: train.side, channels: train.channels, classes, trainCount: train.count, testCount: test.count };
  cache.set(key, shape);
  return shape;
}
