import * as tf from '@tensorflow/tfjs';
import type { RunConfig } from '../vit/config.js';
import { VitModel, patchify } from '../vit/model.js';
import { augmentInto } from './augment.js';
import { loadCheckpoint, pruneOptimizerState, saveCheckpoint } from './checkpoint.js';
import type { EpochMetrics, EvalResult, ProgressInfo } from './messages.js';
import { AdamW } from './optimizer.js';
import { CMD_EVAL, CMD_STEP, GradientPeer, trainThreads, type TrainThreads } from './parallel.js';
import { flatLayout, partEvaluate, partGradients, storeFlatWeights, type FlatLayout } from './parallel-math.js';
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

// Evaluation chunk: wasm memory never shrinks, and a batch-1000 forward pass alone grew the heap
// from ≈ 0.5 GB (training, batch 100) to ≈ 1.25 GB; 250 stays within the training footprint.
const EVAL_BATCH = 250;
/** Offset of the second part's dropout seed from the first part's (any fixed odd number). */
const PART2_DROPOUT_SEED = 7919;
/** `auto` mode: every cycle of this many steps starts with 2 steps in each mode, timed. */
const PROBE_CYCLE = 40;

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
  /** Data-parallel helper (parallel.ts) once started; null = one tfjs instance. */
  private peer: GradientPeer | null = null;
  private mode: TrainThreads = 1;
  private started = false;
  private weightsDirty = true;
  private layout: FlatLayout | null = null;
  private gradBuf: Float32Array | null = null;
  private partBuf: Float32Array | null = null;
  /** `auto` mode: ms per step of the last probe in each mode, and the current choice. */
  private probe = { local: Infinity, helper: Infinity, useHelper: true, cycle: 0 };
  /** Steps that ran with the second part on the helper / locally (for benchmarks and tests). */
  readonly stepsBy = { helper: 0, local: 0 };

  constructor(
    readonly config: RunConfig,
    readonly data: TrainData,
    /**
     * 1: one tfjs instance, whole batches. 2: every batch in two parts, the second on a helper
     * thread with its own tfjs (parallel.ts). auto: the same two-part math, the second part on the
     * helper or on this thread, whichever is faster lately (the results are bit-identical either
     * way). Default: `trainThreads` (env VITLAB_TRAIN_THREADS, cores, backend).
     */
    readonly threads?: TrainThreads,
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
    this.weightsDirty = true;
    return meta.epoch;
  }

  /** Whether a data-parallel helper thread is running. */
  get parallel(): boolean {
    return this.peer !== null;
  }

  /**
   * Starts the data-parallel helper thread if this trainer should use one (see `threads`); run()
   * calls it. Returns whether a helper runs; without one (no helper entry in a build) it trains
   * as with 1. Until it is called, steps run as with 1.
   */
  async startParallel(): Promise<boolean> {
    if (this.started) return this.peer !== null;
    this.started = true;
    this.mode = this.threads ?? trainThreads(tf.getBackend());
    if (this.mode === 1) return false;
    this.layout = flatLayout(this.model);
    this.gradBuf = new Float32Array(this.layout.total);
    this.partBuf = new Float32Array(this.layout.total);
    const { image, patch, channels } = this.config;
    const perSample = (image / patch) ** 2 * patch * patch * channels;
    const maxSamples = Math.max(Math.ceil(this.config.batch / 2), Math.ceil(EVAL_BATCH / 2));
    try {
      this.peer = await GradientPeer.start(this.config, tf.getBackend(), { perSample, classes: this.config.classes, maxSamples, params: this.layout.total });
    } catch (e) {
      // A helper that cannot start is a slower run, not a failed one (unless 2 was asked for).
      if (this.mode === 2) throw e;
      this.peer = null;
    }
    // No helper entry (a build without parallel-helper.js): two parts on one thread only cost time.
    if (!this.peer) this.mode = 1;
    this.weightsDirty = true;
    return this.peer !== null;
  }

  /** Whether the next batch's second part goes to the helper (`auto`: timed probes, see PROBE_CYCLE). */
  private helperNext(): boolean {
    if (!this.peer) return false;
    if (this.mode === 2) return true;
    const c = this.probe.cycle;
    // Steps 0, 1 of a cycle run locally, 2, 3 on the helper (the second of each pair is timed).
    if (c < 2) return false;
    if (c < 4) return true;
    return this.probe.useHelper;
  }

  private recordProbe(ms: number): void {
    if (this.mode !== 'auto' || !this.peer) return;
    const c = this.probe.cycle;
    if (c === 1) this.probe.local = ms;
    if (c === 3) {
      this.probe.helper = ms;
      this.probe.useHelper = this.probe.helper <= this.probe.local;
    }
    this.probe.cycle = (c + 1) % PROBE_CYCLE;
  }

  /** Hands the current weights to the helper (it loads them before its next command). */
  private syncWeights(): void {
    if (!this.peer || !this.weightsDirty) return;
    storeFlatWeights(this.model, this.peer.views.weights);
    this.peer.weightsChanged();
    this.weightsDirty = false;
  }

  /** Patches of the given samples as one tensor; augmentation only for training batches. */
  private batchTensor(split: Split, idx: ArrayLike<number>, rand: (() => number) | null): tf.Tensor3D {
    const { image: side, channels, patch } = this.config;
    const P = (side / patch) ** 2;
    const F = patch * patch * channels;
    const out = this.patchBuf.subarray(0, idx.length * P * F);
    this.batchPatches(split, idx, rand, out);
    return tf.tensor3d(out, [idx.length, P, F]);
  }

  /** Normalised patches of the given samples into `out`. */
  private batchPatches(split: Split, idx: ArrayLike<number>, rand: (() => number) | null, out: Float32Array): void {
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
    patchify(raw, n, side, channels, patch, out, this.scale, this.shift);
  }

  private oneHot(labels: ArrayLike<number>, smoothing: number): tf.Tensor2D {
    const k = this.config.classes;
    return tf.tensor2d(this.oneHotInto(labels, smoothing, new Float32Array(labels.length * k)), [labels.length, k]);
  }

  private oneHotInto(labels: ArrayLike<number>, smoothing: number, y: Float32Array): Float32Array {
    const k = this.config.classes;
    y.fill(smoothing / k, 0, labels.length * k);
    for (let i = 0; i < labels.length; i++) y[i * k + labels[i]] += 1 - smoothing;
    return y;
  }

  /** One optimisation step; returns the batch's mean loss and its number of correct predictions. */
  trainStep(x: tf.Tensor3D, labels: Uint8Array, lr: number): { loss: number; correct: number } {
    if (this.mode !== 1 && labels.length >= 2) {
      const t0 = performance.now();
      const onHelper = this.helperNext();
      const r = this.partsGradients(x, labels, onHelper);
      this.optimizer.apply(r.grads, lr);
      tf.dispose(Object.values(r.grads));
      this.weightsDirty = true;
      this.step++;
      if (onHelper) this.stepsBy.helper++;
      else this.stepsBy.local++;
      this.recordProbe(performance.now() - t0);
      return { loss: r.loss, correct: r.correct };
    }
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

  /**
   * A batch's gradients in two parts: the first ⌊n/2⌋ samples here, the rest on the helper
   * (`onHelper`) or here after the first. Each part's loss is its cross-entropy sum / n, so the two
   * add up to the batch mean; the sum is formed here in the same order either way, and the helper
   * holds bit-identical weights, so both placements give bit-identical results. Public for the
   * equivalence test; the caller owns the returned tensors.
   */
  partsGradients(x: tf.Tensor3D, labels: Uint8Array, onHelper = this.peer !== null): { loss: number; correct: number; grads: Record<string, tf.Tensor> } {
    if (!this.layout || !this.gradBuf || !this.partBuf) throw new Error('two-part training is not started (call startParallel)');
    const peer = onHelper ? this.peer : null;
    if (onHelper && !peer) throw new Error('parallel training: no helper thread');
    const n = labels.length;
    const n1 = n >> 1;
    const n2 = n - n1;
    const [, P, F] = x.shape;
    const per = P * F;
    const smoothing = this.recipe.labelSmoothing;
    const seed = this.config.seed * 1_000_003 + this.step * 31;
    const all = x.dataSync() as Float32Array;
    if (peer) {
      this.syncWeights();
      peer.views.x.set(all.subarray(n1 * per, n * per));
      this.oneHotInto(labels.subarray(n1), smoothing, peer.views.y);
      peer.post(CMD_STEP, n2, 1 / n, seed + PART2_DROPOUT_SEED);
    }
    const part = (from: number, count: number, dropoutSeed: number, out: Float32Array, pred: Int32Array): number => {
      const xp = tf.tensor3d(all.slice(from * per, (from + count) * per), [count, P, F]);
      const yp = this.oneHot(labels.subarray(from, from + count), smoothing);
      try {
        return partGradients(this.model, xp, yp, 1 / n, dropoutSeed, out, pred);
      } finally {
        tf.dispose([xp, yp]);
      }
    };
    const pred1 = new Int32Array(n1);
    let loss1: number;
    try {
      loss1 = part(0, n1, seed, this.gradBuf, pred1);
    } finally {
      peer?.wait();
    }
    let loss2: number;
    let g2: Float32Array;
    let pred2: Int32Array;
    if (peer) {
      loss2 = peer.loss;
      g2 = peer.views.grads;
      pred2 = peer.views.pred;
    } else {
      pred2 = new Int32Array(n2);
      loss2 = part(n1, n2, seed + PART2_DROPOUT_SEED, this.partBuf, pred2);
      g2 = this.partBuf;
    }
    const g = this.gradBuf;
    for (let i = 0; i < g.length; i++) g[i] += g2[i];
    const grads: Record<string, tf.Tensor> = {};
    this.model.namedVariables().forEach(({ variable }, i) => {
      const off = this.layout!.offsets[i];
      grads[variable.name] = tf.tensor(g.slice(off, off + variable.size), variable.shape, 'float32');
    });
    let correct = 0;
    for (let i = 0; i < n1; i++) if (pred1[i] === labels[i]) correct++;
    for (let i = 0; i < n2; i++) if (pred2[i] === labels[n1 + i]) correct++;
    return { loss: Math.fround(Math.fround(loss1) + Math.fround(loss2)), correct, grads };
  }

  /** Test loss (mean cross-entropy, no smoothing), per-class counts and the confusion matrix. */
  evaluate(split: Split = this.data.test): EvalResult {
    if (this.mode !== 1) return this.partsEvaluate(split, this.peer !== null && (this.mode === 2 || this.probe.useHelper));
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
    return resultOf(confusion, lossSum, split.count);
  }

  /** evaluate() with each chunk in two parts, the second on the helper or here after the first. */
  private partsEvaluate(split: Split, onHelper: boolean): EvalResult {
    const peer = onHelper ? this.peer : null;
    if (peer) this.syncWeights();
    const { image: side, channels, patch, classes: k } = this.config;
    const P = (side / patch) ** 2;
    const F = patch * patch * channels;
    const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    let lossSum = 0;
    for (let start = 0; start < split.count; start += EVAL_BATCH) {
      const n = Math.min(EVAL_BATCH, split.count - start);
      const n1 = n >> 1;
      const n2 = n - n1;
      const labels = split.labels.subarray(start, start + n);
      const idx2 = Array.from({ length: n2 }, (_, i) => start + n1 + i);
      if (peer && n2 > 0) {
        this.batchPatches(split, idx2, null, peer.views.x.subarray(0, n2 * P * F));
        this.oneHotInto(labels.subarray(n1), 0, peer.views.y);
        peer.post(CMD_EVAL, n2, 1, 0);
      }
      const local = (idx: number[], from: number, count: number, pred: Int32Array): number => {
        const x = this.batchTensor(split, idx, null);
        const y = this.oneHot(labels.subarray(from, from + count), 0);
        try {
          return partEvaluate(this.model, x, y, pred);
        } finally {
          tf.dispose([x, y]);
        }
      };
      const pred1 = new Int32Array(n1);
      let loss1 = 0;
      try {
        if (n1 > 0) loss1 = local(Array.from({ length: n1 }, (_, i) => start + i), 0, n1, pred1);
      } finally {
        if (peer && n2 > 0) peer.wait();
      }
      let pred2: Int32Array;
      let loss2: number;
      if (peer) {
        loss2 = n2 > 0 ? peer.loss : 0;
        pred2 = peer.views.pred;
      } else {
        pred2 = new Int32Array(n2);
        loss2 = n2 > 0 ? local(idx2, n1, n2, pred2) : 0;
      }
      lossSum += loss1;
      lossSum += loss2;
      for (let i = 0; i < n1; i++) confusion[labels[i]][pred1[i]]++;
      for (let i = 0; i < n2; i++) confusion[labels[n1 + i]][pred2[i]]++;
    }
    return resultOf(confusion, lossSum, split.count);
  }

  async run(checkpointRoot: string | null, events: TrainerEvents = {}): Promise<TrainOutcome> {
    await this.startParallel();
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
        events.onBatch?.({ epoch, batch: b + 1, batches: steps, loss: r.loss, correct: r.correct, size: idx.length });
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
    this.peer?.close();
    this.peer = null;
    this.model.dispose();
    this.optimizer.dispose();
  }
}

/** The evaluation result of a filled confusion matrix (rows: true class) and a summed loss. */
function resultOf(confusion: number[][], lossSum: number, count: number): EvalResult {
  const perClass = confusion.map((row, c) => ({ correct: row[c], total: row.reduce((a, b) => a + b, 0) }));
  const correct = perClass.reduce((s, p) => s + p.correct, 0);
  return { testLoss: lossSum / Math.max(1, count), correct, total: count, perClass, confusion };
}
