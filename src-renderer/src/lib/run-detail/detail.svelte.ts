import { api, ApiError, call, errorMessage } from '../api';
import type { CostPreview, RunDetail } from '../types';
import { debounce } from '../util';

/**
 * One run as the store has it, re-read (300 ms after the last one) when an event says it or the
 * run list changed, and its model printout and cost, asked once from its config.
 */
export class RunDetailSource {
  run = $state<RunDetail | null>(null);
  notFound = $state(false);
  error = $state<string | null>(null);
  preview = $state<CostPreview | null>(null);

  constructor(private readonly id: string) {}

  async load(): Promise<void> {
    try {
      const d = await call('runs/get', { id: this.id });
      const first = this.run === null;
      this.run = d;
      this.error = null;
      if (first) {
        call('cost/preview', { config: d.config })
          .then((p) => (this.preview = p))
          .catch(() => {});
      }
    } catch (e) {
      if (e instanceof ApiError && e.code === 'not_found') this.notFound = true;
      else this.error = errorMessage(e);
    }
  }

  private readonly reload = debounce(() => void this.load(), 300);

  /** Loads now and on every event that concerns the run; returns the unsubscribe. */
  follow(): () => void {
    void this.load();
    return api.onEvent((e) => {
      if ((e.type === 'run/status' || e.type === 'run/epoch') && e.runId === this.id) this.reload();
      else if (e.type === 'runs/changed') this.reload();
    });
  }
}
