import { DomainError } from '../../../src-shared/errors.js';
import { gridWithSeeds, repeatSeeds } from '../../../src-shared/groups.js';
import type { SweepGrid } from '../../runs/sweep.js';
import type { RunConfig } from '../../vit/config.js';

/** The seeds a request asks for (null: no repeats asked), as an invalid_input error when impossible. */
export function seedsOf(i: { repeats?: number; seeds?: number[] }, first: number): number[] | null {
  if (i.repeats === undefined && i.seeds === undefined) return null;
  try {
    return repeatSeeds({ repeats: i.repeats, seeds: i.seeds, first });
  } catch (e) {
    const message = (e as Error).message;
    throw new DomainError('invalid_input', message, { issues: [{ field: i.seeds ? 'seeds' : 'repeats', message }], cause: e });
  }
}

/** The request's grid with its repeats as the last field (seeds counted from the base's seed). */
export function sweepGrid(i: { grid: Record<string, (string | number)[]>; repeats?: number; seeds?: number[] }, base: RunConfig): SweepGrid {
  try {
    return gridWithSeeds(i.grid, seedsOf(i, base.seed)) as SweepGrid;
  } catch (e) {
    if (e instanceof DomainError) throw e;
    const message = (e as Error).message;
    throw new DomainError('invalid_input', message, { issues: [{ field: 'seed', message }], cause: e });
  }
}
