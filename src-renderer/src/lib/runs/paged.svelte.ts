import { call, errorMessage } from '../api';
import type { RequestInput, RunSummary } from '../types';
import { debounce } from '../util';
import { loadedIds } from './range';

export const PAGE = 100;

/**
 * The runs of the current query, fetched a page (100 rows) at a time as rows come into view, with
 * the total. Each reset or refresh starts a generation: a page answered for an older query is
 * dropped, and a page already fetched in this generation is not fetched again. A refresh
 * re-fetches what is on screen and keeps showing the old rows meanwhile.
 */
export class PagedRuns {
  total = $state(0);
  loaded = $state(false);
  error = $state<string | null>(null);
  private pages = $state.raw(new Map<number, RunSummary[]>());
  private readonly pageGen = new Map<number, number>();
  private readonly inflight = new Map<number, number>();
  private gen = 0;
  /** The rows on screen (null: none), re-fetched by a refresh. */
  private visible: { first: number; last: number } | null = null;

  constructor(
    /** The query (without offset and limit) and its identity. */
    private readonly query: () => { input: object; key: string },
  ) {}

  rowAt(i: number): RunSummary | undefined {
    return this.pages.get(Math.floor(i / PAGE))?.[i % PAGE];
  }

  private listInput(offset: number, limit: number): RequestInput<'runs/list'> {
    // The store takes richer filters (lists, ranges) than the contract's first schema spelled out.
    return { ...this.query().input, offset, limit } as RequestInput<'runs/list'>;
  }

  private async fetchPage(p: number): Promise<void> {
    const myGen = this.gen;
    const myKey = this.query().key;
    this.inflight.set(p, myGen);
    try {
      const r = await call('runs/list', this.listInput(p * PAGE, PAGE));
      if (myKey !== this.query().key || (this.pageGen.get(p) ?? -1) > myGen) return;
      this.pageGen.set(p, myGen);
      const next = new Map(this.pages);
      next.set(p, r.rows);
      // Pages past the end (after deletions) are gone.
      const lastPage = Math.max(0, Math.ceil(r.total / PAGE) - 1);
      for (const k of next.keys()) if (k > lastPage) next.delete(k);
      this.pages = next;
      this.total = r.total;
      this.loaded = true;
      this.error = null;
    } catch (e) {
      if (myKey === this.query().key) this.error = errorMessage(e);
    } finally {
      if (this.inflight.get(p) === myGen) this.inflight.delete(p);
    }
  }

  private ensurePages(first: number, last: number): void {
    const p0 = Math.max(0, Math.floor(first / PAGE));
    const p1 = Math.floor(last / PAGE);
    for (let p = p0; p <= p1; p++) {
      if (this.pageGen.get(p) === this.gen || this.inflight.get(p) === this.gen) continue;
      void this.fetchPage(p);
    }
  }

  /** Rows first..last are on screen (null: none): their pages are fetched if not yet. */
  show(range: { first: number; last: number } | null): void {
    this.visible = range;
    if (range) this.ensurePages(range.first, range.last);
  }

  /** A new query: start again from the top. */
  reset(): void {
    this.gen++;
    this.pageGen.clear();
    this.inflight.clear();
    this.pages = new Map();
    void this.fetchPage(0);
  }

  /** The first page again now (after a delete), then what is on screen once things settle. */
  reload(): void {
    this.gen++;
    void this.fetchPage(0);
    this.refresh();
  }

  /** Something changed on the server: re-fetch what is on screen, 500 ms after the last change. */
  readonly refresh = debounce(() => {
    this.gen++;
    if (this.visible) this.ensurePages(this.visible.first, this.visible.last);
    else void this.fetchPage(0);
  }, 500);

  /** Ids of rows lo..hi of the current query (fetched where not on screen yet). */
  async idsInRange(lo: number, hi: number): Promise<string[]> {
    const loaded = loadedIds((i) => this.rowAt(i), lo, hi);
    if (loaded) return loaded;
    const ids: string[] = [];
    const CHUNK = 5000;
    for (let off = lo; off <= hi; off += CHUNK) {
      const r = await call('runs/list', this.listInput(off, Math.min(CHUNK, hi - off + 1)));
      for (const row of r.rows) ids.push(row.id);
      if (r.rows.length === 0) break;
    }
    return ids;
  }
}
