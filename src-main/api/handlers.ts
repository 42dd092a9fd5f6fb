import { DomainError } from '../../src-shared/errors.js';
import { configIssues } from '../vit/config.js';
import { requests, type ApiErrorBody, type ApiResponse, type RequestName, type RequestResult } from './contract.js';
import { agentHandlers } from './handlers/agents.js';
import { inspectHandlers } from './handlers/inspect.js';
import { reportHandlers } from './handlers/reports.js';
import { runHandlers } from './handlers/runs.js';
import { settingsHandlers } from './handlers/settings.js';
import { sweepHandlers } from './handlers/sweeps.js';
import { systemHandlers } from './handlers/system.js';
import type { HandlerContext, Handlers } from './handlers/types.js';
import { MAX_JSON_DEPTH, valueDepth } from './json-body.js';

export type { HandlerContext };

/**
 * Every request's handler, one file per domain (handlers/*.ts, as Beekeeper Studio's). Typed as
 * `Handlers`: a request added to the contract does not compile until one of them handles it.
 */
const handlers: Handlers = { ...systemHandlers, ...runHandlers, ...sweepHandlers, ...reportHandlers, ...inspectHandlers, ...agentHandlers, ...settingsHandlers };

/** The one place an error becomes an API error: its code is its kind (src-shared/errors.ts). */
function toErrorBody(e: unknown): ApiErrorBody {
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof DomainError) return e.issues.length > 0 ? { code: e.kind, message, issues: e.issues } : { code: e.kind, message };
  return { code: 'internal', message };
}

/**
 * The one entry point both transports call: validates the request name and input against the
 * contract, runs the handler, and turns every outcome into a typed response. Never throws.
 */
export async function dispatch(name: string, input: unknown, ctx: HandlerContext): Promise<ApiResponse<RequestName>> {
  if (!Object.hasOwn(requests, name)) {
    return { ok: false, error: { code: 'unknown_request', message: `unknown request "${String(name).slice(0, 100)}"` } };
  }
  const n = name as RequestName;
  // Every transport, IPC included: a value nested deeper than any request needs would overflow
  // the stack of whatever walks it recursively later (zod, the store's JSON.stringify).
  if (valueDepth(input, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    return { ok: false, error: { code: 'invalid_input', message: `${n}: the request nests deeper than ${MAX_JSON_DEPTH} levels` } };
  }
  const parsed = requests[n].input.safeParse(input ?? {});
  if (!parsed.success) {
    const issues = configIssues(parsed.error);
    return { ok: false, error: { code: 'invalid_input', message: `${n}: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`, issues } };
  }
  try {
    // The database file deleted or replaced under a running app: every request but the info says
    // so, rather than answering from (and writing into) a file that is gone.
    // Settings stay reachable, so the user can point the app at another store.
    if (n !== 'system/info' && !n.startsWith('settings/')) ctx.supervisor?.store.assertFileIntact();
    const handler = handlers[n] as (i: unknown, c: HandlerContext) => unknown;
    return { ok: true, result: (await handler(parsed.data, ctx)) as RequestResult<RequestName> };
  } catch (e) {
    return { ok: false, error: toErrorBody(e) };
  }
}

