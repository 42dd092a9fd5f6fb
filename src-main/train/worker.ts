import { describeEnvironment, selectBackend } from './backend.js';
import { prepareTrainData } from './data.js';
import type { FromWorker, ToWorker } from './messages.js';
import { StepSampler } from './steps.js';
import { Trainer } from './trainer.js';

/**
 * One training run in its own process (forked by launch.ts). It owns TensorFlow.js and reports
 * through typed messages; it never touches the database. It exits when its parent goes away, so
 * a crashed app leaves no orphan burning both cores.
 */

let cancelled = false;
let currentRun: string | null = null;

function send(m: FromWorker): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(m, undefined, {}, () => resolve());
  });
}

async function run(start: Extract<ToWorker, { type: 'start' }>): Promise<number> {
  const { runId, config } = start;
  let trainer: Trainer | null = null;
  try {
    const { backend } = await selectBackend(config.backend);
    const data = prepareTrainData(config, start.dataDir);
    trainer = new Trainer(config, data);
    const startEpoch = start.resumeFrom ? trainer.resume(start.resumeFrom) : 0;
    await send({ type: 'started', runId, env: describeEnvironment(backend), startEpoch, trainSize: data.train.count, testSize: data.test.count });
    const sampler = new StepSampler(start.stepPoints);
    const outcome = await trainer.run(start.checkpointDir, {
      onProgress: (progress) => void send({ type: 'progress', runId, progress }),
      onBatch: (b) => {
        const point = sampler.add(b);
        if (point) void send({ type: 'step', runId, point });
      },
      onEpoch: (metrics) => void send({ type: 'epoch', runId, metrics }),
      onCheckpoint: (epoch, path) => void send({ type: 'checkpoint', runId, epoch, path }),
      shouldStop: () => cancelled,
    });
    if (outcome.status === 'cancelled') {
      await send({ type: 'cancelled', runId, epoch: outcome.epochsDone });
      return 0;
    }
    await send({ type: 'evaluated', runId, result: outcome.result! });
    return 0;
  } catch (e) {
    await send({ type: 'failed', runId, error: e instanceof Error ? e.message : String(e) });
    return 1;
  } finally {
    trainer?.dispose();
  }
}

process.on('disconnect', () => process.exit(2));
// Ctrl-C in a terminal reaches the whole process group: the parent decides (cancel, then kill).
process.on('SIGINT', () => {});
process.on('uncaughtException', (e) => {
  void send({ type: 'failed', runId: currentRun ?? '?', error: `worker crashed: ${e.message}` }).then(() => process.exit(1));
});
process.on('message', (m: ToWorker) => {
  if (m.type === 'cancel') {
    cancelled = true;
  } else if (m.type === 'start') {
    currentRun = m.runId;
    void run(m).then((code) => process.exit(code));
  }
});
