import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { RunConfig } from '../vit/config.js';

/**
 * Data-parallel training on N instances: this thread plus N − 1 `node:worker_threads` helpers
 * (each its own isolate, so its own tfjs and wasm backend — wasm threads are off in Node) hold the
 * same weights; every batch is cut into N parts and instance i computes the gradients of part i.
 * Each helper talks to this thread through its own SharedArrayBuffer and Atomics (no message
 * passing on the hot path, and the training step stays synchronous):
 *
 *   this thread: writes each helper's part (patches + one-hot labels, and the weights when they
 *   changed), bumps `seq` and notifies → computes part 0 → waits for every `done == seq` → sums the
 *   flat gradients in part order → applies AdamW (only here: helpers have no optimizer) → the new
 *   weights go into the shared buffers for the next step.
 *
 * A helper only ever runs between a `seq` bump and its `done`, so each buffer has one writer at a
 * time. Everything is deterministic for a given N: fixed split, fixed summation order.
 */

// Int32 control words.
const SEQ = 0;
const CMD = 1;
const DONE = 2;
const COUNT = 3;
const ERROR = 4;
const WVERSION = 6;
const CTRL_WORDS = 16;
const ERR_BYTES = 2048;

export const CMD_STEP = 1;
export const CMD_EVAL = 2;
export const CMD_EXIT = 9;

export interface SharedLayout {
  /** Floats per sample of patches, and of labels (classes). */
  perSample: number;
  classes: number;
  maxSamples: number;
  params: number;
}

/** Views on the shared buffer; built the same way on both threads. */
export class SharedViews {
  readonly ctrl: Int32Array;
  /** [0] loss scale, [1] dropout seed, [2] the part's loss (out). */
  readonly params: Float64Array;
  readonly err: Uint8Array;
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly pred: Int32Array;
  readonly weights: Float32Array;
  readonly grads: Float32Array;

  constructor(
    readonly sab: SharedArrayBuffer,
    readonly layout: SharedLayout,
  ) {
    const { perSample, classes, maxSamples, params } = layout;
    let off = 0;
    const take = (bytes: number) => {
      const at = off;
      off += Math.ceil(bytes / 16) * 16;
      return at;
    };
    this.ctrl = new Int32Array(sab, take(CTRL_WORDS * 4), CTRL_WORDS);
    this.params = new Float64Array(sab, take(32), 4);
    this.err = new Uint8Array(sab, take(ERR_BYTES), ERR_BYTES);
    this.x = new Float32Array(sab, take(maxSamples * perSample * 4), maxSamples * perSample);
    this.y = new Float32Array(sab, take(maxSamples * classes * 4), maxSamples * classes);
    this.pred = new Int32Array(sab, take(maxSamples * 4), maxSamples);
    this.weights = new Float32Array(sab, take(params * 4), params);
    this.grads = new Float32Array(sab, take(params * 4), params);
  }

  static bytes(layout: SharedLayout): number {
    const r = (b: number) => Math.ceil(b / 16) * 16;
    const { perSample, classes, maxSamples, params } = layout;
    return r(CTRL_WORDS * 4) + r(32) + r(ERR_BYTES) + r(maxSamples * perSample * 4) + r(maxSamples * classes * 4) + r(maxSamples * 4) + 2 * r(params * 4);
  }
}

export const CTRL = { SEQ, CMD, DONE, COUNT, ERROR, WVERSION };

/** How many tfjs instances train each batch (one on this thread, the rest on helper threads). */
export type TrainThreads = number;

/** Most instances a run may ask for (each is a thread with its own tfjs and wasm heap). */
export const MAX_TRAIN_THREADS = 16;

/**
 * How many instances train: `VITLAB_TRAIN_THREADS` = N when set, else every core where the backend
 * is wasm (single-threaded in Node), else 1 (tfjs-node is multithreaded already; cpu is a last
 * resort and its kernels copy data anyway).
 */
export function trainThreads(backend: string): TrainThreads {
  const env = process.env.VITLAB_TRAIN_THREADS;
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1 || n > MAX_TRAIN_THREADS) {
      throw new Error(`VITLAB_TRAIN_THREADS must be a whole number from 1 to ${MAX_TRAIN_THREADS}, got "${env}"`);
    }
    return n;
  }
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return backend === 'wasm' ? Math.max(1, Math.min(cores, MAX_TRAIN_THREADS)) : 1;
}

const here = path.dirname(fileURLToPath(import.meta.url));

/** The helper's entry: the .ts through tsx when running from source, else the built .js, else none. */
function helperSource(): { code: string; eval: true } | { file: string } | null {
  const ts = path.join(here, 'parallel-helper.ts');
  if (import.meta.url.endsWith('.ts') && fs.existsSync(ts)) {
    // A worker thread does not inherit tsx's loader hooks: register them inside, then import.
    const api = import.meta.resolve('tsx/esm/api');
    const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(pathToFileURL(ts).href)}); })`;
    return { code, eval: true };
  }
  // Built: an entry next to this module's bundle (or one folder up, when this module is a chunk).
  const js = [path.join(here, 'parallel-helper.js'), path.join(here, '..', 'parallel-helper.js')].find((f) => fs.existsSync(f));
  return js ? { file: js } : null;
}

/** This thread's end of the pair. */
export class GradientPeer {
  private seq = 0;
  private closed = false;
  private weightsVersion = 0;

  private constructor(
    private readonly worker: Worker,
    readonly views: SharedViews,
  ) {}

  /** Starts the helper and waits until its tfjs is ready; null when no helper entry exists. */
  static async start(config: RunConfig, backend: string, layout: SharedLayout): Promise<GradientPeer | null> {
    const src = helperSource();
    if (!src) return null;
    const sab = new SharedArrayBuffer(SharedViews.bytes(layout));
    const views = new SharedViews(sab, layout);
    const workerData = { config, backend, sab, layout };
    const worker = 'code' in src ? new Worker(src.code, { eval: true, workerData }) : new Worker(src.file, { workerData });
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error) => reject(new Error(`parallel training: the helper thread failed to start: ${e.message}`));
      worker.once('error', onError);
      worker.once('exit', (code) => reject(new Error(`parallel training: the helper thread exited (${code}) before it was ready`)));
      worker.once('message', (m: { type: string; error?: string }) => {
        worker.off('error', onError);
        worker.removeAllListeners('exit');
        if (m.type === 'ready') resolve();
        else reject(new Error(`parallel training: the helper thread failed to start: ${m.error}`));
      });
    });
    // Never keep the process alive for the helper alone.
    worker.unref();
    worker.on('error', () => {});
    return new GradientPeer(worker, views);
  }

  /** Marks the shared weights as new: the helper loads them before its next command. */
  weightsChanged(): void {
    Atomics.store(this.views.ctrl, WVERSION, ++this.weightsVersion);
  }

  /** Starts a command on the helper over `count` samples already written to the shared x / y. */
  post(cmd: number, count: number, scale: number, dropoutSeed: number): void {
    if (this.closed) throw new Error('parallel training: the helper thread is closed');
    const c = this.views.ctrl;
    this.views.params[0] = scale;
    this.views.params[1] = dropoutSeed;
    Atomics.store(c, CMD, cmd);
    Atomics.store(c, COUNT, count);
    Atomics.store(c, ERROR, 0);
    Atomics.store(c, SEQ, ++this.seq);
    Atomics.notify(c, SEQ);
  }

  /** Waits for the posted command; throws the helper's error. */
  wait(timeoutMs = 300_000): void {
    const c = this.views.ctrl;
    const t0 = Date.now();
    for (;;) {
      const done = Atomics.load(c, DONE);
      if (done === this.seq) break;
      if (Date.now() - t0 > timeoutMs) throw new Error('parallel training: the helper thread did not answer (timed out)');
      Atomics.wait(c, DONE, done, 1000);
    }
    if (Atomics.load(c, ERROR)) {
      const bytes = this.views.err;
      const end = bytes.indexOf(0);
      throw new Error(`parallel training: ${Buffer.from(bytes.slice(0, end < 0 ? bytes.length : end)).toString('utf8')}`);
    }
  }

  /** Waits for the posted command, ignoring its outcome (after a failure elsewhere in the step). */
  waitQuietly(): void {
    try {
      this.wait();
    } catch {
      // The step fails with the first error already.
    }
  }

  get loss(): number {
    return this.views.params[2];
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const c = this.views.ctrl;
    Atomics.store(c, CMD, CMD_EXIT);
    Atomics.store(c, SEQ, ++this.seq);
    Atomics.notify(c, SEQ);
    void this.worker.terminate();
  }
}
