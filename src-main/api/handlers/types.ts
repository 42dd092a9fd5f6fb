import type { z } from 'zod';
import { DomainError } from '../../../src-shared/errors.js';
import type { Inspector } from '../../inspect/service.js';
import { localQueue, type RunQueue } from '../../app/services/run-queue.js';
import type { AdmissionContext } from '../../runs/admission.js';
import { estimatorFor, type Estimator } from '../../runs/estimator.js';
import type { Supervisor } from '../../runs/supervisor.js';
import { SqliteStore } from '../../store/sqlite-store.js';
import type { StoreChoice } from '../../store/open-store.js';
import type { Store } from '../../store/store.js';
import type { requests, RequestInput, RequestName, RequestResult } from '../contract.js';

export interface HandlerContext {
  /**
   * The writer that trains runs in this process (queue, cancel, resume, edits). Absent where this
   * process serves a shared store it does not train (serve on a PostgreSQL store): the writes then
   * go to `queue`, the store's, for `vitlab agent` processes, and estimates are for this machine (estimatorOf).
   */
  supervisor?: Supervisor;
  /** Without a supervisor: the shared store's queue (app/services/run-queue.ts sharedQueue) that the writes go to. */
  queue?: RunQueue;
  /** The store the reads go through (either backend); default the supervisor's SQLite store. */
  store?: Store;
  /** Where the store is, for messages: a file path or a PostgreSQL URL without its password. */
  dbPath: string;
  dataDir: string;
  version: string;
  /** Exports a report; provided by the report module (kept out of here so handlers stay thin). */
  exportReport?: (input: RequestInput<'reports/export'>) => Promise<RequestResult<'reports/export'>>;
  /** Looks inside trained runs (mistakes, attention, own images) through inspection workers. */
  inspector?: Inspector;
  /** Exports a run's weights (safetensors, the portable run file). */
  exportWeights?: (input: RequestInput<'runs/exportWeights'>) => Promise<RequestResult<'runs/exportWeights'>>;
  /** The store this process uses and where that choice came from (store/open-store.ts chooseStore), for settings/get. */
  storeChoice?: StoreChoice;
  /** The settings file settings/get and settings/set read and write (store/settings.ts); absent: settings are refused. */
  settingsFile?: string;
  /** Restarts the process so saved settings take effect: the desktop app only (Electron's app.relaunch). */
  relaunch?: () => void;
}

/** The supervisor, or an 'unavailable' error saying why this serve cannot do `what`. */
export function supervisorOf(ctx: HandlerContext, what: string): Supervisor {
  if (ctx.supervisor) return ctx.supervisor;
  throw new DomainError('unavailable', `${what} needs a supervisor training in this process, and this serve trains nothing (agents train the runs of its store ${ctx.dbPath}); serve a SQLite store for it`);
}

/** What admission checks here: the queue's (the supervisor's, or a shared store's), else this process's data folder (a preview only). */
export function admissionOf(ctx: HandlerContext): AdmissionContext {
  return ctx.supervisor?.admission ?? ctx.queue?.admission ?? { dataDir: ctx.dataDir };
}

/**
 * Where queue, cancel, resume and edits go: the supervisor when this process trains, else the
 * shared store's queue that agents drain (serve on PostgreSQL); without either, refused.
 */
export function queueOf(ctx: HandlerContext, what: string): RunQueue {
  if (ctx.supervisor) return localQueue(ctx.supervisor);
  return ctx.queue ?? localQueue(supervisorOf(ctx, what));
}

const wrapped = new WeakMap<object, Store>();

/** The store the reads go through: the context's, else the supervisor's RunStore behind the Store interface. */
export function storeOf(ctx: HandlerContext): Store {
  if (ctx.store) return ctx.store;
  const runs = supervisorOf(ctx, 'reading runs').store;
  let s = wrapped.get(runs);
  if (!s) wrapped.set(runs, (s = new SqliteStore(runs)));
  return s;
}

/**
 * The estimator of the store the reads go through. Where this process trains nothing (serve on a
 * shared store) it still answers, for this machine from its own runs and probes, and says so.
 */
export function estimatorOf(ctx: HandlerContext): Estimator {
  return estimatorFor(storeOf(ctx), { trainsHere: ctx.supervisor !== undefined });
}

export type Handler<N extends RequestName> = (input: z.output<(typeof requests)[N]['input']>, ctx: HandlerContext) => RequestResult<N> | Promise<RequestResult<N>>;

/** Every request's handler: a domain file's map is this type narrowed to its request names. */
export type Handlers = { [N in RequestName]: Handler<N> };

/** The handlers of the requests named `domain/…` for the given domains. */
export type HandlersOf<D extends string> = { [N in RequestName as N extends `${D}/${string}` ? N : never]: Handler<N> };
