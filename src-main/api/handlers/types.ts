import type { z } from 'zod';
import type { Inspector } from '../../inspect/service.js';
import type { Supervisor } from '../../runs/supervisor.js';
import type { Store } from '../../store/store.js';
import type { requests, RequestInput, RequestName, RequestResult } from '../contract.js';

export interface HandlerContext {
  supervisor: Supervisor;
  /** The asynchronous store, where the transport opened one (a shared store); else the supervisor's file is used. */
  store?: Store;
  dbPath: string;
  dataDir: string;
  version: string;
  /** Exports a report; provided by the report module (kept out of here so handlers stay thin). */
  exportReport?: (input: RequestInput<'reports/export'>) => Promise<RequestResult<'reports/export'>>;
  /** Looks inside trained runs (mistakes, attention, own images) through inspection workers. */
  inspector?: Inspector;
  /** Exports a run's weights (safetensors, the portable run file). */
  exportWeights?: (input: RequestInput<'runs/exportWeights'>) => Promise<RequestResult<'runs/exportWeights'>>;
}

export type Handler<N extends RequestName> = (input: z.output<(typeof requests)[N]['input']>, ctx: HandlerContext) => RequestResult<N> | Promise<RequestResult<N>>;

/** Every request's handler: a domain file's map is this type narrowed to its request names. */
export type Handlers = { [N in RequestName]: Handler<N> };

/** The handlers of the requests named `domain/…` for the given domains. */
export type HandlersOf<D extends string> = { [N in RequestName as N extends `${D}/${string}` ? N : never]: Handler<N> };
