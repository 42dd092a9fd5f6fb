/**
 * Which kind of store a location names: a `postgres://` (or `postgresql://`) URL is a shared
 * PostgreSQL store, anything else a SQLite file. One rule for the engine (store/open-store.ts,
 * store/redact.ts) and the dashboard's Settings view.
 */
export const isPostgresUrl = (location: string): boolean => /^postgres(ql)?:\/\//i.test(location.trim());
