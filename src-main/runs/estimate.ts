import { DATASET_REGISTRY } from '../data/datasets.js';
import type { RunDetail } from '../store/types.js';
import type { RunConfig } from '../vit/config.js';
import { estimateMemory } from '../vit/memory.js';
import { computeCost } from '../vit/cost.js';
import type { ActualBackend, QueueEstimate, RunEstimate, ThroughputSample } from './estimate-types.js';

export type { ActualBackend, QueueEstimate, RunEstimate, ThroughputSample };

/**
 * What a run will cost on this machine before it starts: wall time from the throughput this
 * machine measured before, and the training memory from the config's own estimate. Pure: the
 * caller brings the samples (stored runs, or a probe) and gets numbers back.
 *
 * The model of a run's wall time: startup (worker, tfjs, data) + epochs × (train + evaluation).
 * Training throughput is carried from one config to another as MACs per second: samples/s ×
 * MACs per image (forward, the repo's cost convention; a training step does about three times
 * that), which holds for configs of similar size; small models lose more to per-step overhead,
 * so only the stored runs within a factor SIMILAR in MACs per image are used (at most NEAREST,
 * nearest first, their median rate), or the single nearest where none is that close.
 * Evaluation is carried the same way with its own rate.
 */



/** How many stored runs, nearest in MACs per image, the throughput is taken from. */
export const NEAREST = 5;
/** Stored runs count as similar within this factor of MACs per image. */
export const SIMILAR = 4;
/** Startup when no sample knows it: measured ≈ 4–8 s for worker + tfjs wasm + Fashion-MNIST on 2 cores. */
const DEFAULT_STARTUP_SECONDS = 6;

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** A run's peak memory: the worker process's, from the one memory estimate (vit/memory.ts). */
export function peakTrainingBytes(c: RunConfig): number {
  return estimateMemory(c).processBytes;
}

/** How many training and test samples a config's epoch sees (limits of 0 mean the whole split). */
export function splitSizes(c: Pick<RunConfig, 'dataset' | 'limitTrain' | 'limitTest'>): { trainCount: number; testCount: number } {
  const spec = DATASET_REGISTRY[c.dataset];
  const cap = (limit: number, n: number) => (limit > 0 ? Math.min(limit, n) : n);
  return { trainCount: cap(c.limitTrain, spec.trainCount), testCount: cap(c.limitTest, spec.testCount) };
}

/** The forward MACs of one image, as the cost model counts them. */
export function macsPerImage(c: RunConfig): number {
  return computeCost(c, 1).macs.perImage;
}

/** A completed run's throughput, or null where it has none to give (no epochs, no backend). */
export function sampleFromRun(run: RunDetail): ThroughputSample | null {
  if (run.status !== 'completed' || !run.backend || !run.finishedAt || run.epochs.length === 0) return null;
  const { trainCount, testCount } = splitSizes(run.config);
  const rates = run.epochs.map((e) => e.samplesPerSec).filter((r) => Number.isFinite(r) && r > 0);
  if (rates.length === 0) return null;
  const evalRates = run.epochs
    .map((e) => e.seconds - (e.samplesPerSec > 0 ? trainCount / e.samplesPerSec : Infinity))
    .filter((s) => Number.isFinite(s) && s > 0.01)
    .map((s) => testCount / s);
  let startup: number | null = null;
  if (run.startedAt) {
    const wall = (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000;
    const inEpochs = run.epochs.reduce((a, e) => a + e.seconds, 0);
    // A resumed run's startedAt/finishedAt span more than its epochs: only a plausible remainder counts.
    if (Number.isFinite(wall) && wall >= inEpochs && wall - inEpochs < 600) startup = wall - inEpochs;
  }
  return {
    source: 'run',
    runId: run.id,
    backend: run.backend,
    macsPerImage: run.macsPerImage,
    batch: run.config.batch,
    trainSamplesPerSec: median(rates),
    evalSamplesPerSec: evalRates.length ? median(evalRates) : null,
    startupSeconds: startup,
    at: run.finishedAt,
  };
}

/** The backend an estimate is for: a forced one as asked, `auto` as it ran most recently here. */
export function backendFor(config: Pick<RunConfig, 'backend'>, samples: readonly ThroughputSample[]): ActualBackend | null {
  if (config.backend !== 'auto') return config.backend;
  const latest = [...samples].sort((a, b) => b.at.localeCompare(a.at))[0];
  return latest?.backend ?? null;
}

/**
 * The samples an estimate of `config` rests on: on its backend, those within a factor SIMILAR in
 * MACs per image (at most NEAREST, nearest first), else only the single nearest; `similar` says
 * which. A far smaller model's rate is mostly per-step overhead: carried to the seed model, a
 * tiny probe's rate said 8 samples/s where a probe of the seed model itself said 27 (same load).
 */
export function basisFor(config: RunConfig, samples: readonly ThroughputSample[]): { backend: ActualBackend; nearest: ThroughputSample[]; similar: boolean; probes: number } | null {
  const backend = backendFor(config, samples);
  if (!backend) return null;
  const mine = samples.filter((s) => s.backend === backend);
  if (mine.length === 0) return null;
  const macs = macsPerImage(config);
  const distance = (s: ThroughputSample) => Math.abs(Math.log(s.macsPerImage / macs)) + 0.1 * Math.abs(Math.log(s.batch / config.batch));
  const sorted = [...mine].sort((a, b) => distance(a) - distance(b) || b.at.localeCompare(a.at));
  const near = sorted.filter((s) => distance(s) <= Math.log(SIMILAR));
  const nearest = (near.length ? near : sorted.slice(0, 1)).slice(0, NEAREST);
  return { backend, nearest, similar: near.length > 0, probes: nearest.filter((s) => s.source === 'probe').length };
}

/** Whether `config` has a measured config of similar size on its backend (else a probe is worth it). */
export function knowsSimilar(config: RunConfig, samples: readonly ThroughputSample[]): boolean {
  return basisFor(config, samples)?.similar ?? false;
}

/**
 * The estimate for `config` from `samples`, or null where none is on its backend (then a probe is
 * needed). `before` (ISO time) keeps only samples measured before it: what the estimate was when
 * a stored run started, shown beside its actual time.
 */
export function estimateRun(config: RunConfig, samples: readonly ThroughputSample[], opts: { before?: string } = {}): RunEstimate | null {
  const usable = samples.filter((s) => !opts.before || s.at < opts.before);
  const basis = basisFor(config, usable);
  if (!basis) return null;
  const { backend, nearest, probes } = basis;
  const macs = macsPerImage(config);
  const trainMacRate = median(nearest.map((s) => s.trainSamplesPerSec * s.macsPerImage));
  const evalRates = nearest.filter((s) => s.evalSamplesPerSec !== null).map((s) => s.evalSamplesPerSec! * s.macsPerImage);
  // Without a measured evaluation: forward only, about a third of a training step's work.
  const evalMacRate = evalRates.length ? median(evalRates) : 3 * trainMacRate;
  const startups = usable.filter((s) => s.backend === backend).map((s) => s.startupSeconds).filter((s): s is number => s !== null);
  const startupSeconds = startups.length ? median(startups) : DEFAULT_STARTUP_SECONDS;
  const { trainCount, testCount } = splitSizes(config);
  const trainSamplesPerSec = trainMacRate / macs;
  const epochSeconds = trainCount / trainSamplesPerSec + (testCount * macs) / evalMacRate;
  return {
    seconds: startupSeconds + config.epochs * epochSeconds,
    startupSeconds,
    epochSeconds,
    epochs: config.epochs,
    trainSamplesPerSec,
    trainCount,
    testCount,
    backend,
    peakBytes: peakTrainingBytes(config),
    basis: {
      kind: probes === nearest.length ? 'probe' : 'history',
      samples: nearest.length,
      probes,
      runIds: nearest.map((s) => s.runId),
      macsRange: [Math.min(...nearest.map((s) => s.macsPerImage)), Math.max(...nearest.map((s) => s.macsPerImage))],
    },
  };
}


/**
 * Several runs queued in this order (a sweep). The queue runs them one after another by default;
 * with more at a time they share the same cores, so the total stays about the sum.
 */
export function estimateQueue(configs: readonly RunConfig[], samples: readonly ThroughputSample[]): QueueEstimate {
  const runs = configs.map((c, index) => ({ index, estimate: estimateRun(c, samples) }));
  const totalSeconds = runs.every((r) => r.estimate) ? runs.reduce((a, r) => a + r.estimate!.seconds, 0) : null;
  return { runs, totalSeconds };
}

/** Estimated vs actual wall time of a finished run, as a signed relative error (0.1 = 10 % over). */
export function estimateError(estimateSeconds: number, actualSeconds: number): number {
  return (estimateSeconds - actualSeconds) / actualSeconds;
}

/** A stored run's actual wall time (start to finish), or null while it has none. */
export function actualSeconds(run: Pick<RunDetail, 'startedAt' | 'finishedAt'>): number | null {
  if (!run.startedAt || !run.finishedAt) return null;
  const s = (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000;
  return Number.isFinite(s) && s >= 0 ? s : null;
}
