/**
 * A run's states and the moves between them, written once (as Optuna's `TrialState` is): the
 * store's checks, the supervisor, the CLI's `--status`, the API's schema and the dashboard's
 * filters all derive from these tables. The SQL CHECK in migrations/0001_init.sql lists the same
 * six names; test/unit/run-status.test.ts holds the two together.
 *
 *   queued ──claim──► running ──► completed | failed | cancelled | interrupted
 *     │                                       ▲         │              │
 *     └──────────── cancel / fail ────────────┘         └── requeue ───┘ (failed, cancelled, interrupted)
 */

export const RUN_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Where a run ends up; all but `completed` can be requeued and resumed from a checkpoint. */
export type FinalStatus = Exclude<RunStatus, 'queued' | 'running'>;
export const FINAL_STATUSES = ['completed', 'failed', 'cancelled', 'interrupted'] as const satisfies readonly FinalStatus[];

/**
 * Every allowed move, by the state it leaves. A `Record` over RunStatus, so a new status does not
 * compile until its moves are written down.
 */
export const TRANSITIONS: Record<RunStatus, readonly RunStatus[]> = {
  queued: ['running', 'failed', 'cancelled', 'interrupted'],
  running: ['completed', 'failed', 'cancelled', 'interrupted'],
  completed: [],
  failed: ['queued'],
  cancelled: ['queued'],
  interrupted: ['queued'],
};

export function canMove(from: RunStatus, to: RunStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Queued or running: owned by a supervisor (or waiting for one), not yet a result. */
export function isActive(s: RunStatus): boolean {
  return s === 'queued' || s === 'running';
}

export function isFinished(s: RunStatus): s is FinalStatus {
  return (FINAL_STATUSES as readonly RunStatus[]).includes(s);
}

/** May be queued again and continue from its last checkpoint (`vitlab resume`). */
export function isResumable(s: RunStatus): boolean {
  return canMove(s, 'queued');
}

export function isRunStatus(s: unknown): s is RunStatus {
  // includes compares with SameValueZero: nothing but one of these strings is equal to one.
  return (RUN_STATUSES as readonly unknown[]).includes(s);
}
