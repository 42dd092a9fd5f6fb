import type { RunStore } from '../store/runs.js';
import type { RunConfig } from '../vit/config.js';
import { actualSeconds, estimateError, estimateQueue, estimateRun, knowsSimilar } from './estimate.js';
import type { EstimateAnswer, QueueEstimate, StoredRunEstimate } from './estimate-types.js';
import { ThroughputHistory, ThroughputProbe } from './throughput.js';



/** One per store: its history (re-read when runs finish) and this process's probes. */
export class Estimator {
  private readonly history: ThroughputHistory;
  private readonly prober: ThroughputProbe;

  constructor(
    private readonly store: RunStore,
    opts: { dataDir?: string } = {},
  ) {
    this.history = new ThroughputHistory(store);
    this.prober = new ThroughputProbe(opts);
  }

  private samples() {
    return [...this.history.get(), ...this.prober.samples()];
  }

  /** The estimate from what is known; with `probe`, measures first where no config of similar size is known. */
  async forConfig(config: RunConfig, opts: { probe?: boolean } = {}): Promise<EstimateAnswer> {
    let samples = this.samples();
    let probeError: string | undefined;
    if (!knowsSimilar(config, samples) && opts.probe) {
      try {
        await this.prober.probe(config);
      } catch (e) {
        probeError = e instanceof Error ? e.message : String(e);
      }
      samples = this.samples();
    }
    const estimate = estimateRun(config, samples);
    return { estimate, needsProbe: !knowsSimilar(config, samples) && !probeError, ...(probeError ? { probeError } : {}) };
  }

  /** What the estimate was when a stored run started (only what finished before it), beside its actual time. */
  forStoredRun(id: string): StoredRunEstimate {
    const run = this.store.get(id);
    const samples = this.samples().filter((s) => s.runId !== id);
    const estimate = estimateRun(run.config, samples, { before: run.startedAt ?? undefined });
    const actual = run.status === 'completed' ? actualSeconds(run) : null;
    return { estimate, needsProbe: false, actualSeconds: actual, error: estimate && actual ? estimateError(estimate.seconds, actual) : null };
  }

  /** Runs in queue order; with `probe`, measures the first config that has nothing of similar size. */
  async forQueue(configs: readonly RunConfig[], opts: { probe?: boolean } = {}): Promise<QueueEstimate & { needsProbe: boolean; probeError?: string }> {
    let probeError: string | undefined;
    if (opts.probe) {
      const unknown = configs.find((c) => !knowsSimilar(c, this.samples()));
      if (unknown) {
        try {
          await this.prober.probe(unknown);
        } catch (e) {
          probeError = e instanceof Error ? e.message : String(e);
        }
      }
    }
    const q = estimateQueue(configs, this.samples());
    return { ...q, needsProbe: configs.some((c) => !knowsSimilar(c, this.samples())) && !probeError, ...(probeError ? { probeError } : {}) };
  }
}

const perStore = new WeakMap<RunStore, Estimator>();

/** The estimator of a store (made on first use), so every transport shares one set of probes. */
export function estimatorFor(store: RunStore): Estimator {
  let e = perStore.get(store);
  if (!e) {
    e = new Estimator(store);
    perStore.set(store, e);
  }
  return e;
}
