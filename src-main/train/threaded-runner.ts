import type { RunConfig } from '../vit/config.js';
import type { HostBatch } from './batch.js';
import { targetsInto } from './loss.js';
import { CMD_EVAL, CMD_STEP, GradientPeer } from './parallel.js';
import { PartCombiner, type EvalParts, type LocalRunner, type PartInstance, type PartJob, type PartOutput, type StepResult, type StepRunner } from './step-runner.js';

/**
 * N instances: part 0 on this thread's tfjs (the local runner's first part), part i on helper
 * thread i (parallel.ts: its own tfjs, one SharedArrayBuffer, Atomics; nothing posted on the hot
 * path). Same parts, same order of sums as `LocalRunner` with N parts: bit-identical results.
 */
export class ThreadedRunner implements StepRunner {
  readonly parts: number;
  private readonly instances: PartInstance[];
  private readonly helpers: HelperPart[];
  private readonly combiner: PartCombiner;

  private constructor(
    private readonly local: LocalRunner,
    peers: GradientPeer[],
    flat: Float32Array,
    maxBatch: number,
  ) {
    this.helpers = peers.map((p) => new HelperPart(p, flat, local.model.config.classes));
    this.instances = [local.instances[0], ...this.helpers];
    this.parts = this.instances.length;
    this.combiner = new PartCombiner(local.combinedGrads, maxBatch);
  }

  /**
   * Starts `local.parts − 1` helper threads over `local`'s model and weights. Throws why they did
   * not start (no helper entry in this build, or a helper failed): every part then stays here.
   */
  static async start(local: LocalRunner, flat: Float32Array, config: RunConfig, backend: string, maxBatch: number): Promise<ThreadedRunner> {
    const { image, patch, channels, classes } = config;
    const perSample = (image / patch) ** 2 * patch * patch * channels;
    const maxSamples = Math.ceil(maxBatch / local.parts) + 1;
    const layout = { perSample, classes, maxSamples, params: flat.length };
    const started = await Promise.allSettled(Array.from({ length: local.parts - 1 }, () => GradientPeer.start(config, backend, layout)));
    const peers = started.map((r) => (r.status === 'fulfilled' ? r.value : null));
    if (peers.every((p): p is GradientPeer => p !== null)) return new ThreadedRunner(local, peers, flat, maxBatch);
    for (const p of peers) p?.close();
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    throw new Error(failed ? String(failed.reason?.message ?? failed.reason) : 'no helper entry in this build (parallel-helper.js)');
  }

  step(batch: HostBatch, smoothing: number, seed: number): StepResult {
    return this.combiner.step(this.instances, batch, smoothing, seed);
  }

  evaluate(batch: HostBatch): EvalParts {
    return this.combiner.evaluate(this.instances, batch);
  }

  weightsChanged(): void {
    this.local.weightsChanged();
    for (const h of this.helpers) h.stale = true;
  }

  close(): void {
    for (const h of this.helpers) h.peer.close();
  }
}

const COMMANDS = { step: CMD_STEP, eval: CMD_EVAL } satisfies Record<PartJob['cmd'], number>;

/** A part on a helper thread: inputs into its shared buffer, outputs read from it. */
class HelperPart implements PartInstance {
  /** Whether the helper's weights are older than the master copy. */
  stale = true;
  private count = 0;
  private cmd: PartJob['cmd'] = 'step';

  constructor(
    readonly peer: GradientPeer,
    private readonly flat: Float32Array,
    private readonly classes: number,
  ) {}

  begin(job: PartJob): void {
    const v = this.peer.views;
    if (this.stale) {
      v.weights.set(this.flat);
      this.peer.weightsChanged();
      this.stale = false;
    }
    const per = v.layout.perSample;
    const { from, to } = job;
    v.x.set(job.batch.x.subarray(from * per, to * per));
    targetsInto(job.batch.labels, from, to, this.classes, job.smoothing, v.y);
    this.count = to - from;
    this.cmd = job.cmd;
    this.peer.post(COMMANDS[job.cmd], this.count, job.scale, job.dropoutSeed);
  }

  finish(): PartOutput {
    this.peer.wait();
    const v = this.peer.views;
    return { loss: this.peer.loss, pred: v.pred.subarray(0, this.count), grads: this.cmd === 'step' ? v.grads : null };
  }

  abandon(): void {
    this.peer.waitQuietly();
  }
}
