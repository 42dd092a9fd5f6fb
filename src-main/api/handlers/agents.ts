import { agentsOf } from '../../store/agents.js';
import { SqliteStore } from '../../store/sqlite-store.js';
import type { HandlersOf } from './types.js';

/** The agents that drain the store's queue (store/agents.ts), for the dashboard's agents panel. */
export const agentHandlers: HandlersOf<'agents'> = {
  'agents/list': (_i, ctx) => agentsOf(ctx.store ?? new SqliteStore(ctx.supervisor.store)).list(),
};
