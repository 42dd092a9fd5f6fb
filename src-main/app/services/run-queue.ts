import { DomainError } from '../../../src-shared/errors.js';
import { isResumable } from '../../../src-shared/run-status.js';
import { admitRun, type AdmissionContext } from '../../runs/admission.js';
import { Conflict, NotFound, type Supervisor } from '../../runs/supervisor.js';
import { defaultSweepName, sweepRunName, type SweepGrid, type SweepPlan } from '../../runs/sweep.js';
import { requeueToStoredCheckpoint } from '../../store/checkpoint-blobs.js';
import type { Store } from '../../store/store.js';
import type { RunStatus } from '../../store/types.js';
import type { RunConfig } from '../../vit/config.js';
import { deleteRuns } from './runs.js';

export interface RunMeta {
  name?: string;
  tags?: string[];
  notes?: string;
}

/**
 * Where the dashboard's writes go: this process's supervisor (a SQLite store; it trains what it
 * queues), or a shared store that `vitlab agent` processes drain (serve on PostgreSQL: the runs
 * are only written here, the agent that claims one trains it). The requests call the same methods
 * either way, so queueing is planned once (app/services/runs.ts, sweeps/start).
 */
export interface RunQueue {
  /** What admission checks for runs queued here (runs/admission.ts). */
  readonly admission: AdmissionContext;
  enqueue(config: RunConfig, meta: RunMeta): Promise<string>;
  /** A planned sweep's runs under a new sweep row; each is admitted again before it is written. */
  queueSweep(plan: Pick<SweepPlan, 'runs'>, meta: { name?: string; grid: SweepGrid; base: RunConfig }): Promise<{ sweepId: string; runIds: string[] }>;
  /** A queued run is cancelled at once; a running one is stopped by whoever trains it. Returns its status now. */
  cancel(id: string): Promise<RunStatus>;
  /** An interrupted, failed or cancelled run back in the queue, to continue from its last checkpoint. */
  resume(id: string): Promise<void>;
  update(id: string, patch: RunMeta): Promise<void>;
  /** Deletes runs; a list naming an unknown or a running run (elsewhere) deletes nothing. */
  delete(ids: readonly string[]): Promise<string[]>;
}

/** The local supervisor as a RunQueue: its own (synchronous) methods, unchanged. */
export function localQueue(supervisor: Supervisor): RunQueue {
  return {
    admission: supervisor.admission,
    enqueue: async (config, meta) => supervisor.enqueue(config, meta),
    queueSweep: async (plan, meta) => supervisor.queueSweep(plan, meta),
    cancel: async (id) => supervisor.cancel(id),
    resume: async (id) => supervisor.resume(id),
    update: async (id, patch) => supervisor.update(id, patch),
    delete: (ids) => deleteRuns(supervisor, ids),
  };
}

/**
 * A shared store as a RunQueue: every write goes through Store, and the agents' LISTEN/NOTIFY
 * feed tells every dashboard. A cancelled running run is noticed by the agent that owns it (its
 * heartbeat, or its next write, finds the run no longer running: agent/agent.ts), which stops its
 * worker and writes nothing more.
 */
export function sharedQueue(store: Store, dataDir: string | undefined): RunQueue {
  // The memory estimate is the claiming agent's to judge, against its machine (agent/accept.ts);
  // the config rules and the data set are checked here, as for a local run.
  const admission: AdmissionContext = { dataDir, memory: 'claimer' };
  const statusOf = async (id: string): Promise<RunStatus> => {
    const status = await store.getStatus(id);
    if (!status) throw new NotFound(id);
    return status;
  };
  return {
    admission,
    enqueue: async (config, meta) => store.createRun({ config: admitRun(config, admission), ...meta }),
    queueSweep: async (plan, meta) => {
      if (plan.runs.length === 0) throw new DomainError('invalid_input', 'sweep: no valid combination to run');
      const configs = plan.runs.map((r) => admitRun(r.config, admission));
      // One transaction: agents never see half a sweep, and a failed write leaves none of it.
      return store.transaction(async (tx) => {
        const sweepId = await tx.createSweep({ name: meta.name ?? defaultSweepName(), grid: meta.grid, base: meta.base });
        const runIds: string[] = [];
        for (const [i, config] of configs.entries()) runIds.push(await tx.createRun({ config, name: sweepRunName(plan.runs[i]!.values), sweepId }));
        return { sweepId, runIds };
      });
    },
    cancel: async (id) => {
      // The derived status: a run whose agent died reads interrupted, and stays so.
      const status = await statusOf(id);
      if (status !== 'queued' && status !== 'running') return status;
      await store.finish(id, 'cancelled');
      return 'cancelled';
    },
    resume: async (id) => {
      const status = await statusOf(id);
      if (!isResumable(status)) throw new Conflict(`run ${id} is ${status}; only interrupted, failed or cancelled runs can be resumed`);
      // The data folder may have changed since: refuse now rather than in the agent.
      admitRun((await store.get(id)).config, admission);
      await requeueToStoredCheckpoint(store, id);
    },
    update: (id, patch) => store.update(id, patch),
    delete: async (ids) => {
      for (const id of ids) {
        const status = await statusOf(id);
        if (status === 'running') throw new Conflict(`run ${id} is running on an agent; cancel it first`);
      }
      // The checkpoints are rows of the run (deleted with it); agents' local folders are their own.
      for (const id of ids) await store.delete(id);
      return [...ids];
    },
  };
}
