import type { RunConfig } from '../vit/config.js';

/** What a run's environment was: recorded with every run so results can be explained later. */
export interface RunEnvironment {
  backend: 'tensorflow' | 'wasm' | 'cpu';
  versions: Record<string, string>;
  machine: { platform: string; arch: string; cpus: number; cpuModel: string; memoryGiB: number; hostname: string };
}

export interface EpochMetrics {
  epoch: number; // 1-based
  trainLoss: number;
  trainAcc: number; // 0..1
  testLoss: number;
  testAcc: number; // 0..1
  seconds: number;
  samplesPerSec: number;
  lr: number;
}

export interface EvalResult {
  testLoss: number;
  correct: number;
  total: number;
  /** Per class: correct and total, in class order. */
  perClass: { correct: number; total: number }[];
  /** confusion[true][predicted] */
  confusion: number[][];
}

export interface ProgressInfo {
  epoch: number; // 1-based
  epochs: number;
  batch: number; // 1-based batches done in this epoch
  batches: number;
  loss: number; // running mean over this epoch
  acc: number;
  samplesPerSec: number;
  etaSeconds: number; // for the whole run
}

/**
 * One point of a per-step training curve: the mean loss and accuracy of the batches since the
 * previous point. `at` is where in the epoch it ends (batches done / batches, 0..1], so the curve's
 * x is the fractional epoch `epoch − 1 + at`, the same axis as the per-epoch curves.
 */
export interface StepPoint {
  epoch: number; // 1-based
  at: number;
  loss: number;
  acc: number; // 0..1
}

/** Parent → worker. */
export type ToWorker =
  | {
      type: 'start';
      runId: string;
      config: RunConfig;
      /** Where checkpoints go (a folder owned by this run). */
      checkpointDir: string;
      /** Data folder given by the user; otherwise the usual look-up order. */
      dataDir?: string;
      /** Resume from this checkpoint folder (holds the epoch it finished). */
      resumeFrom?: string;
      /** Per-step curve points per epoch (default 20; 0: none). */
      stepPoints?: number;
    }
  | { type: 'cancel' };

/** Worker → parent. Every message carries the run id so a supervisor can route it. */
export type FromWorker =
  | { type: 'started'; runId: string; env: RunEnvironment; startEpoch: number; trainSize: number; testSize: number }
  | { type: 'progress'; runId: string; progress: ProgressInfo }
  | { type: 'epoch'; runId: string; metrics: EpochMetrics }
  | { type: 'step'; runId: string; point: StepPoint }
  | { type: 'checkpoint'; runId: string; epoch: number; path: string }
  | { type: 'evaluated'; runId: string; result: EvalResult }
  | { type: 'cancelled'; runId: string; epoch: number }
  | { type: 'failed'; runId: string; error: string };
