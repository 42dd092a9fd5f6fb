import * as tf from '@tensorflow/tfjs';
import { parentPort, workerData } from 'node:worker_threads';
import type { RunConfig } from '../vit/config.js';
import { VitModel } from '../vit/model.js';
import { selectBackend } from './backend.js';
import { CMD_EVAL, CMD_EXIT, CMD_STEP, CTRL, SharedViews, type SharedLayout } from './parallel.js';
import { loadFlatWeights, partEvaluate, partGradients } from './parallel-math.js';

/**
 * A helper instance of data-parallel training (see parallel.ts): its own thread and tfjs, the same
 * model, no optimizer. It blocks on the shared control words, runs one command at a time, answers
 * through the same buffer.
 */

const { config, backend, sab, layout } = workerData as { config: RunConfig; backend: string; sab: SharedArrayBuffer; layout: SharedLayout };

async function main(): Promise<void> {
  const views = new SharedViews(sab, layout);
  let model: VitModel;
  try {
    await selectBackend(backend as 'wasm');
    model = new VitModel(config, config.seed);
    if (model.trainableCount() !== layout.params) throw new Error('the helper model has a different parameter count');
  } catch (e) {
    parentPort!.postMessage({ type: 'failed', error: e instanceof Error ? e.message : String(e) });
    return;
  }
  parentPort!.postMessage({ type: 'ready' });
  const c = views.ctrl;
  const { perSample, classes } = layout;
  const P = (config.image / config.patch) ** 2;
  const F = perSample / P;
  let seen = 0;
  let loadedVersion = 0;
  for (;;) {
    Atomics.wait(c, CTRL.SEQ, seen);
    seen = Atomics.load(c, CTRL.SEQ);
    const cmd = Atomics.load(c, CTRL.CMD);
    if (cmd === CMD_EXIT) break;
    try {
      const version = Atomics.load(c, CTRL.WVERSION);
      if (version !== loadedVersion) {
        loadFlatWeights(model, views.weights);
        loadedVersion = version;
      }
      const n = Atomics.load(c, CTRL.COUNT);
      const x = tf.tensor3d(views.x.slice(0, n * perSample), [n, P, F]);
      const y = tf.tensor2d(views.y.slice(0, n * classes), [n, classes]);
      try {
        const pred = views.pred.subarray(0, n);
        if (cmd === CMD_STEP) {
          views.params[2] = partGradients(model, x, y, views.params[0], views.params[1], views.grads, pred);
        } else if (cmd === CMD_EVAL) {
          views.params[2] = partEvaluate(model, x, y, pred);
        } else {
          throw new Error(`unknown command ${cmd}`);
        }
      } finally {
        tf.dispose([x, y]);
      }
    } catch (e) {
      const msg = new TextEncoder().encode(`helper thread: ${e instanceof Error ? e.message : String(e)}`.slice(0, 1000));
      views.err.fill(0);
      views.err.set(msg.subarray(0, views.err.length - 1));
      Atomics.store(c, CTRL.ERROR, 1);
    }
    Atomics.store(c, CTRL.DONE, seen);
    Atomics.notify(c, CTRL.DONE);
  }
  model.dispose();
}

void main();
