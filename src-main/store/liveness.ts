/**
 * The heartbeat rule, in one place for every process that reads or writes runs: the process that
 * owns a running run writes its heartbeat every `heartbeatMs`; a running run whose last sign of
 * life is older than the grace period (`staleMs`) belongs to a process that died, and shows as
 * `interrupted` to every reader (the CLI, serve, the app) whether or not anyone has written that
 * down yet. The grace is 7.5 heartbeats (15 s by default): long enough for a GC pause, a busy
 * machine or another process holding the write lock for a few seconds, short enough that a
 * killed `serve` is noticed within a quarter of a minute.
 */

export const DEFAULT_HEARTBEAT_MS = 2000;
const HEARTBEATS_PER_GRACE = 7.5;

export interface Liveness {
  heartbeatMs: number;
  staleMs: number;
}

/**
 * The heartbeat interval and grace period: given values, else `VITLAB_HEARTBEAT_MS` (so that every
 * process on one database — the CLI that reads, the serve that writes — agrees), else 2 s.
 */
export function liveness(opts: Partial<Liveness> = {}, env: NodeJS.ProcessEnv = process.env): Liveness {
  const fromEnv = Number(env.VITLAB_HEARTBEAT_MS);
  const heartbeatMs = opts.heartbeatMs ?? (Number.isFinite(fromEnv) && fromEnv >= 10 ? fromEnv : DEFAULT_HEARTBEAT_MS);
  return { heartbeatMs, staleMs: opts.staleMs ?? Math.round(heartbeatMs * HEARTBEATS_PER_GRACE) };
}

/** Why a run shows as interrupted when its owner stopped sending heartbeats. */
export const STALE_REASON = 'the process running it stopped (app closed, crashed or killed); resume it to continue from its last checkpoint';

/**
 * The status a reader must show, as SQL over the runs table; `staleBefore` is the placeholder of
 * now minus the grace, as ISO text (which sorts as time). The stored status changes only when some
 * process writes it; this is what every read reports meanwhile.
 */
export function derivedStatusSql(staleBefore: string): string {
  return `(CASE WHEN status = 'running' AND coalesce(heartbeat_at, started_at, created_at) < ${staleBefore} THEN 'interrupted' ELSE status END)`;
}

/** derivedStatusSql with SQLite's named parameter @stale_before, for the repositories' fixed statements. */
export const DERIVED_STATUS_SQL = derivedStatusSql('@stale_before');
