/**
 * The test files' hook around test/helpers/pg-cluster.ts (kept apart so benchmarks can start a
 * cluster without vitest).
 */
import { afterAll, beforeAll } from 'vitest';
import { startPostgres, type PgCluster, type PgClusterOptions } from './pg-cluster.js';

export { postgresBinDir, startPostgres, type PgCluster } from './pg-cluster.js';

/** One cluster for the calling test file: started before its tests, stopped after them. */
export function usePostgres(opts: PgClusterOptions = {}): { readonly cluster: PgCluster } {
  const holder = {} as { cluster: PgCluster };
  beforeAll(async () => {
    holder.cluster = await startPostgres(opts);
  });
  afterAll(async () => {
    await holder.cluster?.stop();
  });
  return holder;
}
