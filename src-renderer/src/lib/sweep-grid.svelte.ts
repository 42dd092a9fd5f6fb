import { emptyValues, gridOf, type FormConfig, type FormValues } from './launch-form';
import { readRepeats } from './repeats';

/** The sweep builder's inputs: a comma-separated list per registry field, a name and repeats; the grid is derived. */
export class SweepGridState {
  texts = $state<FormValues>(emptyValues());
  name = $state('');
  repeatsText = $state('');

  readonly grid = $derived(gridOf(this.texts));
  readonly fieldCount = $derived(Object.keys(this.grid).length);
  readonly repeats = $derived(readRepeats(this.repeatsText));

  /** Identifies the sweep a plan answers: the base config, the grid and the repeats. */
  keyFor(base: FormConfig): string {
    return JSON.stringify([base, this.grid, this.repeats]);
  }

  /** The repeats to send when there is something to sweep (a grid field, or more than one repeat); else null. */
  request(): { repeats?: number; seeds?: number[] } | null {
    const r = this.repeats.ok ? this.repeats.value : null;
    if (!r || (this.fieldCount === 0 && !r.repeats && !r.seeds)) return null;
    return r;
  }
}
