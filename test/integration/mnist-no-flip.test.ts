import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASETS } from '../../src-shared/fields.js';
import { selectBackend } from '../../src-main/train/backend.js';
import { prepareTrainData } from '../../src-main/train/data.js';
import { Trainer } from '../../src-main/train/trainer.js';
import { resolveConfig } from '../../src-main/vit/config.js';

/**
 * Digits must not be mirrored (a flipped 2 is no 2), clothes may be. No MNIST files are installed,
 * so the test writes a tiny data set in IDX format by hand (not with the app's encoder) into
 * `<tmp>/mnist/` and `<tmp>/fashion-mnist/` — where `--data <tmp>` makes the app look for each
 * data set by its registry name — and trains the improved recipe (augmentation on) on each,
 * recording every batch the trainer's step is given.
 *
 * Every training image is the same asymmetric mark: a bar in columns 2–4. The augmentation shifts
 * by at most 2 pixels, so unflipped it stays in columns 0–6; flipped it lands in columns 21–27.
 * A sample with anything lit in the right half (columns ≥ 14) was therefore flipped.
 */
const SIDE = 28;
const TRAIN = 32;
const TEST = 10;

/** An IDX file of unsigned bytes: magic 0x00 0x00 0x08 <ndims>, each dim a big-endian uint32, the data. */
function idx(dims: number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, data]);
}

function barImages(count: number): Uint8Array {
  const px = new Uint8Array(count * SIDE * SIDE);
  for (let n = 0; n < count; n++) for (let y = 4; y < 24; y++) for (let x = 2; x <= 4; x++) px[n * SIDE * SIDE + y * SIDE + x] = 255;
  return px;
}

function writeDataset(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const labels = (count: number) => Uint8Array.from({ length: count }, (_, i) => i % 10);
  fs.writeFileSync(path.join(dir, 'train-images-idx3-ubyte'), idx([TRAIN, SIDE, SIDE], barImages(TRAIN)));
  fs.writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), idx([TRAIN], labels(TRAIN)));
  fs.writeFileSync(path.join(dir, 't10k-images-idx3-ubyte'), idx([TEST, SIDE, SIDE], barImages(TEST)));
  fs.writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte'), idx([TEST], labels(TEST)));
}

let tmp: string;

beforeAll(async () => {
  await selectBackend('wasm');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-noflip-'));
  for (const name of DATASETS) writeDataset(path.join(tmp, name));
});

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Trains 2 epochs of the improved recipe on the fixture; returns, per sample seen, whether it was flipped. */
async function flipsSeen(dataset: (typeof DATASETS)[number]): Promise<{ flipped: boolean[]; status: string; dir: string }> {
  const config = resolveConfig({ dataset, recipe: 'improved', epochs: 2, batch: 8, limitTrain: 0, limitTest: 0 }, 'tiny');
  const data = prepareTrainData(config, tmp);
  const trainer = new Trainer(config, data, 1);
  const { patch } = config;
  const g = SIDE / patch;
  const per = SIDE * SIDE;
  // A dark pixel after normalisation; anything clearly above it is lit.
  const dark = -data.mean / data.std;
  const flipped: boolean[] = [];
  const step = trainer.trainStep.bind(trainer);
  trainer.trainStep = (x, labels, lr) => {
    for (let s = 0; s < labels.length; s++) {
      let right = false;
      // patchify's layout: patch (gy, gx), then row py, then column px within the patch.
      for (let gy = 0; gy < g; gy++)
        for (let gx = 0; gx < g; gx++)
          for (let py = 0; py < patch; py++)
            for (let px = 0; px < patch; px++) {
              const v = x[s * per + ((gy * g + gx) * patch + py) * patch + px];
              if (gx * patch + px >= SIDE / 2 && v > dark + 0.5) right = true;
            }
      flipped.push(right);
    }
    return step(x, labels, lr);
  };
  try {
    const out = await trainer.run(null);
    return { flipped, status: out.status, dir: data.name };
  } finally {
    trainer.dispose();
  }
}

describe('horizontal flips follow the data set', () => {
  it('MNIST trains on unflipped digits only; Fashion-MNIST, same images and seed, gets flips', async () => {
    const mnist = await flipsSeen('mnist');
    expect(mnist.dir).toBe('mnist');
    expect(mnist.status).toBe('completed');
    expect(mnist.flipped).toHaveLength(2 * TRAIN);
    expect(mnist.flipped.filter(Boolean)).toHaveLength(0);

    // The control: the check above can see a flip. A fair coin per sample over 64 samples: all
    // heads or all tails has probability 2^-63; the seed is fixed, so this is not flaky either way.
    const fashion = await flipsSeen('fashion-mnist');
    expect(fashion.dir).toBe('fashion-mnist');
    expect(fashion.status).toBe('completed');
    expect(fashion.flipped).toHaveLength(2 * TRAIN);
    const n = fashion.flipped.filter(Boolean).length;
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(2 * TRAIN);
  });
});
