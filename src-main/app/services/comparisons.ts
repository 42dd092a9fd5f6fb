import type { RunStore } from '../../store/runs.js';
import type { Comparison, SaveComparison } from '../../store/types.js';
import { storing } from './storing.js';

/**
 * Saved comparisons (a named set of runs with a baseline and the view's settings): the one path
 * by which they are read and written, whichever surface asks. The store checks that the runs
 * exist, the baseline is one of them and the name is free, in one transaction.
 */
export function listComparisons(store: RunStore): Comparison[] {
  return storing(store, () => store.listComparisons());
}

/** Creates (no id) or updates (id) a comparison. */
export function saveComparison(store: RunStore, input: SaveComparison): Comparison {
  return storing(store, () => store.saveComparison(input));
}

/** Deletes a comparison; the runs it named are untouched. Returns its id. */
export function deleteComparison(store: RunStore, id: string): { id: string } {
  storing(store, () => store.deleteComparison(id));
  return { id };
}
