import { debounce } from '../util';
import type { RunStatus, SortField } from '../types';
import { nextSort, type SortDir } from './columns';
import { filterRecord, withFilter, type FieldFilter } from './filters';

/**
 * What the runs table asks for: sort, status chips, the search box (applied 250 ms after typing
 * stops, or on Enter), the field filters and the filter being built. `key` changes exactly when
 * the query does, so the data source starts again from the top.
 */
export class RunsQuery {
  sort = $state<SortField>('createdAt');
  dir = $state<SortDir>('desc');
  status = $state<RunStatus[]>([]);
  /** What is in the search box; `search` is what the query uses. */
  searchText = $state('');
  search = $state('');
  filters = $state<FieldFilter[]>([]);
  /** The filter row being built in the form. */
  draft = $state<FieldFilter>({ field: 'depth', op: '=', value: '' });
  /** One row per config (runs equal but for the seed) instead of one per run. */
  grouped = $state(false);

  readonly record = $derived(filterRecord(this.filters));
  readonly query = $derived({
    sort: this.sort,
    dir: this.dir,
    status: this.status.length ? [...this.status] : undefined,
    search: this.search.trim() || undefined,
    filters: Object.keys(this.record).length ? this.record : undefined,
  });
  readonly key = $derived(JSON.stringify(this.query));
  /** Something narrows the runs (an empty result is then "no match", not "no runs yet"). */
  readonly narrowed = $derived(this.filters.length > 0 || this.status.length > 0 || this.search !== '');

  readonly applySearch = debounce((s: string) => (this.search = s), 250);

  /** Enter in the search box: now, not after the pause. */
  searchNow(): void {
    this.applySearch.cancel();
    this.search = this.searchText;
  }

  clearSearch(): void {
    this.searchText = '';
    this.search = '';
  }

  sortBy(key: SortField): void {
    ({ sort: this.sort, dir: this.dir } = nextSort({ sort: this.sort, dir: this.dir }, key));
  }

  toggleStatus(s: RunStatus): void {
    this.status = this.status.includes(s) ? this.status.filter((x) => x !== s) : [...this.status, s];
  }

  /** Adds the draft; returns the reason when it cannot be added (a bound that is not a number). */
  addDraft(): string | null {
    const r = withFilter(this.filters, this.draft);
    if (!r) return null;
    if (!r.ok) return r.error;
    this.filters = r.filters;
    this.draft = { ...this.draft, value: '' };
    return null;
  }

  removeFilter(i: number): void {
    this.filters = this.filters.filter((_, j) => j !== i);
  }

  clearAll(): void {
    this.filters = [];
    this.status = [];
    this.clearSearch();
  }
}
