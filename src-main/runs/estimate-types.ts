/**
 * The shapes of a run's cost estimate: types only, so the contract (and through it the
 * dashboard) can name them without pulling in the engine code that computes them (estimate.ts).
 */
import type { RunEnvironment } from '../train/messages.js';

export type ActualBackend = RunEnvironment['backend'];

/** One measurement of this machine's speed: from a completed run, or from a short probe. */
export interface ThroughputSample {
  source: 'run' | 'probe';
  /** The run it came from (for a probe: the probe's label). */
  runId: string;
  backend: ActualBackend;
  macsPerImage: number;
  batch: number;
  /** Training samples per second (median over the run's epochs). */
  trainSamplesPerSec: number;
  /** Test samples per second in evaluation, where it could be told apart from training. */
  evalSamplesPerSec: number | null;
  /** Wall time outside the epochs: worker start, tfjs, data load; null where unknown. */
  startupSeconds: number | null;
  /** When it was measured (a run's finish): only earlier samples explain a later run. */
  at: string;
}

export interface RunEstimate {
  /** Total wall time, seconds. */
  seconds: number;
  startupSeconds: number;
  epochSeconds: number;
  epochs: number;
  trainSamplesPerSec: number;
  trainCount: number;
  testCount: number;
  /** The backend the estimate is for (what `auto` picked in the samples used). */
  backend: ActualBackend;
  /** Training memory in bytes, from the config module's memory estimate (peakTrainingBytes). */
  peakBytes: number;
  /** Where the figures come from, for the UI to say. */
  basis: { kind: 'history' | 'probe'; samples: number; probes: number; runIds: string[]; macsRange: [number, number] };
}

export interface QueueEstimate {
  /** In the order the queue will run them. */
  runs: { index: number; estimate: RunEstimate | null }[];
  /** Sum of the runs' estimates, seconds (null where one has none). */
  totalSeconds: number | null;
}

/** Which machine an estimate is for: the one that answered it (its own runs and probes). */
export interface EstimateMachine {
  hostname: string;
  cpus: number;
  /**
   * False where this process trains none of the store's runs (serve on a shared store): agents on
   * other machines train them, in their own time, and the figures are only this machine's.
   */
  trainsHere: boolean;
}

export interface EstimateAnswer {
  /** Null where nothing on this backend was measured yet (`needsProbe`) or the probe failed. */
  estimate: RunEstimate | null;
  /** True where no stored run can tell, and no probe was asked for or has finished. */
  needsProbe: boolean;
  /** The machine the estimate is for. */
  machine: EstimateMachine;
  /** Why a probe asked for gave no figure. */
  probeError?: string;
}

export interface StoredRunEstimate extends EstimateAnswer {
  /** Start to finish, seconds; null until the run has finished. */
  actualSeconds: number | null;
  /** (estimate − actual) / actual. */
  error: number | null;
}
