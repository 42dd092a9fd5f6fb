import { StoreError } from './errors.js';

/** A listing's page: limit 1–10,000 (default 50), offset ≥ 0. */
export function checkPage(query: { limit?: number; offset?: number }): { limit: number; offset: number } {
  const limit = query.limit ?? 50;
  const offset = query.offset ?? 0;
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
    throw new StoreError(`limit must be a whole number from 1 to 10000, got ${limit}`, 'invalid-query');
  }
  if (!Number.isInteger(offset) || offset < 0) throw new StoreError(`offset must be a whole number ≥ 0, got ${offset}`, 'invalid-query');
  return { limit, offset };
}

