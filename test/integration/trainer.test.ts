import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src-main/train/backend.js';
import { prepareTrainData } from '../../src-main/train/data.js';
import { Trainer } from '../../src-main/train/trainer.js';
import { resolveConfig } from '../../src-main/vit/config.js';

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('trainer in process', () => {
  it('keeps the tensor count flat across epochs (no leaks)', async () => {
    const config = resolveConfig({ epochs: 4, limitTrain: 400, limitTest: 200, recipe: 'improved', dropout: 0.1 }, 'tiny');
    const trainer = new Trainer(config, prepareTrainData(config));
    const counts: number[] = [];
    await trainer.run(null, { onEpoch: () => counts.push(tf.memory().numTensors) });
    expect(counts).toHaveLength(4);
    expect(new Set(counts).size).toBe(1);
    trainer.dispose();
  });

  it('is deterministic for a seed', async () => {
    const config = resolveConfig({ epochs: 1, limitTrain: 300, limitTest: 100, recipe: 'improved' }, 'tiny');
    const losses: number[] = [];
    for (let i = 0; i < 2; i++) {
      const t = new Trainer(config, prepareTrainData(config));
      const out = await t.run(null);
      losses.push(out.history[0].trainLoss);
      t.dispose();
    }
    expect(losses[0]).toBe(losses[1]);
  });
});
