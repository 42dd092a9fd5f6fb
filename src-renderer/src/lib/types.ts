/**
 * Every type the dashboard shares with the engine, imported as types only: nothing from src-main
 * is bundled into the renderer (no zod, no engine code).
 */
export type {
  AgentInfo,
  ApiErrorBody,
  ApiErrorCode,
  ApiEvent,
  ApiResponse,
  CostPreview,
  DatasetState,
  EstimateAnswer,
  ExportResult,
  RequestInput,
  RequestName,
  RequestResult,
  RunEstimate,
  StoredRunEstimate,
  SettingsInfo,
  StoreSource,
  SweepEstimate,
  SystemInfo,
  VitlabBridge,
  WsClientMessage,
  WsServerMessage,
} from '../../../src-main/api/contract.js';
export type { RunConfig } from '../../../src-main/vit/config.js';
export type { CostBreakdown, CostLine } from '../../../src-main/vit/cost.js';
export type { EpochMetrics, EvalResult, ProgressInfo, RunEnvironment, StepPoint } from '../../../src-main/train/messages.js';
export type { SweepPlan } from '../../../src-main/runs/sweep.js';
export type {
  ClassResult,
  Comparison,
  EpochRecord,
  FilterField,
  FilterValue,
  ListResult,
  RunDetail,
  RunStatus,
  RunSummary,
  SortField,
  StepCurve,
} from '../../../src-main/store/types.js';

import type { RequestResult } from '../../../src-main/api/contract.js';
/** A saved comparison, as `comparisons/save` returns it. */
export type ComparisonRecord = RequestResult<'comparisons/save'>;
/** What a chart needs of an epoch, from a stored record or a live event. */
export interface EpochLike {
  epoch: number;
  trainLoss: number | null;
  trainAcc: number;
  testLoss: number | null;
  testAcc: number;
}
/** One image through a run's model (inspect/attention, inspect/predict). */
export type AttentionResult = RequestResult<'inspect/attention'>;
/** A page of test images of a confusion cell or class (inspect/mistakes). */
export type MistakesResult = RequestResult<'inspect/mistakes'>;
