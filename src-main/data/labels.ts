import { DatasetError } from './errors.js';
import type { IdxArray } from './idx.js';

/**
 * The label file checks of one split, shared by the loader (load.ts) and the admission's shape
 * read (shape.ts), so that a run admitted on a data set's shape is one the loader accepts.
 */
export function checkLabels(labels: IdxArray, labelsPath: string, imagesPath: string, imageCount: number, classes: number): void {
  if (labels.dims.length !== 1) {
    throw new DatasetError(`${labelsPath}: expected a 1-dimensional label file, found shape ${labels.dims.join('×')}`);
  }
  if (labels.dims[0] !== imageCount) {
    throw new DatasetError(`image and label counts differ: ${imagesPath} has ${imageCount} images, ${labelsPath} has ${labels.dims[0]} labels`);
  }
  const bad = labels.data.findIndex((l) => l >= classes);
  if (bad >= 0) {
    throw new DatasetError(`${labelsPath}: label ${labels.data[bad]} at index ${bad} is not a class (expected 0–${classes - 1})`);
  }
}
