// Moved to src-shared (the engine's reports draw the same front); kept so imports stay short.
export * from '../../../src-shared/pareto.js';
