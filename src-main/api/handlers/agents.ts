import { agentsOf } from '../../store/agents.js';
import { storeOf, type HandlersOf } from './types.js';

/** The agents that drain the store's queue (store/agents.ts), for the dashboard's agents panel. */
export const agentHandlers: HandlersOf<'agents'> = {
  'agents/list': (_i, ctx) => agentsOf(storeOf(ctx)).list(),
};
