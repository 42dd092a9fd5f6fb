import { describe, expect, it } from 'vitest';
import { actualSeconds, backendFor, estimateError, estimateQueue, estimateRun, knowsSimilar, macsPerImage, peakTrainingBytes, sampleFromRun, SIMILAR, splitSizes, type ThroughputSample } from '../../src-main/runs/estimate.js';
import type { RunDetail } from '../../src-main/store/types.js';
import { PRESETS, SEED_CONFIG, type RunConfig } from '../../src-main/vit/config.js';

const seed = SEED_CONFIG;
const tiny = PRESETS.tiny.config;

/** A stored completed run as the store returns it: the fields the estimate reads. */
function storedRun(config: RunConfig, o: { sps: number; evalSeconds: number; startup: number; finishedAt: string; backend?: 'wasm' | 'cpu' }): RunDetail {
  const { trainCount } = splitSizes(config);
  const epochSeconds = trainCount / o.sps + o.evalSeconds;
  const finished = Date.parse(o.finishedAt);
  const started = finished - (o.startup + config.epochs * epochSeconds) * 1000;
  return {
    id: `run-${o.finishedAt}`,
    name: 'r',
    status: 'completed',
    config,
    params: 0,
    macsPerImage: macsPerImage(config),
    macsPerBatch: 0,
    testAcc: 0.8,
    testLoss: 0.5,
    epochsDone: config.epochs,
    backend: o.backend ?? 'wasm',
    createdAt: new Date(started - 1000).toISOString(),
    startedAt: new Date(started).toISOString(),
    finishedAt: o.finishedAt,
    heartbeatAt: null,
    error: null,
    notes: '',
    tags: [],
    sweepId: null,
    priority: 0,
    checkpointPath: null,
    agent: null,
    versions: null,
    machine: null,
    epochs: Array.from({ length: config.epochs }, (_, i) => ({ epoch: i + 1, trainLoss: 1, trainAcc: 0.5, testLoss: 1, testAcc: 0.5, seconds: epochSeconds, samplesPerSec: o.sps, lr: 1e-3 })),
    perClass: [],
    confusion: null,
    cost: null,
    artifacts: [],
  };
}

describe('cost of a run before it starts', () => {
  it('reads a stored run back into its throughput, evaluation rate and startup', () => {
    const s = sampleFromRun(storedRun({ ...seed, epochs: 2 }, { sps: 200, evalSeconds: 8, startup: 5, finishedAt: '2026-12-01T10:00:00.000Z' }))!;
    expect(s.trainSamplesPerSec).toBe(200);
    expect(s.evalSamplesPerSec).toBeCloseTo(10_000 / 8, 6);
    expect(s.startupSeconds).toBeCloseTo(5, 3);
    expect(s.backend).toBe('wasm');
    expect(sampleFromRun({ ...storedRun(seed, { sps: 200, evalSeconds: 8, startup: 5, finishedAt: '2026-12-01T10:00:00.000Z' }), status: 'failed' })).toBeNull();
  });

  it('gives back a stored run its own wall time, and scales the training rate with MACs per image', () => {
    const run = storedRun({ ...seed, epochs: 3 }, { sps: 200, evalSeconds: 8, startup: 5, finishedAt: '2026-12-01T10:00:00.000Z' });
    const samples = [sampleFromRun(run)!];
    const same = estimateRun(run.config, samples)!;
    expect(same.seconds).toBeCloseTo(actualSeconds(run)!, 3);
    expect(same.epochSeconds).toBeCloseTo(60_000 / 200 + 8, 6);
    expect(same.basis).toMatchObject({ kind: 'history', samples: 1 });
    // Twice the MACs per image (dim 64 → mlp 768 is not exactly 2×: compare against the ratio).
    const bigger = { ...seed, mlp: 768 };
    const ratio = macsPerImage(bigger) / macsPerImage(seed);
    expect(estimateRun(bigger, samples)!.trainSamplesPerSec).toBeCloseTo(200 / ratio, 6);
    // Limits and epochs count: a tenth of the data for one epoch.
    const short = estimateRun({ ...seed, epochs: 1, limitTrain: 6000, limitTest: 1000 }, samples)!;
    expect(short.seconds).toBeCloseTo(5 + 6000 / 200 + 0.8, 6);
    expect(short.peakBytes).toBe(peakTrainingBytes(seed));
    expect(peakTrainingBytes({ ...seed, batch: 200 })).toBeGreaterThan(peakTrainingBytes(seed));
  });

  it('takes the nearest stored runs in MACs, on the backend auto picked last, and only those finished before', () => {
    const samples: ThroughputSample[] = [
      sampleFromRun(storedRun(tiny, { sps: 3000, evalSeconds: 1, startup: 4, finishedAt: '2026-12-01T09:00:00.000Z' }))!,
      sampleFromRun(storedRun(seed, { sps: 200, evalSeconds: 8, startup: 6, finishedAt: '2026-12-01T09:30:00.000Z' }))!,
      sampleFromRun(storedRun(seed, { sps: 20, evalSeconds: 80, startup: 6, finishedAt: '2026-12-01T10:00:00.000Z', backend: 'cpu' }))!,
    ];
    // auto ran on cpu last; a forced wasm config uses the wasm runs.
    expect(backendFor(seed, samples)).toBe('cpu');
    expect(estimateRun(seed, samples)!.trainSamplesPerSec).toBeCloseTo(20, 6);
    const wasm = estimateRun({ ...seed, backend: 'wasm' }, samples)!;
    expect(wasm.backend).toBe('wasm');
    // tiny is ~58× smaller: its rate is not carried to the seed model, the seed run's is.
    expect(macsPerImage(seed) / macsPerImage(tiny)).toBeGreaterThan(SIMILAR);
    expect(wasm.trainSamplesPerSec).toBeCloseTo(200, 6);
    expect(wasm.basis.runIds).toEqual([samples[1].runId]);
    // Only tiny known: the seed model gets tiny's scaled rate, but says a probe of its own is worth it.
    expect(knowsSimilar({ ...seed, backend: 'wasm' }, [samples[0]])).toBe(false);
    expect(estimateRun({ ...seed, backend: 'wasm' }, [samples[0]])!.basis).toMatchObject({ samples: 1, probes: 0, kind: 'history' });
    expect(knowsSimilar({ ...seed, backend: 'wasm' }, samples)).toBe(true);
    // A similar config beside it: the median (here the mean) of the two MAC rates.
    const near = { ...seed, mlp: 320 };
    const both = [...samples, sampleFromRun(storedRun(near, { sps: 150, evalSeconds: 8, startup: 6, finishedAt: '2026-12-01T09:40:00.000Z' }))!];
    const rates = [200 * macsPerImage(seed), 150 * macsPerImage(near)];
    expect(estimateRun({ ...seed, backend: 'wasm' }, both)!.trainSamplesPerSec).toBeCloseTo((rates[0] + rates[1]) / 2 / macsPerImage(seed), 3);
    // Before the seed runs finished, only tiny was known.
    const early = estimateRun({ ...seed, backend: 'wasm' }, samples, { before: '2026-12-01T09:10:00.000Z' })!;
    expect(early.basis.runIds).toEqual([samples[0].runId]);
    expect(estimateRun(seed, samples, { before: '2026-12-01T08:00:00.000Z' })).toBeNull();
    expect(estimateRun({ ...seed, backend: 'tensorflow' }, samples)).toBeNull();
  });

  it('a queue adds its runs up in order, and has no total while one is unknown', () => {
    const samples = [sampleFromRun(storedRun(seed, { sps: 200, evalSeconds: 8, startup: 5, finishedAt: '2026-12-01T10:00:00.000Z' }))!];
    const q = estimateQueue([{ ...seed, epochs: 1 }, { ...seed, epochs: 2 }], samples);
    expect(q.runs.map((r) => r.index)).toEqual([0, 1]);
    expect(q.totalSeconds).toBeCloseTo(q.runs[0].estimate!.seconds + q.runs[1].estimate!.seconds, 6);
    expect(estimateQueue([seed, { ...seed, backend: 'cpu' }], samples).totalSeconds).toBeNull();
    expect(estimateError(110, 100)).toBeCloseTo(0.1, 9);
  });
});
