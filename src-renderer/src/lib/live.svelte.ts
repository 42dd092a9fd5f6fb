import { api, call } from './api';
import type { ApiEvent, EpochLike, ProgressInfo, RunConfig, RunStatus, RunSummary, StepCurve } from './types';
import { debounce } from './util';
import { isActive, isFinished, isResumable } from '../../../src-shared/run-status';

/**
 * Runs that are queued or running, kept current from events: progress per batch, metrics per
 * epoch, status changes. Runs that finish while the app is open stay listed as "recently
 * finished" until the page reloads. One instance for the whole app (sidebar count, live view,
 * run detail).
 */
export interface LiveRun {
  id: string;
  name: string;
  status: RunStatus;
  config: RunConfig | null;
  progress: ProgressInfo | null;
  epochs: EpochLike[];
  /** Per-step training curve, live from the first batches (run/step events). */
  steps: StepCurve;
  error: string | null;
  createdAt: string | null;
  startedAt: string | null;
  /** When this page saw it finish (ms), for the recently-finished list. */
  finishedSeen: number | null;
}

export { isActive, isResumable as canResume };

type Listener = (e: ApiEvent) => void;

class LiveRuns {
  runs = $state<Record<string, LiveRun>>({});
  loaded = $state(false);
  error = $state<string | null>(null);

  readonly active = $derived(
    Object.values(this.runs)
      .filter((r) => isActive(r.status))
      .sort((a, b) => (a.status === b.status ? (a.createdAt ?? '').localeCompare(b.createdAt ?? '') : a.status === 'running' ? -1 : 1)),
  );
  readonly running = $derived(this.active.filter((r) => r.status === 'running'));
  readonly queued = $derived(this.active.filter((r) => r.status === 'queued'));
  readonly finished = $derived(
    Object.values(this.runs)
      .filter((r) => isFinished(r.status))
      .sort((a, b) => (b.finishedSeen ?? 0) - (a.finishedSeen ?? 0)),
  );
  readonly count = $derived(this.active.length);

  private readonly subscribers = new Set<Listener>();
  private started = false;
  private readonly scheduleRefresh = debounce(() => void this.refresh(), 400);

  /** Loads the active runs once and follows events from then on. */
  start(): void {
    if (this.started) return;
    this.started = true;
    api.onEvent((e) => this.onEvent(e));
    void this.refresh();
  }

  /** Events, after this store has applied them (views that also want raw events). */
  subscribe(l: Listener): () => void {
    this.subscribers.add(l);
    return () => this.subscribers.delete(l);
  }

  private fromSummary(s: RunSummary, prev?: LiveRun): LiveRun {
    return {
      id: s.id,
      name: s.name,
      status: s.status,
      config: s.config,
      progress: isActive(s.status) ? (prev?.progress ?? null) : null,
      epochs: prev?.epochs ?? [],
      steps: prev?.steps ?? { x: [], loss: [], acc: [] },
      error: s.error,
      createdAt: s.createdAt,
      startedAt: s.startedAt,
      finishedSeen: isFinished(s.status) ? (prev?.finishedSeen ?? Date.now()) : null,
    };
  }

  async refresh(): Promise<void> {
    try {
      const r = await call('runs/list', { status: ['running', 'queued'], sort: 'createdAt', dir: 'asc', limit: 1000 });
      const next: Record<string, LiveRun> = {};
      const seen = new Set<string>();
      for (const s of r.rows) {
        seen.add(s.id);
        next[s.id] = this.fromSummary(s, this.runs[s.id]);
      }
      // Runs we showed as active that are no longer: look up how they ended.
      const gone = Object.values(this.runs).filter((x) => !seen.has(x.id));
      for (const g of gone) {
        if (isFinished(g.status)) {
          next[g.id] = g;
          continue;
        }
        try {
          const d = await call('runs/get', { id: g.id });
          next[g.id] = this.fromSummary(d, g);
        } catch {
          // Deleted meanwhile: drop it.
        }
      }
      // Epoch curves of running runs that we have not seen from events (opened mid-run).
      const needEpochs = Object.values(next).filter((x) => x.status === 'running' && x.epochs.length === 0);
      this.runs = next;
      this.loaded = true;
      this.error = null;
      for (const x of needEpochs) void this.loadEpochs(x.id);
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    }
  }

  private async loadEpochs(id: string): Promise<void> {
    try {
      const [d, steps] = await Promise.all([call('runs/get', { id }), call('runs/steps', { ids: [id] })]);
      const cur = this.runs[id];
      if (!cur) return;
      // Points stored before this page opened, then those events delivered meanwhile.
      const stored = steps[id];
      if (stored && stored.x.length) {
        const last = stored.x.at(-1)!;
        const i = cur.steps.x.findIndex((x) => x > last);
        const tail = i < 0 ? 0 : cur.steps.x.length - i;
        cur.steps = {
          x: [...stored.x, ...cur.steps.x.slice(cur.steps.x.length - tail)],
          loss: [...stored.loss, ...cur.steps.loss.slice(cur.steps.loss.length - tail)],
          acc: [...stored.acc, ...cur.steps.acc.slice(cur.steps.acc.length - tail)],
        };
      }
      // Keep epochs that events delivered meanwhile.
      const byEpoch = new Map<number, EpochLike>();
      for (const e of d.epochs) byEpoch.set(e.epoch, e);
      for (const e of cur.epochs) byEpoch.set(e.epoch, e);
      cur.epochs = [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
    } catch {
      // A run deleted meanwhile.
    }
  }

  private onEvent(e: ApiEvent): void {
    switch (e.type) {
      case 'run/progress': {
        const r = this.runs[e.runId];
        if (!r) {
          this.scheduleRefresh();
          break;
        }
        r.progress = e.progress;
        if (r.status === 'queued') r.status = 'running';
        break;
      }
      case 'run/epoch': {
        const r = this.runs[e.runId];
        if (!r) {
          this.scheduleRefresh();
          break;
        }
        const m = e.metrics;
        const rec: EpochLike = { epoch: m.epoch, trainLoss: m.trainLoss, trainAcc: m.trainAcc, testLoss: m.testLoss, testAcc: m.testAcc };
        r.epochs = [...r.epochs.filter((x) => x.epoch !== m.epoch), rec].sort((a, b) => a.epoch - b.epoch);
        break;
      }
      case 'run/step': {
        const r = this.runs[e.runId];
        if (!r) {
          this.scheduleRefresh();
          break;
        }
        const x = e.point.epoch - 1 + e.point.at;
        // A resumed run trains its last epoch again: its curve restarts there.
        const keep = r.steps.x.findIndex((v) => v >= x);
        const cut = keep < 0 ? r.steps.x.length : keep;
        r.steps = { x: [...r.steps.x.slice(0, cut), x], loss: [...r.steps.loss.slice(0, cut), e.point.loss], acc: [...r.steps.acc.slice(0, cut), e.point.acc] };
        if (r.status === 'queued') r.status = 'running';
        break;
      }
      case 'run/status': {
        const r = this.runs[e.runId];
        if (!r) {
          if (isActive(e.status)) this.scheduleRefresh();
          break;
        }
        r.status = e.status;
        if (e.error) r.error = e.error;
        if (isFinished(e.status)) {
          r.finishedSeen = Date.now();
          r.progress = null;
        } else if (e.status === 'running' && r.epochs.length === 0) {
          void this.loadEpochs(r.id);
        }
        break;
      }
      case 'runs/changed':
        this.scheduleRefresh();
        break;
    }
    for (const l of this.subscribers) l(e);
  }

  /** Forgets the recently finished runs (the live view's "clear"). */
  clearFinished(): void {
    const next: Record<string, LiveRun> = {};
    for (const r of Object.values(this.runs)) if (isActive(r.status)) next[r.id] = r;
    this.runs = next;
  }
}

export const live = new LiveRuns();
