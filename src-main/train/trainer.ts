import * as tf from '@tensorflow/tfjs';
import type { RunConfig } from '../vit/config.js';
import { VitModel, patchify } from '../vit/model.js';
import { flatLayout, type FlatLayout } from '../vit/params.js';
import { augmentInto } from './augment.js';
import { loadCheckpoint, pruneOptimizerState, saveCheckpoint } from './checkpoint.js';
import type { EpochMetrics, EvalResult, ProgressInfo } from './messages.js';
import { AdamW } from './optimizer.js';
import { CMD_EVAL, CMD_STEP, GradientPeer, MAX_TRAIN_THREADS, trainThreads, type TrainThreads } from './parallel.js';
import { loadFlatWeights, partEvaluate, partGradients, partRange, storeFlatWeights } from './parallel-math.js';
import { epochRng, permutation } from './rng.js';
import { learningRate, recipeOf } from './schedule.js';
import { EVAL_CHUNK } from '../vit/memory.js';

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
const EVAL_BATCH = EVAL_CHUNK;
/** Offset between the dropout seeds of consecutive parts of a batch (any fixed odd number). */
const PART_DROPOUT_SEED = 7919;

/**
 * The training loop of one run. Deterministic for a seed and a number of instances N: weights from
 * seeded initialisers, each epoch's shuffle and augmentation from (seed, epoch) streams, dropout
 * from (seed, step, part). Every batch is cut into N parts (parallel-math.ts `partRange`); part 0
 * runs on this thread's tfjs, part i on helper i (parallel.ts) — or here, after part 0, when no
 * helper runs: the same numbers either way, because the parts are summed in part order.
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
  private readonly patchBuf: Float32Array;
  private readonly scale: number;
  private readonly shift: number;
  /** The master copy of the weights in parameter order; the variables and helpers load from it. */
  private readonly flat: Float32Array;
  /** The summed gradient of a step, and a local part's gradient when no helper takes it. */
  private readonly gradBuf: Float32Array;
  private readonly partBuf: Float32Array;
  /** Helper i − 1 computes part i; empty until startParallel (then the parts run here). */
  private peers: GradientPeer[] = [];
  private peerStale: boolean[] = [];
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
    this.gradBuf = new Float32Array(this.layout.total);
    this.partBuf = new Float32Array(this.layout.total);
    this.optimizer = new AdamW(this.layout, this.recipe.weightDecay);
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
      for (const nv of this.model.params) {
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
    storeFlatWeights(this.model, this.flat);
    this.step = meta.step;
    this.startEpoch = meta.epoch;
    this.peerStale = this.peers.map(() => true);
    return meta.epoch;
  }

  /** Whether helper threads are running (N > 1 and they started). */
  get parallel(): boolean {
    return this.peers.length > 0;
  }

  /**
   * Starts the N − 1 helper threads (run() calls it). Returns whether they run; without them (no
   * helper entry in a build, or a helper failed to start: see `helperError`) every part runs on
   * this thread, with the same results. Until it is called, parts run here too.
   */
  async startParallel(): Promise<boolean> {
    if (this.started) return this.peers.length > 0;
    this.started = true;
    if (this.instances === 1) return false;
    const { image, patch, channels } = this.config;
    const perSample = (image / patch) ** 2 * patch * patch * channels;
    const maxSamples = Math.ceil(Math.max(this.config.batch, EVAL_BATCH) / this.instances) + 1;
    const layout = { perSample, classes: this.config.classes, maxSamples, params: this.layout.total };
    const started = await Promise.allSettled(Array.from({ length: this.instances - 1 }, () => GradientPeer.start(this.config, tf.getBackend(), layout)));
    const peers = started.map((r) => (r.status === 'fulfilled' ? r.value : null));
    if (peers.every((p): p is GradientPeer => p !== null)) {
      this.peers = peers;
      this.peerStale = peers.map(() => true);
      return true;
    }
    for (const p of peers) p?.close();
    const failed = started.find((r) => r.status === 'rejected');
    this.helperError = failed ? String((failed as PromiseRejectedResult).reason?.message ?? failed) : 'no helper entry in this build (parallel-helper.js)';
    return false;
  }

  /** Normalised patches of the given samples into `out`; augmentation only for training batches. */
  private batchPatches(split: Split, idx: ArrayLike<number>, rand: (() => number) | null, out: Float32Array): Float32Array {
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
    // (side / patch)² patches of patch²·channels values: `per` floats a sample.
    const dst = out.subarray(0, n * per);
    patchify(raw, n, side, channels, patch, dst, this.scale, this.shift);
    return dst;
  }

  private oneHotInto(labels: ArrayLike<number>, smoothing: number, y: Float32Array): Float32Array {
    const k = this.config.classes;
    y.fill(smoothing / k, 0, labels.length * k);
    for (let i = 0; i < labels.length; i++) y[i * k + labels[i]] += 1 - smoothing;
    return y;
  }

  /** Hands the master weights to a helper before its next command, if they changed since. */
  private syncPeer(i: number): void {
    if (!this.peerStale[i]) return;
    this.peers[i].views.weights.set(this.flat);
    this.peers[i].weightsChanged();
    this.peerStale[i] = false;
  }

  /**
   * Runs one command over n samples cut into N parts: parts with a helper are posted first, part 0
   * and the parts without one run here, then every part is collected in part order.
   * `x` holds the n samples' patches, `labels` their classes.
   */
  private inParts(
    cmd: typeof CMD_STEP | typeof CMD_EVAL,
    x: Float32Array,
    labels: ArrayLike<number>,
    smoothing: number,
    onHelpers: boolean,
    local: (xp: tf.Tensor3D, yp: tf.Tensor2D, dropoutSeed: number, pred: Int32Array, grads: Float32Array) => number,
    collect: (part: number, loss: number, pred: ArrayLike<number>, grads: Float32Array | null, from: number) => void,
  ): void {
    const n = labels.length;
    const N = Math.min(this.instances, n);
    const { image, patch, channels, classes: k } = this.config;
    const P = (image / patch) ** 2;
    const F = patch * patch * channels;
    const per = P * F;
    const peerOf = (i: number) => (onHelpers && i > 0 && i - 1 < this.peers.length ? this.peers[i - 1] : null);
    const scale = cmd === CMD_STEP ? 1 / n : 1;
    const seed = this.config.seed * 1_000_003 + this.step * 31;
    for (let i = 1; i < N; i++) {
      const peer = peerOf(i);
      if (!peer) continue;
      const { from, to } = partRange(n, N, i);
      this.syncPeer(i - 1);
      peer.views.x.set(x.subarray(from * per, to * per));
      this.oneHotInto(Array.prototype.slice.call(labels, from, to) as number[], smoothing, peer.views.y);
      peer.post(cmd, to - from, scale, seed + i * PART_DROPOUT_SEED);
    }
    const runLocal = (i: number, grads: Float32Array) => {
      const { from, to } = partRange(n, N, i);
      const count = to - from;
      const xp = tf.tensor3d(x.slice(from * per, to * per), [count, P, F]);
      const yp = tf.tensor2d(this.oneHotInto(Array.prototype.slice.call(labels, from, to) as number[], smoothing, new Float32Array(count * k)), [count, k]);
      const pred = new Int32Array(count);
      try {
        return { loss: local(xp, yp, seed + i * PART_DROPOUT_SEED, pred, grads), pred, from };
      } finally {
        tf.dispose([xp, yp]);
      }
    };
    let first: ReturnType<typeof runLocal>;
    try {
      first = runLocal(0, this.gradBuf);
    } catch (e) {
      // Never leave a helper running on buffers the next command rewrites.
      for (let i = 1; i < N; i++) peerOf(i)?.waitQuietly();
      throw e;
    }
    collect(0, first.loss, first.pred, this.gradBuf, first.from);
    for (let i = 1; i < N; i++) {
      const peer = peerOf(i);
      if (peer) {
        peer.wait();
        const { from, to } = partRange(n, N, i);
        collect(i, peer.loss, peer.views.pred.subarray(0, to - from), peer.views.grads, from);
      } else {
        const r = runLocal(i, this.partBuf);
        collect(i, r.loss, r.pred, this.partBuf, r.from);
      }
    }
  }

  /**
   * A batch's summed gradient (into the returned flat view, parameter order), mean loss and number
   * of correct predictions, computed in N parts (see `inParts`). `onHelpers` false computes every
   * part here: bit-identical (the equivalence test checks it). Public for the tests; the view is
   * rewritten by the next call.
   */
  gradients(x: Float32Array, labels: Uint8Array, onHelpers = true): { loss: number; correct: number; grads: Float32Array } {
    const g = this.gradBuf;
    let loss = 0;
    let correct = 0;
    this.inParts(
      CMD_STEP,
      x,
      labels,
      this.recipe.labelSmoothing,
      onHelpers,
      (xp, yp, dropoutSeed, pred, grads) => partGradients(this.model, xp, yp, 1 / labels.length, dropoutSeed, grads, pred),
      (part, l, pred, grads, from) => {
        loss = part === 0 ? Math.fround(l) : Math.fround(loss + Math.fround(l));
        if (part > 0) for (let i = 0; i < g.length; i++) g[i] += grads![i];
        for (let i = 0; i < pred.length; i++) if (pred[i] === labels[from + i]) correct++;
      },
    );
    return { loss, correct, grads: g };
  }

  /** One optimisation step on a batch's patches (host buffer); returns its mean loss and correct count. */
  trainStep(x: Float32Array, labels: Uint8Array, lr: number): { loss: number; correct: number } {
    const r = this.gradients(x, labels);
    this.optimizer.apply(this.flat, r.grads, lr);
    loadFlatWeights(this.model, this.flat);
    this.peerStale.fill(true);
    this.step++;
    return { loss: r.loss, correct: r.correct };
  }

  /** Test loss (mean cross-entropy, no smoothing), per-class counts and the confusion matrix. */
  evaluate(split: Split = this.data.test): EvalResult {
    const k = this.config.classes;
    const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    let lossSum = 0;
    for (let start = 0; start < split.count; start += EVAL_BATCH) {
      const n = Math.min(EVAL_BATCH, split.count - start);
      const labels = split.labels.subarray(start, start + n);
      const x = this.batchPatches(split, Array.from({ length: n }, (_, i) => start + i), null, this.patchBuf);
      this.inParts(
        CMD_EVAL,
        x,
        labels,
        0,
        true,
        (xp, yp, _part, pred) => partEvaluate(this.model, xp, yp, pred),
        (_part, l, pred, _g, from) => {
          lossSum += l;
          for (let i = 0; i < pred.length; i++) confusion[labels[from + i]][pred[i]]++;
        },
      );
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
        const x = this.batchPatches(train, idx, augRand, this.patchBuf);
        const rate = learningRate(lr, this.recipe, this.step, steps, epochs);
        const r = this.trainStep(x, labels, rate);
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
        const moments = this.optimizer.state();
        let dir: string;
        try {
          dir = await saveCheckpoint(
            checkpointRoot,
            { epoch, step: this.step, config: this.config },
            this.model.params.map((v) => ({ name: v.name, tensor: v.variable })),
            moments,
          );
        } finally {
          tf.dispose(moments.map((m) => m.tensor));
        }
        pruneOptimizerState(checkpointRoot, epoch);
        events.onCheckpoint?.(epoch, dir);
      }
    }
    // A run resumed after its last epoch still gets a final evaluation.
    result ??= this.evaluate();
    return { status: 'completed', epochsDone: epochs, result, history };
  }

  dispose(): void {
    for (const p of this.peers) p.close();
    this.peers = [];
    this.model.dispose();
  }
}

/** The evaluation result of a filled confusion matrix (rows: true class) and a summed loss. */
function resultOf(confusion: number[][], lossSum: number, count: number): EvalResult {
  const perClass = confusion.map((row, c) => ({ correct: row[c], total: row.reduce((a, b) => a + b, 0) }));
  const correct = perClass.reduce((s, p) => s + p.correct, 0);
  return { testLoss: lossSum / Math.max(1, count), correct, total: count, perClass, confusion };
}
