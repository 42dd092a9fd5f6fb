import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src-main/train/backend.js';
import { prepareTrainData } from '../../src-main/train/data.js';
import { Trainer } from '../../src-main/train/trainer.js';
import { resolveConfig } from '../../src-main/vit/config.js';

beforeAll(async () => {
  await selectBackend('wasm');
});

// 1200 samples, batch 100: 12 steps an epoch, so "every batch" and "every 8th batch" differ.
const config = resolveConfig({ epochs: 2, limitTrain: 1200, limitTest: 100 }, 'tiny');

describe('the training loop stops where it is told', () => {
  it('asks shouldStop before every batch: a stop after 3 batches trains exactly 3 steps', async () => {
    const trainer = new Trainer(config, prepareTrainData(config), 1);
    try {
      let asked = 0;
      const out = await trainer.run(null, { shouldStop: () => ++asked > 3 });
      expect(out.status).toBe('cancelled');
      expect(out.epochsDone).toBe(0);
      expect(asked).toBe(4);
      // The optimizer counts the updates it applied: the batches that trained.
      expect(trainer.optimizer.step).toBe(3);
    } finally {
      trainer.dispose();
    }
  });

  it('a stop asked in the second epoch keeps the first epoch as done', async () => {
    const trainer = new Trainer(config, prepareTrainData(config), 1);
    try {
      let asked = 0;
      const epochs: number[] = [];
      const out = await trainer.run(null, { shouldStop: () => ++asked > 12 + 5, onEpoch: (m) => epochs.push(m.epoch) });
      expect(out).toMatchObject({ status: 'cancelled', epochsDone: 1 });
      expect(epochs).toEqual([1]);
      expect(trainer.optimizer.step).toBe(12 + 5);
    } finally {
      trainer.dispose();
    }
  });

  it('a loss that is not finite stops the run with "training diverged", naming the epoch and batch', async () => {
    // Pixels normalised by a standard deviation of zero are infinite: the first loss is NaN.
    const data = { ...prepareTrainData(config), std: 0 };
    const trainer = new Trainer(config, data, 1);
    try {
      await expect(trainer.run(null)).rejects.toThrow(/training diverged: loss is NaN at epoch 1, batch 1; try a lower lr/);
    } finally {
      trainer.dispose();
    }
  });
});
