import * as tf from '@tensorflow/tfjs';
import type { RunConfig } from '../vit/config.js';
import { EVAL_CHUNK } from '../vit/memory.js';
import { VitModel } from '../vit/model.js';
import { flatLayout, type FlatLayout } from '../vit/params.js';
import { BatchBuilder } from './batch.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import type { Split, TrainData } from './data.js';
import { evaluateSplit } from './evaluate.js';
import type { EpochMetrics, EvalResult, ProgressInfo } from './messages.js';
import { AdamW } from './optimizer.js';
import { MAX_TRAIN_THREADS, trainThreads, type TrainThreads } from './parallel.js';
import { storeFlatWeights } from './parallel-math.js';
import { epochRng, permutation } from './rng.js';
import { learningRate, recipeOf } from './schedule.js';
import { LocalRunner, type StepRunner } from './step-runner.js';
import { ThreadedRunner } from './threaded-runner.js';

export type { Split, TrainData } from './data.js';

export interface TrainerEvents {
  onProgress?(p: ProgressInfo): void;
  onEpoch?(m: EpochMetrics): void;
  /** After every training batch (1-based `batch` of `batches`): its mean loss, correct count and size. */
  onBatch?(b: { epoch: number; batch: number; batches: number; loss: number; correct: number; size: number }): void;
  onCheckpoint?(epoch: number, dir: string): void;
  /** Asked between batches; a true answer stops the run after the current batch. */
  shouldStop?(): boolean;
}

export interface TrainOutcome {
  status: 'completed' | 'cancelled';
  epochsDone: number;
  result: EvalResult | null;
  history: EpochMetrics[];
}

/** Sample-weighted running totals of one epoch's training batches. */
interface EpochTotals {
  lossSum: number;
  correct: number;
  seen: number;
}

/**
 * The training loop of one run, over small parts: batches built in host buffers (batch.ts), a
 * step runner that computes them on one or N instances (step-runner.ts, threaded-runner.ts), one
 * loss (loss.ts), AdamW over the flat weights (optimizer.ts), one evaluation (evaluate.ts),
 * checkpoints (checkpoint.ts). Deterministic for a seed and a number of instances N: weights from
 * seeded initialisers, each epoch's shuffle and augmentation from (seed, epoch) streams, dropout
 * from (seed, step, part); every batch is cut into N parts summed in part order, the same numbers
 * whether a part runs on a helper thread or here.
 */
export class Trainer {
  readonly model: VitModel;
  readonly optimizer: AdamW;
  readonly layout: FlatLayout;
  /** Instances per batch (parts), fixed at construction: the results depend on it. */
  readonly instances: number;
  private readonly recipe;
  private step = 0;
  private startEpoch = 0;
  /** The master copy of the weights in parameter order; every instance loads from it. */
  private readonly flat: Float32Array;
  private readonly batches: BatchBuilder;
  /** Every part on this thread. */
  private readonly local: LocalRunner;
  /** The local runner, or the threaded one once startParallel started the helpers. */
  private runner: StepRunner;
  private started = false;
  /** Why helpers did not start (the run then computes every part on this thread). */
  helperError: string | null = null;

  constructor(
    readonly config: RunConfig,
    readonly data: TrainData,
    /** Instances per batch; default `trainThreads` (env VITLAB_TRAIN_THREADS, else every core on wasm). */
    threads?: TrainThreads,
  ) {
    if (data.image !== config.image || data.channels !== config.channels) {
      throw new Error(
        `image: the ${data.name} images are ${data.image}×${data.image}×${data.channels}, the config says ${config.image}×${config.image}×${config.channels}`,
      );
    }
    if (data.classes.length !== config.classes) {
      throw new Error(`classes: ${data.name} has ${data.classes.length} classes, the config says ${config.classes}`);
    }
    const n = threads ?? trainThreads(tf.getBackend());
    if (!Number.isInteger(n) || n < 1 || n > MAX_TRAIN_THREADS) throw new Error(`threads must be a whole number from 1 to ${MAX_TRAIN_THREADS}, got ${n}`);
    this.instances = n;
    this.recipe = recipeOf(config);
    this.model = new VitModel(config, config.seed);
    this.layout = flatLayout(config);
    this.flat = new Float32Array(this.layout.total);
    storeFlatWeights(this.model, this.flat);
    this.optimizer = new AdamW(this.layout, this.recipe.weightDecay);
    const maxBatch = Math.max(config.batch, EVAL_CHUNK);
    this.batches = new BatchBuilder(config, maxBatch, data, data.flipInvariant);
    const P = (config.image / config.patch) ** 2;
    this.local = new LocalRunner(this.model, this.flat, n, maxBatch, { P, F: config.patch * config.patch * config.channels, classes: config.classes });
    this.runner = this.local;
  }

  get stepsPerEpoch(): number {
    return Math.ceil(this.data.train.count / this.config.batch);
  }

  /** Continues from a checkpoint folder: weights, optimizer moments, step and epoch. */
  resume(dir: string): number {
    const { meta, weights, optimizer } = loadCheckpoint(dir);
    try {
      for (const { variable, value } of this.model.named(weights, dir)) variable.assign(value);
      if (!optimizer) throw new Error(`checkpoint: ${dir} has no optimizer state, so the run cannot be resumed from it`);
      this.optimizer.restore(meta.step, optimizer);
    } finally {
      tf.dispose(Object.values(weights));
      if (optimizer) tf.dispose(Object.values(optimizer));
    }
    storeFlatWeights(this.model, this.flat);
    this.runner.weightsChanged();
    this.step = meta.step;
    this.startEpoch = meta.epoch;
    return meta.epoch;
  }

  /** Whether helper threads are running (N > 1 and they started). */
  get parallel(): boolean {
    return this.runner !== this.local;
  }

  /**
   * Starts the N − 1 helper threads (run() calls it). Returns whether they run; without them (no
   * helper entry in a build, or a helper failed to start: see `helperError`) every part runs on
   * this thread, with the same results. Until it is called, parts run here too.
   */
  async startParallel(): Promise<boolean> {
    if (this.started) return this.parallel;
    this.started = true;
    if (this.instances === 1) return false;
    try {
      this.runner = await ThreadedRunner.start(this.local, this.flat, this.config, tf.getBackend(), Math.max(this.config.batch, EVAL_CHUNK));
    } catch (e) {
      this.helperError = e instanceof Error ? e.message : String(e);
    }
    return this.parallel;
  }

  /** The dropout seed of the current step (each part adds its own offset). */
  private stepSeed(): number {
    return this.config.seed * 1_000_003 + this.step * 31;
  }

  /**
   * A batch's summed gradient (into the returned flat view, parameter order), mean loss and number
   * of correct predictions, computed in N parts. `onHelpers` false computes every part here:
   * bit-identical (the equivalence test checks it). Public for the tests; the view is rewritten by
   * the next call.
   */
  gradients(x: Float32Array, labels: Uint8Array, onHelpers = true): { loss: number; correct: number; grads: Float32Array } {
    return (onHelpers ? this.runner : this.local).step({ x, labels, n: labels.length }, this.recipe.labelSmoothing, this.stepSeed());
  }

  /** One optimisation step on a batch's patches (host buffer); returns its mean loss and correct count. */
  trainStep(x: Float32Array, labels: Uint8Array, lr: number): { loss: number; correct: number } {
    const r = this.gradients(x, labels);
    this.optimizer.apply(this.flat, r.grads, lr);
    this.runner.weightsChanged();
    this.step++;
    return { loss: r.loss, correct: r.correct };
  }

  /** Test loss (mean cross-entropy, no smoothing), per-class counts and the confusion matrix. */
  evaluate(split: Split = this.data.test): EvalResult {
    return evaluateSplit(this.runner, this.batches, split, this.config.classes);
  }

  async run(checkpointRoot: string | null, events: TrainerEvents = {}): Promise<TrainOutcome> {
    await this.startParallel();
    const { epochs, lr } = this.config;
    const steps = this.stepsPerEpoch;
    const history: EpochMetrics[] = [];
    let result: EvalResult | null = null;
    const progress = this.progressReporter(events);

    for (let epoch = this.startEpoch + 1; epoch <= epochs; epoch++) {
      const t0 = performance.now();
      const totals = await this.trainEpoch(epoch, events, progress);
      if (!totals) return { status: 'cancelled', epochsDone: epoch - 1, result, history };
      const trainSeconds = (performance.now() - t0) / 1000;
      result = this.evaluate();
      const metrics: EpochMetrics = {
        epoch,
        trainLoss: totals.lossSum / totals.seen,
        trainAcc: totals.correct / totals.seen,
        testLoss: result.testLoss,
        testAcc: result.correct / result.total,
        seconds: (performance.now() - t0) / 1000,
        samplesPerSec: totals.seen / trainSeconds,
        lr: learningRate(lr, this.recipe, Math.max(0, this.step - 1), steps, epochs),
      };
      history.push(metrics);
      events.onEpoch?.(metrics);
      if (checkpointRoot) {
        // Not inside `onCheckpoint?.(…)`: optional call skips its arguments when there is no listener.
        const dir = await this.checkpoint(checkpointRoot, epoch);
        events.onCheckpoint?.(epoch, dir);
      }
    }
    // A run resumed after its last epoch still gets a final evaluation.
    result ??= this.evaluate();
    return { status: 'completed', epochsDone: epochs, result, history };
  }

  /** One epoch's training batches; null when `shouldStop` said stop before one of them. */
  private async trainEpoch(epoch: number, events: TrainerEvents, progress: (epoch: number, batch: number, totals: EpochTotals, t0: number) => void): Promise<EpochTotals | null> {
    const { epochs, batch, seed, lr } = this.config;
    const train = this.data.train;
    const steps = this.stepsPerEpoch;
    const t0 = performance.now();
    const order = permutation(train.count, epochRng(seed, epoch, 0));
    const augRand = this.recipe.augment ? epochRng(seed, epoch, 1) : null;
    const totals: EpochTotals = { lossSum: 0, correct: 0, seen: 0 };
    for (let b = 0; b < steps; b++) {
      if (events.shouldStop?.()) return null;
      const { x, labels, n } = this.batches.gather(train, order.subarray(b * batch, Math.min(train.count, (b + 1) * batch)), augRand);
      const r = this.trainStep(x, labels, learningRate(lr, this.recipe, this.step, steps, epochs));
      if (!Number.isFinite(r.loss)) throw new Error(`training diverged: loss is ${r.loss} at epoch ${epoch}, batch ${b + 1}; try a lower lr`);
      totals.lossSum += r.loss * n;
      totals.correct += r.correct;
      totals.seen += n;
      events.onBatch?.({ epoch, batch: b + 1, batches: steps, loss: r.loss, correct: r.correct, size: n });
      progress(epoch, b + 1, totals, t0);
      // Let the event loop deliver a pending `cancel` before the next batch.
      await new Promise((r) => setImmediate(r));
    }
    return totals;
  }

  /** Progress at most every 200 ms and at the end of each epoch, with the run's ETA. */
  private progressReporter(events: TrainerEvents): (epoch: number, batch: number, totals: EpochTotals, t0: number) => void {
    const runStart = performance.now();
    const { epochs } = this.config;
    const steps = this.stepsPerEpoch;
    let batchesDone = 0;
    let last = 0;
    return (epoch, batch, totals, t0) => {
      batchesDone++;
      const now = performance.now();
      if (!events.onProgress || (now - last <= 200 && batch !== steps)) return;
      last = now;
      const perBatch = (now - runStart) / 1000 / batchesDone;
      const remaining = (epochs - epoch) * steps + (steps - batch);
      events.onProgress({
        epoch,
        epochs,
        batch,
        batches: steps,
        loss: totals.lossSum / totals.seen,
        acc: totals.correct / totals.seen,
        samplesPerSec: (totals.seen / (now - t0)) * 1000,
        etaSeconds: remaining * perBatch,
      });
    };
  }

  /** Saves weights and optimizer moments after `epoch`; returns the checkpoint folder. */
  private async checkpoint(root: string, epoch: number): Promise<string> {
    const moments = this.optimizer.state();
    try {
      const dir = await saveCheckpoint(
        root,
        { epoch, step: this.step, config: this.config },
        this.model.params.map((v) => ({ name: v.name, tensor: v.variable })),
        moments,
      );
      // Older checkpoints keep their optimizer state: only the writer that stored this one may
      // prune them (run-writes.ts), or a crash before it is stored leaves nothing to resume from.
      return dir;
    } finally {
      tf.dispose(moments.map((m) => m.tensor));
    }
  }

  dispose(): void {
    this.runner.close();
    this.runner = this.local;
    this.model.dispose();
  }
}
