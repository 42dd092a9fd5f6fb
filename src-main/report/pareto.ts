/**
 * The Pareto front the reports draw: the one pure implementation in src-shared, so a report and
 * the compare view always agree on which runs are on the front.
 */
export { paretoFront, paretoSteps, type ParetoPoint, type ParetoResult } from '../../src-shared/pareto.js';
