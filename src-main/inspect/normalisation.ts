import fs from 'node:fs';
import path from 'node:path';
import { loadDataset } from '../data/datasets.js';
import { pixelStats } from '../train/data.js';
import type { RunConfig } from '../vit/config.js';

/**
 * What a run's inputs were normalised with: (pixel / 255 − mean) / std, mean and std over its
 * training slice (train/data.ts). Recomputed from the data set where it is here (the same slice
 * gives the same figures), or read from `normalisation.json` beside an imported checkpoint, whose
 * training data may be on another machine.
 */
export interface Normalisation {
  mean: number;
  std: number;
  classes: string[];
}

export const NORMALISATION_FILE = 'normalisation.json';

export function runNormalisation(checkpointDir: string, config: RunConfig, dataDir?: string): Normalisation {
  const file = path.join(checkpointDir, NORMALISATION_FILE);
  if (fs.existsSync(file)) {
    const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Normalisation>;
    if (typeof doc.mean !== 'number' || typeof doc.std !== 'number' || !Array.isArray(doc.classes)) throw new Error(`${file}: not a normalisation record`);
    return { mean: doc.mean, std: doc.std, classes: doc.classes.map(String) };
  }
  const ds = loadDataset(config.dataset, { dir: dataDir, limitTrain: config.limitTrain, limitTest: 1 });
  const n = { ...pixelStats(ds.train.images), classes: ds.classes };
  // Kept beside the checkpoint: the next export or inspection need not read the training set again.
  try {
    writeNormalisation(checkpointDir, n);
  } catch {
    // A read-only checkpoint folder only costs the recomputation next time.
  }
  return n;
}

/** Written to a temp file and renamed, so a concurrent reader never sees half of it. */
export function writeNormalisation(checkpointDir: string, n: Normalisation): void {
  const file = path.join(checkpointDir, NORMALISATION_FILE);
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(n, null, 1));
  fs.renameSync(tmp, file);
}

/** The affine map train/trainer.ts applies to raw bytes: byte · scale + shift. */
export function affineOf(n: Pick<Normalisation, 'mean' | 'std'>): { scale: number; shift: number } {
  return { scale: 1 / (255 * n.std), shift: -n.mean / n.std };
}
