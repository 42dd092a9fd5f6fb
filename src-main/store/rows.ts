/**
 * The stored rows of both engines (SQLite and PostgreSQL hold the same columns, see
 * migrations/postgres/0001_init.sql) and how they read as the store's data types: one mapping,
 * used by RunStore and PgStore alike.
 */
import { randomBytes } from 'node:crypto';
import type { EpochMetrics, RunEnvironment } from '../train/messages.js';
import { StoreError } from './errors.js';
import { parseConfig, type RunConfig } from '../vit/config.js';
import { computeCost, type CostBreakdown } from '../vit/cost.js';
import { COLUMN_KEYS, columnOf, withNewFields } from '../../src-shared/fields.js';
import { RUN_STATUSES } from '../../src-shared/run-status.js';
import { STALE_REASON } from './liveness.js';
import type { Artifact, ClassResult, Comparison, EpochRecord, NewRun, RunDetail, RunStatus, RunSummary, Sweep, SweepGrid } from './types.js';

export interface RunRow {
  id: string;
  name: string;
  /** What a reader shows: the stored status, with the heartbeat rule applied (liveness.ts). */
  status: RunStatus;
  stored_status: RunStatus;
  config_json: string;
  backend: RunEnvironment['backend'] | null;
  versions_json: string | null;
  machine_json: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  heartbeat_at: string | null;
  error: string | null;
  notes: string;
  tags: string;
  sweep_id: string | null;
  params: number;
  macs_per_image: number;
  macs_per_batch: number;
  test_acc: number | null;
  test_loss: number | null;
  epochs_done: number;
  checkpoint_path: string | null;
  priority: number;
  /** Migration 0006: the agent that last claimed the run. */
  agent: string | null;
}

/** A RunRow's columns, `status` being the derived-status expression to show. */
export const summaryColumns = (status: string) => `id, name, ${status} AS status, status AS stored_status, config_json, backend, created_at, started_at, finished_at, heartbeat_at, error,
  notes, tags, sweep_id, params, macs_per_image, macs_per_batch, test_acc, test_loss, epochs_done, checkpoint_path, priority, agent`;
export interface EpochRow {
  epoch: number;
  train_loss: number | null;
  train_acc: number;
  test_loss: number | null;
  test_acc: number;
  seconds: number;
  samples_per_sec: number;
  lr: number;
}

export interface ComparisonRow {
  id: string;
  name: string;
  run_ids_json: string;
  baseline_run_id: string | null;
  settings_json: string;
  created_at: string;
  updated_at: string;
}

export interface SweepRow {
  id: string;
  name: string;
  grid_json: string;
  base_json: string | null;
  created_at: string;
}

/** SQLite stores NaN as NULL anyway; saying so keeps a diverged loss from becoming a bind error. */
export const finiteOrNull = (x: number) => (Number.isFinite(x) ? x : null);

export function toSummary(r: RunRow): RunSummary {
  // A run shown interrupted by the heartbeat rule reads as if recovery had already written it.
  const stale = r.stored_status === 'running' && r.status === 'interrupted';
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    config: withNewFields(JSON.parse(r.config_json) as RunConfig),
    params: r.params,
    macsPerImage: r.macs_per_image,
    macsPerBatch: r.macs_per_batch,
    testAcc: r.test_acc,
    testLoss: r.test_loss,
    epochsDone: r.epochs_done,
    backend: r.backend,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: stale ? (r.heartbeat_at ?? r.started_at ?? r.created_at) : r.finished_at,
    heartbeatAt: r.heartbeat_at,
    error: stale ? STALE_REASON : r.error,
    notes: r.notes,
    tags: JSON.parse(r.tags) as string[],
    sweepId: r.sweep_id,
    priority: r.priority,
    checkpointPath: r.checkpoint_path,
    agent: r.agent,
  };
}

export function toComparison(r: ComparisonRow): Comparison {
  return {
    id: r.id,
    name: r.name,
    runIds: JSON.parse(r.run_ids_json) as string[],
    baselineRunId: r.baseline_run_id,
    settings: JSON.parse(r.settings_json) as Record<string, unknown>,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export const toSweep = (r: SweepRow): Sweep => ({
  id: r.id,
  name: r.name,
  grid: JSON.parse(r.grid_json) as SweepGrid,
  base: r.base_json ? (JSON.parse(r.base_json) as RunConfig) : null,
  createdAt: r.created_at,
});

export function normaliseTags(tags: readonly string[]): string[] {
  return [...new Set(tags.map((t) => t.trim()).filter((t) => t.length > 0))];
}

/**
 * A prefix letter, the creation time in base36 (8 digits until 2059, so ids sort by time as text)
 * and random digits so that runs created in the same millisecond (a sweep) do not collide.
 */
export function newId(prefix: string, at: Date): string {
  const rand = randomBytes(8).readBigUInt64BE() % 36n ** 5n;
  return prefix + at.getTime().toString(36).padStart(8, '0') + rand.toString(36).padStart(5, '0');
}

export function defaultRunName(c: RunConfig): string {
  return `vit-L${c.depth}-d${c.dim}-h${c.heads}-p${c.patch}`;
}

/** The detail's other parts as stored: JSON text as it is in the tables. */
export interface DetailParts {
  epochs: EpochRow[];
  classResults: { class: number; correct: number; total: number }[];
  confusionJson: string | undefined | null;
  costJson: string | undefined | null;
  artifacts: { kind: string; epoch: number | null; path: string; created_at: string }[];
}

/**
 * A new run's row without its id and queue place (the engines pick those in their transaction):
 * the config validated, its cost computed, the registry's columns copied out of it.
 */
export function newRunRow(input: NewRun, at: Date) {
  if (input.status !== undefined && input.status !== 'queued') {
    throw new StoreError(`a new run must be queued, not ${String(input.status)}`, 'invalid-state');
  }
  const config = parseConfig(input.config);
  const cost = computeCost(config, config.batch);
  const row = {
    name: input.name?.trim() || defaultRunName(config),
    config_json: JSON.stringify(config),
    ...Object.fromEntries(COLUMN_KEYS.map((k) => [columnOf(k), config[k] ?? null])),
    created_at: at.toISOString(),
    notes: input.notes ?? '',
    tags: JSON.stringify(normaliseTags(input.tags ?? [])),
    sweep_id: input.sweepId ?? null,
    params: cost.params.total,
    macs_per_image: cost.macs.perImage,
    macs_per_batch: cost.macs.perBatch,
    priority: input.priority ?? 0,
  };
  return { row, costJson: JSON.stringify(cost) };
}

/** An epoch's metrics as its stored row, checked: epochs count from 1; NaN losses are stored as NULL. */
export function epochRow(runId: string, m: EpochMetrics) {
  if (!Number.isInteger(m.epoch) || m.epoch < 1) {
    throw new StoreError(`epoch must be a whole number from 1, got ${m.epoch}`, 'invalid-query');
  }
  return {
    run_id: runId,
    epoch: m.epoch,
    train_loss: finiteOrNull(m.trainLoss),
    train_acc: m.trainAcc,
    test_loss: finiteOrNull(m.testLoss),
    test_acc: m.testAcc,
    seconds: m.seconds,
    samples_per_sec: m.samplesPerSec,
    lr: m.lr,
  };
}

export function toDetail(row: RunRow & { versions_json: string | null; machine_json: string | null }, p: DetailParts): RunDetail {
  return {
    ...toSummary(row),
    versions: row.versions_json ? (JSON.parse(row.versions_json) as Record<string, string>) : null,
    machine: row.machine_json ? (JSON.parse(row.machine_json) as RunEnvironment['machine']) : null,
    epochs: p.epochs.map(
      (e): EpochRecord => ({
        epoch: e.epoch,
        trainLoss: e.train_loss,
        trainAcc: e.train_acc,
        testLoss: e.test_loss,
        testAcc: e.test_acc,
        seconds: e.seconds,
        samplesPerSec: e.samples_per_sec,
        lr: e.lr,
      }),
    ),
    perClass: p.classResults.map((c): ClassResult => ({ ...c, acc: c.total > 0 ? c.correct / c.total : null })),
    confusion: p.confusionJson ? (JSON.parse(p.confusionJson) as number[][]) : null,
    cost: p.costJson ? (JSON.parse(p.costJson) as CostBreakdown) : null,
    artifacts: p.artifacts.map((a): Artifact => ({ kind: a.kind, epoch: a.epoch, path: a.path, createdAt: a.created_at })),
  };
}

/** Per-status counts of a sweep's runs, every status present. */
export function countStatuses(statuses: readonly RunStatus[]): Record<RunStatus, number> {
  const counts = Object.fromEntries(RUN_STATUSES.map((s) => [s, 0])) as Record<RunStatus, number>;
  for (const s of statuses) counts[s]++;
  return counts;
}
