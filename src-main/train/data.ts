import { loadDataset } from '../data/datasets.js';
import type { RunConfig } from '../vit/config.js';

export interface Split {
  images: Uint8Array; // count × side × side × channels, row-major HWC
  labels: Uint8Array;
  count: number;
}

export interface TrainData {
  name: string;
  image: number;
  channels: number;
  classes: string[];
  train: Split;
  test: Split;
  /** Mean and std of the pixels in [0, 1], for normalisation. */
  mean: number;
  std: number;
  /** A horizontal flip keeps the class (clothes), or not (digits). */
  flipInvariant: boolean;
}

/** The run's data set, sliced as the config asks, with the pixel statistics used to normalise it. */
export function prepareTrainData(config: RunConfig, dataDir?: string): TrainData {
  const ds = loadDataset(config.dataset, { dir: dataDir, limitTrain: config.limitTrain, limitTest: config.limitTest });
  const { mean, std } = pixelStats(ds.train.images);
  return {
    name: ds.name,
    image: ds.image,
    channels: ds.channels,
    classes: ds.classes,
    train: ds.train,
    test: ds.test,
    mean,
    std,
    flipInvariant: ds.name !== 'mnist',
  };
}

/** Mean and std of the pixels in [0, 1]: the normalisation a model trained on these images expects. */
export function pixelStats(images: Uint8Array): { mean: number; std: number } {
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < images.length; i++) {
    const v = images[i];
    s += v;
    s2 += v * v;
  }
  const n = Math.max(1, images.length);
  const mean = s / n / 255;
  const variance = s2 / n / 255 ** 2 - mean * mean;
  return { mean, std: Math.sqrt(Math.max(variance, 1e-6)) };
}
