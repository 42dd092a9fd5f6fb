import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startWorker, type WorkerOutcome } from '../../src-main/train/launch.js';
import type { FromWorker } from '../../src-main/train/messages.js';
import { resolveConfig, type RunConfig } from '../../src-main/vit/config.js';

const FMNIST = '/usr/share/datasets/fashion-mnist';
if (!fs.existsSync(FMNIST)) {
  throw new Error(`${FMNIST} is missing: install Debian's dataset-fashion-mnist (apt-get install -y dataset-fashion-mnist)`);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-worker-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function train(config: RunConfig, opts: { onMessage?: (m: FromWorker, h: ReturnType<typeof startWorker>) => void; resumeFrom?: string } = {}) {
  const messages: FromWorker[] = [];
  const dir = fs.mkdtempSync(path.join(tmp, 'run-'));
  const handle: ReturnType<typeof startWorker> = startWorker(
    { type: 'start', runId: 'test', config, checkpointDir: dir, resumeFrom: opts.resumeFrom },
    (m) => {
      messages.push(m);
      opts.onMessage?.(m, handle);
    },
  );
  const outcome: WorkerOutcome = await handle.done;
  return { outcome, messages, dir };
}

// A small config on a real slice of Fashion-MNIST: seconds per epoch on wasm.
const tiny = resolveConfig({ epochs: 3, limitTrain: 3000, limitTest: 1000, lr: 3e-3 }, 'tiny');

describe('training in a real worker process', () => {
  it('loss falls, accuracy is well above chance, per-class counts add up', async () => {
    const { outcome, messages } = await train(tiny);
    expect(outcome).toMatchObject({ status: 'completed' });
    const types = messages.map((m) => m.type);
    expect(types[0]).toBe('started');
    expect(types).toContain('progress');
    expect(types.filter((t) => t === 'epoch')).toHaveLength(3);
    expect(types.filter((t) => t === 'checkpoint')).toHaveLength(3);
    expect(types.at(-1)).toBe('evaluated');

    const epochs = messages.flatMap((m) => (m.type === 'epoch' ? [m.metrics] : []));
    expect(epochs[2].trainLoss).toBeLessThan(epochs[0].trainLoss);
    expect(epochs[2].testLoss).toBeLessThan(epochs[0].testLoss);
    for (const e of epochs) expect(e.samplesPerSec).toBeGreaterThan(0);

    const result = messages.flatMap((m) => (m.type === 'evaluated' ? [m.result] : []))[0];
    expect(result.total).toBe(1000);
    expect(result.correct / result.total).toBeGreaterThan(0.5); // chance is 0.1
    expect(result.perClass.reduce((s, c) => s + c.total, 0)).toBe(1000);
    expect(result.perClass.reduce((s, c) => s + c.correct, 0)).toBe(result.correct);
    expect(result.confusion.flat().reduce((a, b) => a + b, 0)).toBe(1000);
    const started = messages[0] as Extract<FromWorker, { type: 'started' }>;
    expect(['tensorflow', 'wasm', 'cpu']).toContain(started.env.backend);
    expect(started.env.versions.tfjs).toBeTruthy();
  });

  it('cancel stops the run within a batch and reports it', async () => {
    let progressAfterCancel = 0;
    let cancelledAt = 0;
    const { outcome, messages } = await train(
      { ...tiny, epochs: 50 },
      {
        onMessage: (m, h) => {
          if (m.type === 'progress') {
            if (cancelledAt) progressAfterCancel++;
            else if (m.progress.batch >= 3) {
              cancelledAt = m.progress.batch;
              h.cancel();
            }
          }
        },
      },
    );
    expect(outcome.status).toBe('cancelled');
    expect(messages.at(-1)).toMatchObject({ type: 'cancelled', epoch: 0 });
    // Progress is throttled, so at most the batch in flight reports after the cancel.
    expect(progressAfterCancel).toBeLessThanOrEqual(1);
  });

  it('a worker killed with SIGKILL is reported as failed, not a hang', async () => {
    const { outcome } = await train(
      { ...tiny, epochs: 50 },
      { onMessage: (m, h) => m.type === 'progress' && h.kill() },
    );
    expect(outcome.status).toBe('failed');
    expect(outcome.signal).toBe('SIGKILL');
    expect(outcome.error).toMatch(/killed by SIGKILL/);
  });

  it('a bad data folder fails with a message naming it', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'empty-'));
    const messages: FromWorker[] = [];
    const h = startWorker({ type: 'start', runId: 't', config: tiny, checkpointDir: path.join(dir, 'ck'), dataDir: dir }, (m) => messages.push(m));
    const outcome = await h.done;
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toContain(dir);
  });

  it('resume continues from the checkpoint epoch and matches an uninterrupted run bit for bit', async () => {
    // The improved recipe (warmup + cosine, augmentation) with dropout: the lr schedule and the
    // dropout masks both depend on the global step, so a resume that restarted the step counter
    // would train epoch 2 differently. Runs are bit-deterministic, so compare exactly.
    const two = { ...tiny, epochs: 2, limitTrain: 1000, limitTest: 500, recipe: 'improved' as const, dropout: 0.1 };
    const full = await train(two);
    // The same 2-epoch run, cancelled once its first checkpoint is written (a 1-epoch run would
    // not do: the schedule's warmup and cosine depend on the total epochs).
    const first = await train(two, { onMessage: (m, h) => m.type === 'checkpoint' && h.cancel() });
    expect(first.outcome.status).toBe('cancelled');
    const ckpt = first.messages.flatMap((m) => (m.type === 'checkpoint' ? [m.path] : []))[0];
    const resumed = await train(two, { resumeFrom: ckpt });
    expect(resumed.outcome.status).toBe('completed');
    expect(resumed.messages[0]).toMatchObject({ type: 'started', startEpoch: 1 });
    const epochsOf = (ms: FromWorker[]) => ms.flatMap((m) => (m.type === 'epoch' ? [m.metrics] : []));
    const resultOf = (ms: FromWorker[]) => ms.flatMap((m) => (m.type === 'evaluated' ? [m.result] : []))[0];
    expect(epochsOf(resumed.messages).map((e) => e.epoch)).toEqual([2]);
    // Same seed, same shuffles, same step, same optimizer state: the resumed epoch 2 is the uninterrupted one.
    const { seconds: _s1, samplesPerSec: _p1, ...again } = epochsOf(resumed.messages)[0];
    const { seconds: _s2, samplesPerSec: _p2, ...expected } = epochsOf(full.messages)[1];
    expect(again).toEqual(expected);
    expect(resultOf(resumed.messages)).toEqual(resultOf(full.messages));
  });
});
