import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startWorker } from '../train/launch.js';
import type { Store } from '../store/store.js';
import type { RunDetail } from '../store/types.js';
import type { RunConfig } from '../vit/config.js';
import { macsPerImage, sampleFromRun, splitSizes, type ThroughputSample } from './estimate.js';

/**
 * Where an estimate's throughput comes from: the completed runs of this machine in the store,
 * or, where there are none on the backend, a short probe (a few real training batches in a
 * worker, nothing stored). The pure arithmetic is in estimate.ts.
 */

/** How many recent completed runs are read for their throughput. */
const HISTORY_RUNS = 200;
/** Batches a probe trains: enough to see past tfjs's first slow steps (≈ 2–3 batches). */
const PROBE_BATCHES = 12;

/** The machine this process estimates for: its history is the runs trained here, its probes run here. */
export function thisMachine(): { hostname: string; cpus: number } {
  return { hostname: os.hostname(), cpus: os.cpus().length };
}

function sameMachine(run: RunDetail): boolean {
  // Runs from another machine (a shared store's agents, an imported database) say nothing about this one.
  const here = thisMachine();
  return !run.machine || (run.machine.hostname === here.hostname && run.machine.cpus === here.cpus);
}

/** Reads the store's completed runs once per change (the list's newest finish and count); either backend. */
export class ThroughputHistory {
  private key = '';
  private samples: ThroughputSample[] = [];

  constructor(private readonly store: Store) {}

  async get(): Promise<ThroughputSample[]> {
    const latest = await this.store.list({ status: 'completed', sort: 'finishedAt', dir: 'desc', limit: HISTORY_RUNS });
    const key = `${latest.total}:${latest.rows[0]?.id ?? ''}:${latest.rows[0]?.finishedAt ?? ''}`;
    if (key !== this.key) {
      const runs = await Promise.all(latest.rows.map((r) => this.store.get(r.id)));
      this.samples = runs
        .filter(sameMachine)
        .map(sampleFromRun)
        .filter((s): s is ThroughputSample => s !== null);
      this.key = key;
    }
    return this.samples;
  }
}

/**
 * Measures a config's throughput with PROBE_BATCHES real training steps in a worker (Fashion-MNIST,
 * the config's backend), once per (backend, MACs, batch): results are kept for the process's life.
 */
export class ThroughputProbe {
  private readonly done = new Map<string, ThroughputSample>();
  private readonly running = new Map<string, Promise<ThroughputSample>>();

  constructor(private readonly opts: { dataDir?: string } = {}) {}

  private keyOf(config: RunConfig): string {
    return `${config.backend}:${macsPerImage(config)}:${config.batch}`;
  }

  /** Probe results so far, as samples. */
  samples(): ThroughputSample[] {
    return [...this.done.values()];
  }

  has(config: RunConfig): boolean {
    return this.done.has(this.keyOf(config));
  }

  probe(config: RunConfig): Promise<ThroughputSample> {
    const key = this.keyOf(config);
    const known = this.done.get(key);
    if (known) return Promise.resolve(known);
    let p = this.running.get(key);
    if (!p) {
      p = this.measure(config).then(
        (s) => {
          this.done.set(key, s);
          this.running.delete(key);
          return s;
        },
        (e: unknown) => {
          this.running.delete(key);
          throw e;
        },
      );
      this.running.set(key, p);
    }
    return p;
  }

  private async measure(config: RunConfig): Promise<ThroughputSample> {
    const { trainCount, testCount } = splitSizes({ ...config, limitTrain: 0, limitTest: 0 });
    const probeConfig: RunConfig = { ...config, epochs: 1, limitTrain: Math.min(trainCount, config.batch * PROBE_BATCHES), limitTest: Math.min(testCount, 1000) };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-probe-'));
    const t0 = performance.now();
    let startup: number | null = null;
    let backend: ThroughputSample['backend'] | null = null;
    // Progress arrives every ≈ 200 ms with the batches done: the rate between the first message
    // past batch 3 and the last leaves out tfjs's slow first steps.
    let first: { batch: number; t: number } | null = null;
    let last: { batch: number; t: number } | null = null;
    let epoch: { samplesPerSec: number; seconds: number } | null = null;
    let failure: string | null = null;
    const h = startWorker({ type: 'start', runId: 'probe', config: probeConfig, checkpointDir: dir, dataDir: this.opts.dataDir }, (m) => {
      const now = performance.now();
      if (m.type === 'started') {
        startup = (now - t0) / 1000;
        backend = m.env.backend;
      } else if (m.type === 'progress') {
        if (m.progress.batch >= 3 && !first) first = { batch: m.progress.batch, t: now };
        else if (first) last = { batch: m.progress.batch, t: now };
      } else if (m.type === 'epoch') {
        epoch = { samplesPerSec: m.metrics.samplesPerSec, seconds: m.metrics.seconds };
      } else if (m.type === 'failed') {
        failure = m.error;
      }
    });
    const outcome = await h.done;
    fs.rmSync(dir, { recursive: true, force: true });
    if (failure || outcome.status !== 'completed' || !backend || !epoch) {
      throw new Error(`the throughput probe failed: ${failure ?? outcome.error ?? outcome.status}`);
    }
    const f = first as { batch: number; t: number } | null;
    const l = last as { batch: number; t: number } | null;
    const e = epoch as { samplesPerSec: number; seconds: number };
    const windowed = f && l && l.batch > f.batch ? ((l.batch - f.batch) * config.batch) / ((l.t - f.t) / 1000) : null;
    const trainSamplesPerSec = windowed ?? e.samplesPerSec;
    const trainSeconds = probeConfig.limitTrain / e.samplesPerSec;
    const evalSeconds = e.seconds - trainSeconds;
    return {
      source: 'probe',
      runId: `probe ${backend} ${config.dim}×${config.depth}`,
      backend,
      macsPerImage: macsPerImage(config),
      batch: config.batch,
      trainSamplesPerSec,
      evalSamplesPerSec: evalSeconds > 0.01 ? probeConfig.limitTest / evalSeconds : null,
      startupSeconds: startup,
      at: new Date().toISOString(),
    };
  }
}
