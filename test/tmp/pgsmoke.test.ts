import { expect, it } from 'vitest';
import pg from 'pg';
import { usePostgres } from '../helpers/postgres.js';
const h = usePostgres();
it('runs', async () => {
  const url = await h.cluster.createDatabase();
  const c = new pg.Client({ connectionString: url }); await c.connect();
  const r = await c.query('select version()'); console.log(r.rows[0].version); await c.end();
});
