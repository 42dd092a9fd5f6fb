import { repeatName, withSeeds } from '../../../src-shared/groups.js';
import { Conflict, NotFound, type Supervisor } from '../../runs/supervisor.js';
import type { RunConfig } from '../../vit/config.js';
import type { RunQueue } from './run-queue.js';
import { storing } from './storing.js';

export interface StartRuns {
  config: RunConfig;
  /** One run per seed, in this order (null or absent: one run of the config's own seed). */
  seeds?: readonly number[] | null;
  name?: string;
  tags?: string[];
  notes?: string;
}

/**
 * Queues a config's runs, one per seed, named after their seed when there are several: the one
 * path by which `runs/start` (dashboard, on either store) and `vitlab train` (with or without
 * --repeats) store new runs. Each is admitted and written by the queue (the local supervisor, or
 * a shared store for agents: run-queue.ts); returns their ids in seed order.
 */
export async function startRuns(queue: RunQueue, req: StartRuns): Promise<string[]> {
  const seeds = req.seeds ?? [req.config.seed];
  const ids: string[] = [];
  for (const c of withSeeds(req.config, seeds)) ids.push(await queue.enqueue(c, { name: repeatName(req.name, c.seed, seeds.length), tags: req.tags, notes: req.notes }));
  return ids;
}

/**
 * Deletes runs with their rows and files: the one path of `runs/delete` and `vitlab rm`. Every id
 * is checked before anything is deleted, so a list with an unknown id, or with a run another
 * process is training (its worker would go on writing into rows that are gone), deletes nothing.
 * A run this process trains is stopped first. Returns the deleted ids.
 */
export async function deleteRuns(supervisor: Supervisor, ids: readonly string[]): Promise<string[]> {
  const here = new Set(supervisor.runningIds);
  for (const id of ids) {
    // The heartbeat rule applies: a run whose process died reads interrupted and may go.
    const status = storing(supervisor.store, () => supervisor.store.getStatus(id));
    if (!status) throw new NotFound(id);
    if (status === 'running' && !here.has(id)) throw new Conflict(`run ${id} is running in another process; cancel it there first`);
  }
  return supervisor.delete([...ids]);
}
