import type { Store } from '../store/store.js';
import type { RunConfig } from '../vit/config.js';
import { actualSeconds, estimateError, estimateQueue, estimateRun, knowsSimilar } from './estimate.js';
import type { EstimateAnswer, EstimateMachine, QueueEstimate, StoredRunEstimate } from './estimate-types.js';
import { thisMachine, ThroughputHistory, ThroughputProbe } from './throughput.js';

/**
 * One per store: its history (re-read when runs finish) and this process's probes. Either backend:
 * on a shared store the history is the runs trained on this machine (by an agent here) and the
 * probes run here, so every answer says which machine it is for (`machine`).
 */
export class Estimator {
  private readonly history: ThroughputHistory;
  private readonly prober: ThroughputProbe;
  private readonly machine: EstimateMachine;

  constructor(
    private readonly store: Store,
    opts: { dataDir?: string; trainsHere?: boolean } = {},
  ) {
    this.history = new ThroughputHistory(store);
    this.prober = new ThroughputProbe(opts);
    this.machine = { ...thisMachine(), trainsHere: opts.trainsHere ?? true };
  }

  private async samples() {
    return [...(await this.history.get()), ...this.prober.samples()];
  }

  /** The estimate from what is known; with `probe`, measures first where no config of similar size is known. */
  async forConfig(config: RunConfig, opts: { probe?: boolean } = {}): Promise<EstimateAnswer> {
    let samples = await this.samples();
    let probeError: string | undefined;
    if (!knowsSimilar(config, samples) && opts.probe) {
      try {
        await this.prober.probe(config);
      } catch (e) {
        probeError = e instanceof Error ? e.message : String(e);
      }
      samples = await this.samples();
    }
    const estimate = estimateRun(config, samples);
    return { estimate, needsProbe: !knowsSimilar(config, samples) && !probeError, machine: this.machine, ...(probeError ? { probeError } : {}) };
  }

  /** What the estimate was when a stored run started (only what finished before it), beside its actual time. */
  async forStoredRun(id: string): Promise<StoredRunEstimate> {
    const run = await this.store.get(id);
    const samples = (await this.samples()).filter((s) => s.runId !== id);
    const estimate = estimateRun(run.config, samples, { before: run.startedAt ?? undefined });
    const actual = run.status === 'completed' ? actualSeconds(run) : null;
    return { estimate, needsProbe: false, machine: this.machine, actualSeconds: actual, error: estimate && actual ? estimateError(estimate.seconds, actual) : null };
  }

  /** Runs in queue order; with `probe`, measures the first config that has nothing of similar size. */
  async forQueue(configs: readonly RunConfig[], opts: { probe?: boolean } = {}): Promise<QueueEstimate & { needsProbe: boolean; machine: EstimateMachine; probeError?: string }> {
    let probeError: string | undefined;
    if (opts.probe) {
      const known = await this.samples();
      const unknown = configs.find((c) => !knowsSimilar(c, known));
      if (unknown) {
        try {
          await this.prober.probe(unknown);
        } catch (e) {
          probeError = e instanceof Error ? e.message : String(e);
        }
      }
    }
    const samples = await this.samples();
    const q = estimateQueue(configs, samples);
    return { ...q, needsProbe: configs.some((c) => !knowsSimilar(c, samples)) && !probeError, machine: this.machine, ...(probeError ? { probeError } : {}) };
  }
}

const perStore = new WeakMap<Store, Estimator>();

/**
 * The estimator of a store (made on first use), so every transport shares one set of probes.
 * `trainsHere`: false where this process trains none of the store's runs (serve on a shared
 * store, whose agents train them elsewhere); the answers then say the figures are this machine's.
 */
export function estimatorFor(store: Store, opts: { trainsHere: boolean }): Estimator {
  let e = perStore.get(store);
  if (!e) {
    e = new Estimator(store, opts);
    perStore.set(store, e);
  }
  return e;
}
