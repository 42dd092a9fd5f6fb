/**
 * The store's data shapes. Types only: the renderer imports this file, so nothing here may pull in
 * better-sqlite3 or any other runtime code.
 */
import type { RunEnvironment } from '../train/messages.js';
import type { RunConfig } from '../vit/config.js';
import type { CostBreakdown } from '../vit/cost.js';

import type { ColumnKey } from '../../src-shared/fields.js';
import type { FinalStatus, RunStatus } from '../../src-shared/run-status.js';

export type { FinalStatus, RunStatus };

/** Config fields copied into columns so they can be sorted and filtered without parsing JSON. */
export type ConfigColumn = ColumnKey;

export type SortField =
  | ConfigColumn
  | 'id'
  | 'name'
  | 'status'
  | 'createdAt'
  | 'startedAt'
  | 'finishedAt'
  | 'testAcc'
  | 'testLoss'
  | 'params'
  | 'macsPerImage'
  | 'macsPerBatch'
  | 'epochsDone'
  | 'backend';

export type FilterField = ConfigColumn | 'backend' | 'params' | 'macsPerImage' | 'testAcc' | 'epochsDone';

/** One value (equality), a list (any of), or an inclusive numeric range. */
export type FilterValue = string | number | (string | number)[] | { min?: number; max?: number };

export interface ListQuery {
  status?: RunStatus | RunStatus[];
  sweepId?: string;
  /** Only these runs (a selection to compare or export). */
  ids?: string[];
  /** Case-insensitive substring of the name or the tags, or a prefix of the id. */
  search?: string;
  /** Default `createdAt`. Runs without a value (e.g. no accuracy yet) always come last. */
  sort?: SortField;
  /** Default `desc`. */
  dir?: 'asc' | 'desc';
  /** Default 50, at most 10,000. */
  limit?: number;
  offset?: number;
  filters?: Partial<Record<FilterField, FilterValue>>;
}

export interface RunSummary {
  id: string;
  name: string;
  status: RunStatus;
  config: RunConfig;
  params: number;
  macsPerImage: number;
  macsPerBatch: number;
  /** 0..1; the latest epoch's until the final evaluation, then the final one. */
  testAcc: number | null;
  testLoss: number | null;
  epochsDone: number;
  /** The backend that actually ran (null until started). */
  backend: RunEnvironment['backend'] | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  heartbeatAt: string | null;
  error: string | null;
  notes: string;
  tags: string[];
  sweepId: string | null;
  priority: number;
  checkpointPath: string | null;
  /** The `vitlab agent` that last claimed it (null: a local supervisor ran it). */
  agent: string | null;
}

export interface ListResult {
  /** Rows matching the query, ignoring limit and offset. */
  total: number;
  rows: RunSummary[];
}

/** A stored epoch. Losses are null where training diverged (NaN is not storable). */
export interface EpochRecord {
  epoch: number;
  trainLoss: number | null;
  trainAcc: number;
  testLoss: number | null;
  testAcc: number;
  seconds: number;
  samplesPerSec: number;
  lr: number;
}

export interface ClassResult {
  class: number;
  correct: number;
  total: number;
  /** correct / total, null for a class with no test images. */
  acc: number | null;
}

export interface Artifact {
  kind: string;
  epoch: number | null;
  path: string;
  createdAt: string;
}

export interface RunDetail extends RunSummary {
  versions: Record<string, string> | null;
  machine: RunEnvironment['machine'] | null;
  epochs: EpochRecord[];
  /** Empty until the final evaluation. */
  perClass: ClassResult[];
  /** confusion[true][predicted]; null until the final evaluation. */
  confusion: number[][] | null;
  cost: CostBreakdown | null;
  artifacts: Artifact[];
}

export interface NewRun {
  name?: string;
  config: RunConfig;
  sweepId?: string;
  status?: 'queued';
  tags?: string[];
  notes?: string;
  priority?: number;
}

/** What a deleted run left on disk: the caller removes these files (rows are already gone). */
export interface DeletedRun {
  id: string;
  paths: string[];
}

export type SweepGrid = Record<string, unknown>;

export interface Sweep {
  id: string;
  name: string;
  grid: SweepGrid;
  /** The config the grid's values were laid over. */
  base: RunConfig | null;
  createdAt: string;
}

export interface SweepDetail extends Sweep {
  /** In queue order. */
  runIds: string[];
  counts: Record<RunStatus, number>;
}

export interface Comparison {
  id: string;
  name: string;
  runIds: string[];
  baselineRunId: string | null;
  settings: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

export interface SaveComparison {
  /** Update this comparison; without it a new one is created. */
  id?: string;
  name: string;
  runIds: string[];
  baselineRunId?: string | null;
  settings?: Record<string, unknown>;
}

// ── groups: runs whose configs are equal except for the seed (src-shared/groups.ts) ──────────

/** Group figures a grouped list sorts and filters by; accuracy and loss over completed runs. */
export type GroupFigure = 'n' | 'testAcc' | 'testAccStd' | 'testAccMin' | 'testAccMax' | 'testLoss' | 'testLossStd' | 'params' | 'macsPerImage' | 'createdAt';
export type GroupSortField = GroupFigure | Exclude<ConfigColumn, 'seed'>;

export interface GroupQuery extends Pick<ListQuery, 'status' | 'sweepId' | 'ids' | 'search' | 'filters' | 'dir' | 'limit' | 'offset'> {
  /** Default `createdAt` (the group's newest run). Groups without a value come last. */
  sort?: GroupSortField;
  /** Ranges on the group's figures (after the run filters have chosen which runs count). */
  having?: Partial<Record<GroupFigure, { min?: number; max?: number }>>;
}

/** n, mean, sample std (null below 2), min and max: src-shared/stats.ts's Summary. */
export interface FigureSummary {
  n: number;
  mean: number;
  std: number | null;
  min: number;
  max: number;
}

export interface RunGroup {
  /** groupKey(config): the config without its seed, canonical. */
  key: string;
  /** The group's config (one of its runs'; only the seed differs between them). */
  config: RunConfig;
  /** Runs in the group that match the query, any status. */
  n: number;
  /** Newest first. */
  runIds: string[];
  seeds: number[];
  /** Over completed runs only (a running run's accuracy is not a result yet); null without any. */
  testAcc: FigureSummary | null;
  testLoss: FigureSummary | null;
  params: number;
  macsPerImage: number;
  /** The newest run's creation time. */
  createdAt: string;
}

export interface GroupListResult {
  /** Groups matching the query, ignoring limit and offset. */
  total: number;
  groups: RunGroup[];
}

/** A run's per-step training curve: x in fractional epochs, loss and accuracy (0..1) of the batches up to x. */
export interface StepCurve {
  x: number[];
  loss: number[];
  acc: number[];
}
