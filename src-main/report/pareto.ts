/**
 * The Pareto front the reports draw: the dashboard's own pure implementation (no Svelte, no DOM),
 * so a report and the compare view always agree on which runs are on the front.
 */
export { paretoFront, paretoSteps, type ParetoPoint, type ParetoResult } from '../../src-renderer/src/lib/pareto.js';
