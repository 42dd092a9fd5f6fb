import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointDirFor, latestResumableCheckpoint, pruneOptimizerState, saveCheckpoint } from '../../src-main/train/checkpoint.js';
import { SEED_CONFIG } from '../../src-main/vit/config.js';

/**
 * Which checkpoint a resume starts from: the newest one whose weights and optimizer state are
 * both on disk. Real folders written by saveCheckpoint, with tiny tensors.
 */
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-ckpt-select-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
beforeAll(async () => {
  await tf.setBackend('cpu');
});

let n = 0;
const freshRoot = () => path.join(tmp, `run-${++n}`);

async function save(root: string, epoch: number, withOptimizer = true): Promise<string> {
  const w = tf.tensor1d([epoch, 1, 2]);
  const m = tf.tensor1d([0.5, 0.25, 0.125]);
  try {
    return await saveCheckpoint(root, { epoch, step: epoch * 10, config: SEED_CONFIG }, [{ name: 'w', tensor: w }], withOptimizer ? [{ name: 'w/m', tensor: m }] : null);
  } finally {
    tf.dispose([w, m]);
  }
}

describe('latestResumableCheckpoint', () => {
  it('is null for a missing or empty run folder', () => {
    const root = freshRoot();
    expect(latestResumableCheckpoint(root)).toBeNull();
    fs.mkdirSync(root, { recursive: true });
    expect(latestResumableCheckpoint(root)).toBeNull();
  });

  it('picks the newest of several complete checkpoints, not the oldest or the first listed', async () => {
    const root = freshRoot();
    // Written out of order, so neither creation order nor listing order gives the answer.
    for (const e of [2, 3, 1]) await save(root, e);
    expect(latestResumableCheckpoint(root)).toEqual({ dir: path.join(root, 'epoch-0003'), epoch: 3 });
  });

  it('orders epochs as numbers: epoch 10000 is newer than epoch 9999', async () => {
    const root = freshRoot();
    await save(root, 9999);
    await save(root, 10000);
    expect(latestResumableCheckpoint(root)).toEqual({ dir: path.join(root, 'epoch-10000'), epoch: 10000 });
  });

  it('skips a newest checkpoint without optimizer state or without model.json', async () => {
    const root = freshRoot();
    await save(root, 1);
    await save(root, 2);
    await save(root, 3, false); // weights only: cannot resume exactly
    expect(latestResumableCheckpoint(root)?.epoch).toBe(2);
    await save(root, 4);
    fs.rmSync(path.join(checkpointDirFor(root, 4), 'model.json'));
    expect(latestResumableCheckpoint(root)?.epoch).toBe(2);
  });

  it('ignores half-written .tmp-* folders and names that are not epoch-N', async () => {
    const root = freshRoot();
    await save(root, 1);
    // A crash mid-write leaves epoch-NNNN.tmp-PID, complete or not; it is never a checkpoint.
    const done = await save(root, 5);
    fs.renameSync(done, `${checkpointDirFor(root, 5)}.tmp-4242`);
    for (const name of ['epoch-0007-old', 'xepoch-0008', 'epoch-']) fs.cpSync(checkpointDirFor(root, 1), path.join(root, name), { recursive: true });
    fs.writeFileSync(path.join(root, 'epoch-0009'), 'a file, not a folder');
    expect(latestResumableCheckpoint(root)).toEqual({ dir: path.join(root, 'epoch-0001'), epoch: 1 });
  });

  it('after pruning, only the newest keeps its optimizer state, so it is the one chosen', async () => {
    const root = freshRoot();
    for (const e of [1, 2, 3]) await save(root, e);
    pruneOptimizerState(root, 3);
    expect(fs.existsSync(path.join(checkpointDirFor(root, 2), 'optimizer.bin'))).toBe(false);
    expect(latestResumableCheckpoint(root)?.epoch).toBe(3);
    // Losing the newest folder entirely leaves nothing resumable: older ones have weights only.
    fs.rmSync(checkpointDirFor(root, 3), { recursive: true });
    expect(latestResumableCheckpoint(root)).toBeNull();
  });
});
