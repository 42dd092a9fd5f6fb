import * as tf from '@tensorflow/tfjs';
import type { VitModel } from '../vit/model.js';
import type { HostBatch } from './batch.js';
import { batchMeanLoss, targetsInto } from './loss.js';
import { loadFlatWeights, partEvaluate, partGradients, partRange } from './parallel-math.js';

/**
 * How a batch is computed: cut into N parts (`partRange`), part i computed by instance i, the
 * results combined in part order — so the numbers depend on N only, not on where a part ran.
 * Two runners implement it: `LocalRunner` (this thread computes every part, one after another) and
 * `ThreadedRunner` (threaded-runner.ts: part 0 here, part i on helper thread i over its
 * SharedArrayBuffer). The trainer sees only this interface.
 */
export interface StepRunner {
  /** Parts a batch is cut into (fewer when the batch has fewer samples). */
  readonly parts: number;
  /**
   * The gradient of the batch's mean loss (targets smoothed by `smoothing`, dropout seeded from
   * `seed`) summed over the parts into one flat view (parameter order, rewritten by the next
   * call), the mean loss (`batchMeanLoss`) and how many samples the model got right.
   */
  step(batch: HostBatch, smoothing: number, seed: number): StepResult;
  /** Each part's summed test loss (no smoothing, no dropout) and every sample's predicted class. */
  evaluate(batch: HostBatch): EvalParts;
  /** The flat weights changed (an optimizer step, a resume): every instance computes with them next. */
  weightsChanged(): void;
  close(): void;
}

export interface StepResult {
  loss: number;
  correct: number;
  grads: Float32Array;
}

export interface EvalParts {
  /** In part order: evaluation adds them to its running sum one by one. */
  partLosses: number[];
  /** Argmax per sample (a view, rewritten by the next call). */
  pred: Int32Array;
}

/** What a part computes. */
export type Command = 'step' | 'eval';

/** One part of a batch for one instance. */
export interface PartJob {
  cmd: Command;
  batch: HostBatch;
  from: number;
  to: number;
  smoothing: number;
  /** The loss scale: 1 / batch size in a step, 1 in evaluation. */
  scale: number;
  dropoutSeed: number;
}

export interface PartOutput {
  loss: number;
  pred: ArrayLike<number>;
  /** The part's flat gradient (step only). */
  grads: Float32Array | null;
}

/** One tfjs instance's end of a part. */
export interface PartInstance {
  /** Starts the part: a helper starts computing at once; this thread's instance waits for `finish`. */
  begin(job: PartJob): void;
  /** The begun part's result (a helper's is waited for; this thread's is computed now). */
  finish(): PartOutput;
  /** Waits for a begun part and drops its result (the batch failed elsewhere). */
  abandon(): void;
}

/** Shapes every part shares: P patches of F floats a sample, `classes` targets, at most `maxSamples` a part. */
export interface PartShape {
  P: number;
  F: number;
  classes: number;
  maxSamples: number;
}

/** Offset between the dropout seeds of consecutive parts of a batch (any fixed odd number). */
export const PART_DROPOUT_SEED = 7919;

/**
 * Runs `cmd` over a batch on `instances` (instance i computes part i): the other parts are begun
 * first, part 0 is computed, then every part is finished and handed to `collect` in part order.
 * On any failure every begun part is waited for, so no helper still writes into buffers the next
 * command rewrites.
 */
export function runParts(
  instances: readonly PartInstance[],
  job: Omit<PartJob, 'from' | 'to' | 'dropoutSeed'>,
  seed: number,
  collect: (part: number, from: number, out: PartOutput) => void,
): void {
  const n = job.batch.n;
  const N = Math.min(instances.length, n);
  const jobOf = (i: number): PartJob => ({ ...job, ...partRange(n, N, i), dropoutSeed: seed + i * PART_DROPOUT_SEED });
  // Parts 1…begun have begun (and may be running on a helper).
  let begun = 0;
  try {
    for (let i = 1; i < N; i++) {
      instances[i].begin(jobOf(i));
      begun = i;
    }
    instances[0].begin(jobOf(0));
    for (let i = 0; i < N; i++) collect(i, partRange(n, N, i).from, instances[i].finish());
  } catch (e) {
    // Waiting again for a part already finished returns at once.
    for (let i = 1; i <= begun; i++) instances[i].abandon();
    throw e;
  }
}

/** A part computed by this thread's tfjs, lazily in `finish` (so one gradient buffer serves parts finished in turn). */
export class LocalPart implements PartInstance {
  private job: PartJob | null = null;
  private readonly targets: Float32Array;
  private readonly pred: Int32Array;

  constructor(
    private readonly model: VitModel,
    private readonly shape: PartShape,
    /** Where this part's gradient goes. */
    private readonly grads: Float32Array,
  ) {
    this.targets = new Float32Array(shape.maxSamples * shape.classes);
    this.pred = new Int32Array(shape.maxSamples);
  }

  begin(job: PartJob): void {
    this.job = job;
  }

  finish(): PartOutput {
    const job = this.job;
    if (!job) throw new Error('step runner: a local part finished before it began');
    this.job = null;
    const { P, F, classes: k } = this.shape;
    const { from, to, batch } = job;
    const count = to - from;
    const per = P * F;
    // Before any tensor exists: a bad label throws here and leaks nothing.
    const targets = targetsInto(batch.labels, from, to, k, job.smoothing, this.targets);
    // A copy: a backend that keeps JS arrays (cpu) must not alias the batch buffer.
    const x = tf.tensor3d(batch.x.slice(from * per, to * per), [count, P, F]);
    const y = tf.tensor2d(targets, [count, k]);
    const pred = this.pred.subarray(0, count);
    try {
      if (job.cmd === 'step') return { loss: partGradients(this.model, x, y, job.scale, job.dropoutSeed, this.grads, pred), pred, grads: this.grads };
      return { loss: partEvaluate(this.model, x, y, pred), pred, grads: null };
    } finally {
      tf.dispose([x, y]);
    }
  }

  abandon(): void {
    this.job = null;
  }
}

/**
 * What both runners do with the parts' outputs: the gradient summed in part order into part 0's
 * buffer, the losses listed in part order, the predictions placed at their samples.
 */
export class PartCombiner {
  private readonly pred: Int32Array;
  private losses: number[] = [];

  constructor(
    /** Part 0's gradient buffer: the sum ends up here. */
    readonly grads: Float32Array,
    maxSamples: number,
  ) {
    this.pred = new Int32Array(maxSamples);
  }

  step(instances: readonly PartInstance[], batch: HostBatch, smoothing: number, seed: number): StepResult {
    this.run(instances, { cmd: 'step', batch, smoothing, scale: 1 / batch.n }, seed);
    let correct = 0;
    for (let i = 0; i < batch.n; i++) if (this.pred[i] === batch.labels[i]) correct++;
    return { loss: batchMeanLoss(this.losses), correct, grads: this.grads };
  }

  evaluate(instances: readonly PartInstance[], batch: HostBatch): EvalParts {
    this.run(instances, { cmd: 'eval', batch, smoothing: 0, scale: 1 }, 0);
    return { partLosses: this.losses, pred: this.pred.subarray(0, batch.n) };
  }

  private run(instances: readonly PartInstance[], job: Omit<PartJob, 'from' | 'to' | 'dropoutSeed'>, seed: number): void {
    if (job.batch.n > this.pred.length) throw new RangeError(`step runner: a batch of ${job.batch.n} samples is larger than ${this.pred.length}`);
    const g = this.grads;
    this.losses = [];
    runParts(instances, job, seed, (part, from, out) => {
      this.losses.push(out.loss);
      this.pred.set(out.pred, from);
      if (part > 0 && out.grads) for (let i = 0; i < g.length; i++) g[i] += out.grads[i];
    });
  }
}

/** Every part on this thread's tfjs, one after another (N = 1, or N parts without helper threads). */
export class LocalRunner implements StepRunner {
  readonly instances: LocalPart[];
  /** Part 0's gradient buffer, where the batch's summed gradient ends up. */
  readonly combinedGrads: Float32Array;
  private readonly combiner: PartCombiner;

  constructor(
    readonly model: VitModel,
    /** The master weights in parameter order (the trainer's). */
    private readonly flat: Float32Array,
    readonly parts: number,
    /** The largest batch: a part holds at most ⌈batch / parts⌉ samples. */
    maxBatch: number,
    shape: Omit<PartShape, 'maxSamples'>,
  ) {
    const part = { ...shape, maxSamples: Math.ceil(maxBatch / parts) };
    const total = flat.length;
    const first = new Float32Array(total);
    // Part 0 writes the sum's buffer; later parts share one, added in before the next part runs.
    const rest = parts > 1 ? new Float32Array(total) : first;
    this.instances = Array.from({ length: parts }, (_, i) => new LocalPart(model, part, i === 0 ? first : rest));
    this.combinedGrads = first;
    this.combiner = new PartCombiner(first, maxBatch);
  }

  step(batch: HostBatch, smoothing: number, seed: number): StepResult {
    return this.combiner.step(this.instances, batch, smoothing, seed);
  }

  evaluate(batch: HostBatch): EvalParts {
    return this.combiner.evaluate(this.instances, batch);
  }

  weightsChanged(): void {
    loadFlatWeights(this.model, this.flat);
  }

  close(): void {}
}
