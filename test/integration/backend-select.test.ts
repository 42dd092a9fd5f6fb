import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../../src-main/train/backend.js';
import { startWorker } from '../../src-main/train/launch.js';
import type { FromWorker } from '../../src-main/train/messages.js';
import { resolveConfig } from '../../src-main/vit/config.js';

/**
 * Backend choice on this machine, where @tensorflow/tfjs-node cannot be installed (its installer's
 * download answers 403): auto skips it with the reason and lands on wasm; forcing it is an error
 * that names it, never a silent fallback. Where tfjs-node does load, auto must take it instead.
 */
const tfjsNodeLoads = (() => {
  try {
    createRequire(import.meta.url)('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
})();

describe('backend selection order', () => {
  it('auto tries tensorflow first, records why it was skipped, and takes wasm', async () => {
    const r = await selectBackend('auto');
    if (tfjsNodeLoads) {
      expect(r).toEqual({ backend: 'tensorflow', skipped: [] });
      return;
    }
    expect(r.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(r.skipped).toHaveLength(1);
    expect(r.skipped[0]).toMatch(/^tensorflow: @tensorflow\/tfjs-node is not installed or its binding failed to load \(/);
  });

  it('a forced backend is used as asked, even when a faster one loads', async () => {
    expect(await selectBackend('cpu')).toEqual({ backend: 'cpu', skipped: [] });
    expect(tf.getBackend()).toBe('cpu');
    expect(await selectBackend('wasm')).toEqual({ backend: 'wasm', skipped: [] });
    expect(tf.getBackend()).toBe('wasm');
  });

  it.runIf(!tfjsNodeLoads)('forcing a backend that cannot load is an error naming it, and leaves the current backend alone', async () => {
    await selectBackend('wasm');
    await expect(selectBackend('tensorflow')).rejects.toThrow(/^backend: cannot use "tensorflow": tensorflow: @tensorflow\/tfjs-node is not installed/);
    expect(tf.getBackend()).toBe('wasm');
  });

  it.runIf(!tfjsNodeLoads)('a run forced onto tensorflow fails in its worker with that message, before training', async () => {
    const config = resolveConfig({ epochs: 1, limitTrain: 100, limitTest: 100, backend: 'tensorflow' }, 'tiny');
    const messages: FromWorker[] = [];
    const h = startWorker({ type: 'start', runId: 'forced', config, checkpointDir: '/nonexistent/never-written' }, (m) => messages.push(m));
    const outcome = await h.done;
    expect(outcome.status).toBe('failed');
    expect(messages.map((m) => m.type)).toEqual(['failed']);
    expect(outcome.error).toMatch(/backend: cannot use "tensorflow"/);
  });
});
