/**
 * The store as every caller that may talk to either backend sees it: RunStore's public methods
 * (store/runs.ts, the SQLite engine), asynchronous because PostgreSQL is reached over a socket.
 * Two implementations: SqliteStore (store/sqlite-store.ts, a thin wrapper over RunStore) and
 * PgStore (store/pg-store.ts). One contract test suite runs on both
 * (test/integration/store-contract.test.ts); the data types are store/types.ts's, unchanged.
 */
import type { EpochMetrics, EvalResult, RunEnvironment, StepPoint } from '../train/messages.js';
import type { RunConfig } from '../vit/config.js';
import type {
  Comparison,
  DeletedRun,
  FinalStatus,
  GroupListResult,
  GroupQuery,
  ListQuery,
  ListResult,
  NewRun,
  RunDetail,
  RunStatus,
  RunSummary,
  SaveComparison,
  StepCurve,
  Sweep,
  SweepDetail,
  SweepGrid,
} from './types.js';

export type StoreKind = 'sqlite' | 'postgres';

/** What `claimNext` may pick: the queue order is priority DESC, then first queued first. */
export interface ClaimFilter {
  /** Only runs of this sweep. */
  sweepId?: string;
  /** Only runs whose config asks for one of these backends (the config's `backend`, e.g. 'auto'). */
  backends?: readonly string[];
  /** Only runs with at most this many parameters (a memory limit, roughly). */
  maxParams?: number;
  /** Not these runs (an agent's refusals: configs above its memory limit stay queued for others). */
  excludeIds?: readonly string[];
}

export interface Store {
  readonly kind: StoreKind;
  /** The heartbeat rule's grace period this store applies (store/liveness.ts). */
  readonly staleMs: number;
  /** Where the store is, for messages: a file path, or a URL with any password removed (redactUrl). */
  describe(): string;

  /**
   * Runs `fn` in one transaction on one connection: all its writes land or none do. `fn` must use
   * the `tx` it is given (not this store) for everything inside the transaction.
   */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
  close(): Promise<void>;

  // ── writes ──
  createRun(input: NewRun): Promise<string>;
  /** queued → running, compare-and-set: false when the run was no longer queued. */
  claim(id: string): Promise<boolean>;
  /**
   * Claims the first queued run (queue order) that matches, in one transaction; concurrent callers
   * (other processes, other machines) never get the same run. Null when none is queued.
   */
  claimNext(filter?: ClaimFilter): Promise<RunSummary | null>;
  markStarted(id: string, env: RunEnvironment): Promise<void>;
  heartbeat(id: string): Promise<boolean>;
  addEpoch(id: string, m: EpochMetrics): Promise<void>;
  addCheckpoint(id: string, epoch: number, path: string): Promise<void>;
  addArtifact(id: string, kind: string, path: string, epoch?: number | null): Promise<void>;
  setResult(id: string, r: EvalResult): Promise<void>;
  finish(id: string, status: FinalStatus, error?: string): Promise<void>;
  markInterrupted(staleIds: readonly string[], reason?: string): Promise<string[]>;
  settleStale(ids: readonly string[], reason?: string): Promise<string[]>;
  requeue(id: string, options?: { keepEpochs?: number }): Promise<void>;
  delete(id: string): Promise<DeletedRun>;
  update(id: string, fields: { name?: string; notes?: string; tags?: readonly string[] }): Promise<void>;
  rename(id: string, name: string): Promise<void>;
  setNotes(id: string, notes: string): Promise<void>;
  setTags(id: string, tags: readonly string[]): Promise<string[]>;
  setPriority(id: string, priority: number): Promise<void>;
  /** Appends one per-step point to its epoch's curve (store/steps.ts's packing). */
  appendStep(runId: string, point: StepPoint): Promise<void>;

  // ── reads ──
  get(id: string): Promise<RunDetail>;
  getStatus(id: string): Promise<RunStatus | undefined>;
  storedStatus(id: string): Promise<RunStatus | undefined>;
  has(id: string): Promise<boolean>;
  list(query?: ListQuery): Promise<ListResult>;
  listGroups(query?: GroupQuery): Promise<GroupListResult>;
  listQueued(): Promise<RunSummary[]>;
  listRunning(): Promise<RunSummary[]>;
  listStale(): Promise<string[]>;
  /** The run's per-step training curve (empty for an unknown run). */
  steps(runId: string): Promise<StepCurve>;

  // ── sweeps ──
  createSweep(input: { name?: string; grid: SweepGrid; base?: RunConfig }): Promise<string>;
  getSweep(id: string): Promise<SweepDetail>;
  listSweeps(): Promise<Sweep[]>;

  // ── comparisons ──
  saveComparison(input: SaveComparison): Promise<Comparison>;
  getComparison(id: string): Promise<Comparison>;
  listComparisons(): Promise<Comparison[]>;
  deleteComparison(id: string): Promise<void>;
}
