import * as os from 'node:os';

import { locateDataset } from '../data/datasets.js';
import { datasetShape, type DatasetShape } from '../data/shape.js';
import { configError, validateConfig, type RunConfig } from '../vit/config.js';
import { estimateMemory, formatBytes, largestTerms, memoryAdvice } from '../vit/memory.js';

/**
 * The one validation a run passes before anything about it is written, whichever way it came
 * (launch form, `vitlab train`/`sweep`, the API's runs/start and sweeps/start): the config's own
 * rules (vit/config.ts: bounds, divisibility, the wasm heap), then what depends on this machine —
 * the data set the worker will load, located the way the worker locates it and its real shape
 * compared with the config, and the memory estimate compared with the machine's memory.
 * Supervisor.enqueue calls it, so no path can store a run that skipped it.
 */

export type Issue = { field: string; message: string };

/** What the checks depend on outside the config. */
export interface AdmissionContext {
  /** The worker's data folder (`--data`); the worker's locate order applies from there. */
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  /** This machine; read from `os` when omitted (tests pass a small one). */
  machine?: Machine;
  /**
   * 'claimer': the run is queued into a shared store, for whichever agent claims it, so the memory
   * estimate is judged there against that machine (agent/accept.ts), not against this one.
   */
  memory?: 'here' | 'claimer';
}

export interface Machine {
  totalBytes: number;
  freeBytes: number;
  cores: number;
}

export function thisMachine(): Machine {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return { totalBytes: os.totalmem(), freeBytes: os.freemem(), cores };
}

/** The data set's real shape against the config; the shape (when found) sizes the memory estimate. */
function dataIssues(c: RunConfig, ctx: AdmissionContext): { issues: Issue[]; shape?: DatasetShape } {
  let shape: DatasetShape;
  try {
    shape = datasetShape(locateDataset(c.dataset, { dir: ctx.dataDir, env: ctx.env }));
  } catch (e) {
    return { issues: [{ field: 'dataset', message: e instanceof Error ? e.message : String(e) }] };
  }
  const issues: Issue[] = [];
  if (c.image !== shape.image) issues.push({ field: 'image', message: `${c.dataset} images are ${shape.image}×${shape.image}, the config says ${c.image}×${c.image}` });
  if (c.channels !== shape.channels) issues.push({ field: 'channels', message: `${c.dataset} images have ${shape.channels} channel(s), the config says ${c.channels}` });
  if (c.classes !== shape.classes) issues.push({ field: 'classes', message: `${c.dataset} has ${shape.classes} classes, the config says ${c.classes}` });
  return { issues, shape };
}

/**
 * The machine's memory against the estimate for the whole worker process. Training uses one tfjs
 * instance per core at most (train/parallel.ts), each with its own weights: counted for every core.
 */
function memoryIssues(c: RunConfig, shape: DatasetShape | undefined, m: Machine): Issue[] {
  const e = estimateMemory(c, { instances: m.cores, data: shape });
  const need = `training needs about ${formatBytes(e.processBytes)} (${largestTerms(e)})`;
  const { field, fix } = memoryAdvice(e);
  if (e.processBytes > m.totalBytes) {
    return [{ field, message: `model will not fit in memory: ${need}, more than this machine's ${formatBytes(m.totalBytes)}; ${fix}` }];
  }
  if (e.processBytes > m.freeBytes) {
    return [{ field, message: `model will not fit in memory now: ${need}, and only ${formatBytes(m.freeBytes)} of this machine's ${formatBytes(m.totalBytes)} is free; close other programs or ${fix}` }];
  }
  return [];
}

/** The machine-dependent issues of a config that passed validateConfig. */
export function admissionIssues(c: RunConfig, ctx: AdmissionContext = {}): Issue[] {
  const data = dataIssues(c, ctx);
  // A config that does not match its data would be refused anyway; one message at a time.
  if (data.issues.length) return data.issues;
  if (ctx.memory === 'claimer') return [];
  return memoryIssues(c, data.shape, ctx.machine ?? thisMachine());
}

/** validateConfig, then admissionIssues: the whole check, as a result. */
export function validateRun(input: unknown, ctx: AdmissionContext = {}): { ok: true; config: RunConfig } | { ok: false; issues: Issue[] } {
  const r = validateConfig(input);
  if (!r.ok) return r;
  const issues = admissionIssues(r.config, ctx);
  return issues.length ? { ok: false, issues } : r;
}

/** validateRun, or a ConfigError naming every issue (what the CLI and the API report). */
export function admitRun(input: unknown, ctx: AdmissionContext = {}): RunConfig {
  const r = validateRun(input, ctx);
  if (r.ok) return r.config;
  throw configError(r.issues);
}
