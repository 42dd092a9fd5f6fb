import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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

  it('is deterministic for a seed and N instances, and N = 2…4 stay within float tolerance of N = 1', async () => {
    const config = resolveConfig({ epochs: 1, limitTrain: 300, limitTest: 100, recipe: 'improved' }, 'tiny');
    const data = prepareTrainData(config);
    const byN = new Map<number, number>();
    for (const N of [1, 2, 3, 4]) {
      const losses: number[] = [];
      for (let i = 0; i < 2; i++) {
        const t = new Trainer(config, data, N);
        try {
          const out = await t.run(null);
          expect(t.parallel).toBe(N > 1);
          losses.push(out.history[0].trainLoss, out.history[0].testLoss);
        } finally {
          t.dispose();
        }
      }
      expect(losses.slice(0, 2), `N = ${N}`).toEqual(losses.slice(2));
      byN.set(N, losses[0]);
    }
    for (const N of [2, 3, 4]) expect(Math.abs(byN.get(N)! - byN.get(1)!) / byN.get(1)!, `N = ${N}`).toBeLessThan(1e-3);
  });

  it('writes a checkpoint every epoch with or without an onCheckpoint listener', async () => {
    const config = resolveConfig({ epochs: 2, limitTrain: 100, limitTest: 50 }, 'tiny');
    const data = prepareTrainData(config);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-ckpt-'));
    try {
      for (const [sub, events] of [['quiet', {}], ['told', { onCheckpoint: () => {} }]] as const) {
        const t = new Trainer(config, data, 1);
        try {
          await t.run(path.join(root, sub), events);
        } finally {
          t.dispose();
        }
        expect(fs.readdirSync(path.join(root, sub)).sort(), sub).toEqual(['epoch-0001', 'epoch-0002']);
      }
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
