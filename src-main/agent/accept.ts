import os from 'node:os';
import { admissionIssues, thisMachine } from '../runs/admission.js';
import type { AgentAccepts } from '../store/agents.js';
import type { ClaimFilter } from '../store/store.js';
import type { RunConfig } from '../vit/config.js';

/**
 * What an agent takes from the shared queue. Two kinds of rule: those the store can apply while
 * claiming (sweep, backends, parameter count: store.ts's ClaimFilter), and those only this machine
 * can judge (runs/admission.ts: the data set is here, the memory estimate fits this machine and
 * `--max-memory`). A run refused by the second kind is excluded from this agent's claims and
 * stays queued for the others.
 */

export class AcceptError extends Error {
  override name = 'AcceptError';
}

const ACCEPT_KEYS = ['sweep', 'backend', 'max-params'] as const;

/** `--accept key=value[,value…]`, repeatable: sweep=ID, backend=wasm,cpu,auto, max-params=N. */
export function parseAccepts(items: readonly string[], maxMemoryMB?: number): AgentAccepts {
  const out: AgentAccepts = {};
  if (maxMemoryMB !== undefined) {
    if (!Number.isFinite(maxMemoryMB) || maxMemoryMB <= 0) throw new AcceptError(`--max-memory must be a positive number of MB, got ${maxMemoryMB}`);
    out.maxMemoryMB = maxMemoryMB;
  }
  for (const item of items) {
    const m = /^([a-z-]+)=(.+)$/.exec(item.trim());
    if (!m) throw new AcceptError(`--accept "${item}": expected key=value (keys: ${ACCEPT_KEYS.join(', ')})`);
    const [, key, value] = m;
    const values = value.split(',').map((v) => v.trim()).filter(Boolean);
    if (key === 'sweep') out.sweepId = value.trim();
    else if (key === 'backend') out.backends = [...(out.backends ?? []), ...values];
    else if (key === 'max-params') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new AcceptError(`--accept max-params: "${value}" is not a whole number ≥ 1`);
      out.maxParams = n;
    } else throw new AcceptError(`--accept: unknown key "${key}" (keys: ${ACCEPT_KEYS.join(', ')})`);
  }
  return out;
}

/** The rules the store applies while claiming. */
export function claimFilterOf(a: AgentAccepts, excludeIds: readonly string[]): ClaimFilter {
  return { sweepId: a.sweepId, backends: a.backends, maxParams: a.maxParams, excludeIds };
}

/**
 * Why this machine will not train the config (null: it will): the data set must be found here and
 * the memory estimate must fit both the machine and `maxMemoryMB` — the same estimate and message
 * as admission everywhere else, with the limit taken as the memory this machine may use.
 */
export function refusalOf(config: RunConfig, a: AgentAccepts, ctx: { dataDir?: string } = {}): string | null {
  const m = thisMachine();
  const cap = a.maxMemoryMB !== undefined ? a.maxMemoryMB * 2 ** 20 : Infinity;
  const machine = { ...m, totalBytes: Math.min(m.totalBytes, cap), freeBytes: Math.min(os.freemem(), cap) };
  const issues = admissionIssues(config, { dataDir: ctx.dataDir, machine });
  if (!issues.length) return null;
  const limit = a.maxMemoryMB !== undefined ? ` (this agent's --max-memory is ${a.maxMemoryMB} MB)` : '';
  return `${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}${limit}`;
}
