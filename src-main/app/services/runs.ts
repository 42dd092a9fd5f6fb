import { repeatName, withSeeds } from '../../../src-shared/groups.js';
import type { Supervisor } from '../../runs/supervisor.js';
import type { RunConfig } from '../../vit/config.js';

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
 * path by which `runs/start` (dashboard) and `vitlab train` (with or without --repeats) store new
 * runs. Each is admitted and written by the supervisor; returns their ids in seed order.
 */
export function startRuns(supervisor: Supervisor, req: StartRuns): string[] {
  const seeds = req.seeds ?? [req.config.seed];
  return withSeeds(req.config, seeds).map((c) => supervisor.enqueue(c, { name: repeatName(req.name, c.seed, seeds.length), tags: req.tags, notes: req.notes }));
}
