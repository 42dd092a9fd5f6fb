import { SvelteSet } from 'svelte/reactivity';
import { errorMessage } from '../api';
import { toasts } from '../toast.svelte';
import type { PagedRuns } from './paged.svelte';
import { rangeOf, rangeSelects } from './range';

/**
 * Which runs are selected (by id, so it survives scrolling, sorting and refreshes), the anchor a
 * Shift range starts from and the active (keyboard-focused) row.
 */
export class RunSelection {
  readonly ids = new SvelteSet<string>();
  anchor = $state<number | null>(null);
  active = $state(0);
  /** A range or "select all" is fetching ids. */
  busy = $state(false);

  constructor(private readonly data: PagedRuns) {}

  /** Every run of the query is selected (a getter: reactive where it is read). */
  get allSelected(): boolean {
    return this.data.total > 0 && this.ids.size >= this.data.total;
  }

  /** A new query: no anchor, the first row active. */
  resetCursor(): void {
    this.anchor = null;
    this.active = 0;
  }

  /** Selects or clears the row; with `range`, every row from the anchor to it. */
  async toggle(index: number, range: boolean): Promise<void> {
    const row = this.data.rowAt(index);
    if (!row) return;
    if (range && this.anchor !== null) {
      const { lo, hi } = rangeOf(this.anchor, index);
      const anchor = this.anchor;
      this.busy = true;
      try {
        const ids = await this.data.idsInRange(lo, hi);
        // Decided once the ids are in: the selection may have changed meanwhile.
        const anchorRow = this.data.rowAt(anchor);
        const on = rangeSelects(anchorRow ? this.ids.has(anchorRow.id) : null, this.ids.has(row.id));
        for (const id of ids) {
          if (on) this.ids.add(id);
          else this.ids.delete(id);
        }
      } catch (e) {
        toasts.show(`Selection failed: ${errorMessage(e)}`, 'error');
      } finally {
        this.busy = false;
      }
    } else if (this.ids.has(row.id)) this.ids.delete(row.id);
    else this.ids.add(row.id);
    this.anchor = index;
    this.active = index;
  }

  /** Every run of the current query, fetched in chunks where not loaded. */
  async selectAll(): Promise<void> {
    if (!this.data.total) return;
    this.busy = true;
    try {
      for (const id of await this.data.idsInRange(0, this.data.total - 1)) this.ids.add(id);
    } catch (e) {
      toasts.show(`Selection failed: ${errorMessage(e)}`, 'error');
    } finally {
      this.busy = false;
    }
  }
}
