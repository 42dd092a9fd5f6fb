import * as tf from '@tensorflow/tfjs';
import type { RunConfig } from '../vit/config.js';
import { VitModel, patchify } from '../vit/model.js';
import { augmentInto } from './augment.js';
import { loadCheckpoint, pruneOptimizerState, saveCheckpoint } from './checkpoint.js';
import type { EpochMetrics, EvalResult, ProgressInfo } from './messages.js';
import { AdamW } from './optimizer.js';
import { epochRng, permutation } from './rng.js';
import { learningRate, recipeOf } from './schedule.js';

export interface Split {
  images: Uint8Array; // count × side × side × channels, row-major HWC
  labels: Uint8Array;
  count: number;
}

export interface TrainData {
  name: string;
  image: number;
  channels: number;
  classes: string[];
  train: Split;
  test: Split;
  /** Mean and std of the pixels in [0, 1], for normalisation. */
  mean: number;
  std: number;
  /** A horizontal flip keeps the class (clothes), or not (digits). */
  flipInvariant: boolean;
}

export interface TrainerEvents {
  onProgress?(p: ProgressInfo): void;
  onEpoch?(m: EpochMetrics): void;
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

const EVAL_BATCH = 1000;

/**
 * The training loop of one run. Deterministic for a seed: weights from seeded initialisers, each
 * epoch's shuffle and augmentation from (seed, epoch) streams, dropout from (seed, step).
 */
export class Trainer {
  readonly model: VitModel;
  readonly optimizer: AdamW;
  private readonly recipe;
  private step = 0;
  private startEpoch = 0;
  private readonly patchBuf: Float32Array;
  private readonly scale: number;
  private readonly shift: number;

  constructor(
    readonly config: RunConfig,
    readonly data: TrainData,
  ) {
    if (data.image !== config.image || data.channels !== config.channels) {
      throw new Error(
        `image: the ${data.name} images are ${data.image}×${data.image}×${data.channels}, the config says ${config.image}×${config.image}×${config.channels}`,
      );
    }
    if (data.classes.length !== config.classes) {
      throw new Error(`classes: ${data.name} has ${data.classes.length} classes, the config says ${config.classes}`);
    }
    this.recipe = recipeOf(config);
    this.model = new VitModel(config, config.seed);
    this.optimizer = new AdamW(this.model.namedVariables(), this.recipe.weightDecay);
    const per = (config.image / config.patch) ** 2 * config.patch * config.patch * config.channels;
    this.patchBuf = new Float32Array(Math.max(config.batch, EVAL_BATCH) * per);
    this.scale = 1 / (255 * data.std);
    this.shift = -data.mean / data.std;
  }

  get stepsPerEpoch(): number {
    return Math.ceil(this.data.train.count / this.config.batch);
  }

  /** Continues from a checkpoint folder: weights, optimizer moments, step and epoch. */
  resume(dir: string): number {
    const { meta, weights, optimizer } = loadCheckpoint(dir);
    try {
      for (const nv of this.model.namedVariables()) {
        const t = weights[nv.name];
        if (!t) throw new Error(`checkpoint: ${dir} has no weight ${nv.name}`);
        if (t.shape.join(',') !== nv.variable.shape.join(',')) {
          throw new Error(`checkpoint: ${nv.name} has shape [${t.shape}] in ${dir}, the model needs [${nv.variable.shape}]`);
        }
        nv.variable.assign(t);
      }
      if (!optimizer) throw new Error(`checkpoint: ${dir} has no optimizer state, so the run cannot be resumed from it`);
      this.optimizer.restore(meta.step, optimizer);
    } finally {
      tf.dispose(Object.values(weights));
      if (optimizer) tf.dispose(Object.values(optimizer));
    }
    this.step = meta.step;
    this.startEpoch = meta.epoch;
    return meta.epoch;
  }

  /** Patches of the given samples as one tensor; augmentation only for training batches. */
  private batchTensor(split: Split, idx: ArrayLike<number>, rand: (() => number) | null): tf.Tensor3D {
    const { image: side, channels, patch } = this.config;
    const per = side * side * channels;
    const n = idx.length;
    const raw = new Uint8Array(n * per);
    const tmp = new Uint8Array(per);
    for (let i = 0; i < n; i++) {
      const src = split.images.subarray(idx[i] * per, idx[i] * per + per);
      if (rand) {
        augmentInto(src, tmp, side, channels, rand, { flip: this.data.flipInvariant, shift: 2 });
        raw.set(tmp, i * per);
      } else {
        raw.set(src, i * per);
      }
    }
    const P = (side / patch) ** 2;
    const F = patch * patch * channels;
    const out = this.patchBuf.subarray(0, n * P * F);
    patchify(raw, n, side, channels, patch, out, this.scale, this.shift);
    return tf.tensor3d(out, [n, P, F]);
  }

  private oneHot(labels: ArrayLike<number>, smoothing: number): tf.Tensor2D {
    const k = this.config.classes;
    const y = new Float32Array(labels.length * k).fill(smoothing / k);
    for (let i = 0; i < labels.length; i++) y[i * k + labels[i]] += 1 - smoothing;
    return tf.tensor2d(y, [labels.length, k]);
  }

  /** One optimisation step; returns the batch's mean loss and its number of correct predictions. */
  trainStep(x: tf.Tensor3D, labels: Uint8Array, lr: number): { loss: number; correct: number } {
    const vars = this.model.namedVariables().map((v) => v.variable);
    const y = this.oneHot(labels, this.recipe.labelSmoothing);
    let predicted: tf.Tensor | null = null;
    const { value, grads } = tf.variableGrads(() => {
      const logits = this.model.forward(x, true, this.config.seed * 1_000_003 + this.step * 31);
      predicted = tf.keep(logits.argMax(-1));
      return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
    }, vars);
    this.optimizer.apply(grads, lr);
    const loss = value.dataSync()[0];
    const pred = (predicted as unknown as tf.Tensor).dataSync();
    let correct = 0;
    for (let i = 0; i < labels.length; i++) if (pred[i] === labels[i]) correct++;
    tf.dispose([value, y, predicted as unknown as tf.Tensor, ...Object.values(grads)]);
    this.step++;
    return { loss, correct };
  }

  /** Test loss (mean cross-entropy, no smoothing), per-class counts and the confusion matrix. */
  evaluate(split: Split = this.data.test): EvalResult {
    const k = this.config.classes;
    const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    let lossSum = 0;
    for (let start = 0; start < split.count; start += EVAL_BATCH) {
      const n = Math.min(EVAL_BATCH, split.count - start);
      const idx = Array.from({ length: n }, (_, i) => start + i);
      const labels = split.labels.subarray(start, start + n);
      // dataSync outside tidy: returning read-back arrays from tidy makes it walk every element.
      const [lossT, predT] = tf.tidy(() => {
        const x = this.batchTensor(split, idx, null);
        const logits = this.model.forward(x, false);
        const y = this.oneHot(labels, 0);
        const loss = tf.losses.softmaxCrossEntropy(y, logits, undefined, 0, tf.Reduction.SUM);
        return [loss, logits.argMax(-1)];
      });
      lossSum += lossT.dataSync()[0];
      const pred = predT.dataSync();
      tf.dispose([lossT, predT]);
      for (let i = 0; i < n; i++) confusion[labels[i]][pred[i]]++;
    }
    const perClass = confusion.map((row, c) => ({ correct: row[c], total: row.reduce((a, b) => a + b, 0) }));
    const correct = perClass.reduce((s, p) => s + p.correct, 0);
    return { testLoss: lossSum / Math.max(1, split.count), correct, total: split.count, perClass, confusion };
  }

  async run(checkpointRoot: string | null, events: TrainerEvents = {}): Promise<TrainOutcome> {
    const { epochs, batch, seed, lr } = this.config;
    const train = this.data.train;
    const steps = this.stepsPerEpoch;
    const history: EpochMetrics[] = [];
    let result: EvalResult | null = null;
    const runStart = performance.now();
    let batchesDone = 0;
    let lastProgress = 0;

    for (let epoch = this.startEpoch + 1; epoch <= epochs; epoch++) {
      const t0 = performance.now();
      const order = permutation(train.count, epochRng(seed, epoch, 0));
      const augRand = this.recipe.augment ? epochRng(seed, epoch, 1) : null;
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      for (let b = 0; b < steps; b++) {
        if (events.shouldStop?.()) return { status: 'cancelled', epochsDone: epoch - 1, result, history };
        const idx = order.subarray(b * batch, Math.min(train.count, (b + 1) * batch));
        const labels = new Uint8Array(idx.length);
        for (let i = 0; i < idx.length; i++) labels[i] = train.labels[idx[i]];
        const x = this.batchTensor(train, idx, augRand);
        const rate = learningRate(lr, this.recipe, this.step, steps, epochs);
        const r = this.trainStep(x, labels, rate);
        x.dispose();
        if (!Number.isFinite(r.loss)) throw new Error(`training diverged: loss is ${r.loss} at epoch ${epoch}, batch ${b + 1}; try a lower lr`);
        lossSum += r.loss * idx.length;
        correct += r.correct;
        seen += idx.length;
        batchesDone++;
        const now = performance.now();
        if (events.onProgress && (now - lastProgress > 200 || b === steps - 1)) {
          lastProgress = now;
          const perBatch = (now - runStart) / 1000 / batchesDone;
          const remaining = (epochs - epoch) * steps + (steps - b - 1);
          events.onProgress({
            epoch,
            epochs,
            batch: b + 1,
            batches: steps,
            loss: lossSum / seen,
            acc: correct / seen,
            samplesPerSec: (seen / (now - t0)) * 1000,
            etaSeconds: remaining * perBatch,
          });
        }
        // Let the event loop deliver a pending `cancel` before the next batch.
        await new Promise((r) => setImmediate(r));
      }
      const trainSeconds = (performance.now() - t0) / 1000;
      result = this.evaluate();
      const metrics: EpochMetrics = {
        epoch,
        trainLoss: lossSum / seen,
        trainAcc: correct / seen,
        testLoss: result.testLoss,
        testAcc: result.correct / result.total,
        seconds: (performance.now() - t0) / 1000,
        samplesPerSec: seen / trainSeconds,
        lr: learningRate(lr, this.recipe, Math.max(0, this.step - 1), steps, epochs),
      };
      history.push(metrics);
      events.onEpoch?.(metrics);
      if (checkpointRoot) {
        const dir = await saveCheckpoint(
          checkpointRoot,
          { epoch, step: this.step, config: this.config },
          this.model.namedVariables().map((v) => ({ name: v.name, tensor: v.variable })),
          this.optimizer.state(),
        );
        pruneOptimizerState(checkpointRoot, epoch);
        events.onCheckpoint?.(epoch, dir);
      }
    }
    // A run resumed after its last epoch still gets a final evaluation.
    result ??= this.evaluate();
    return { status: 'completed', epochsDone: epochs, result, history };
  }

  dispose(): void {
    this.model.dispose();
    this.optimizer.dispose();
  }
}
