import { StoreError } from './errors.js';
import type { OpenStoreOptions } from './open-store.js';
import { redactUrl } from './redact.js';
import type { Store } from './store.js';

/** PostgreSQL store: being built on branch pg-store (issue #15); this commit only fixes the interface. */
export function openPgStore(url: string, _opts: OpenStoreOptions & { staleMs: number }): Promise<Store> {
  return Promise.reject(new StoreError(`the PostgreSQL store (${redactUrl(url)}) is not implemented yet in this build`, 'database-failed'));
}
