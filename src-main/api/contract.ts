import { z } from 'zod';
import type { EpochMetrics, ProgressInfo } from '../train/messages.js';
import { BACKENDS, DATASETS, type RunConfig } from '../vit/config.js';
import type { CostBreakdown } from '../vit/cost.js';
import type { SweepPlan } from '../runs/sweep.js';
import type { EstimateAnswer, RunEstimate, StoredRunEstimate } from '../runs/estimate-types.js';
import type { DatasetState } from '../data/dataset-state.js';
import type { Comparison, FilterField, ListQuery, ListResult, RunDetail, RunStatus, SortField } from '../store/types.js';

/**
 * The one contract between the dashboard and the engine: every request's name, its input schema
 * (validated at the boundary, whichever transport carried it) and its result type, and every
 * event. The renderer imports types only from here.
 */

const id = z.string().min(1, 'id must not be empty').max(100, 'id is too long');
const ids = z.array(id).min(1, 'ids must name at least one run').max(10_000);
const configInput = z.record(z.string(), z.unknown());
const gridSchema = z.record(z.string(), z.array(z.union([z.string(), z.number()])).min(1).max(100));

export const RUN_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted'] as const;
const CONFIG_COLUMNS = ['dataset', 'image', 'channels', 'classes', 'patch', 'dim', 'depth', 'heads', 'mlp', 'activation', 'dropout', 'epochs', 'batch', 'lr', 'recipe', 'seed'] as const;
export const SORT_FIELDS = [
  ...CONFIG_COLUMNS,
  'id',
  'name',
  'status',
  'createdAt',
  'startedAt',
  'finishedAt',
  'testAcc',
  'testLoss',
  'params',
  'macsPerImage',
  'macsPerBatch',
  'epochsDone',
  'backend',
] as const satisfies readonly SortField[];
export const FILTER_FIELDS = [...CONFIG_COLUMNS, 'backend', 'params', 'macsPerImage', 'testAcc', 'epochsDone'] as const satisfies readonly FilterField[];

const filterValue = z.union([
  z.string(),
  z.number(),
  z.array(z.union([z.string(), z.number()])).max(1000),
  z.object({ min: z.number().optional(), max: z.number().optional() }).strict(),
]);

export const listQuerySchema = z
  .object({
    status: z.union([z.enum(RUN_STATUSES), z.array(z.enum(RUN_STATUSES))]).optional(),
    sweepId: z.string().max(100).optional(),
    ids: z.array(id).max(10_000).optional(),
    search: z.string().max(200).optional(),
    sort: z.enum(SORT_FIELDS, { error: `sort must be one of ${SORT_FIELDS.join(', ')}` }).optional(),
    dir: z.enum(['asc', 'desc']).optional(),
    limit: z.number().int().min(1).max(10_000).optional(),
    offset: z.number().int().min(0).optional(),
    filters: z.partialRecord(z.enum(FILTER_FIELDS), filterValue).optional(),
  })
  .strict() satisfies z.ZodType<ListQuery>;

export const EXPORT_FORMATS = ['md', 'html', 'csv', 'json', 'pdf'] as const;

type Def<I extends z.ZodType, R> = { input: I; result?: R };
const def = <R>() => <I extends z.ZodType>(input: I): Def<I, R> => ({ input });

export interface CostPreview {
  ok: boolean;
  issues: { field: string; message: string }[];
  config?: RunConfig;
  cost?: CostBreakdown;
  summary?: string;
}

export interface SystemInfo {
  version: string;
  dbPath: string;
  dataDir: string;
  presets: { name: string; description: string; config: RunConfig }[];
  datasets: { name: string; found: boolean; dir?: string; problem?: string }[];
  concurrency: number;
  backends: readonly string[];
}

export interface ExportResult {
  format: (typeof EXPORT_FORMATS)[number];
  filename: string;
  mime: string;
  /** Text formats as text, PDF as base64. */
  content: string;
  encoding: 'utf8' | 'base64';
  /** Set where the handler also wrote the file (desktop save dialog, CLI). */
  path?: string;
}

export const requests = {
  'system/info': def<SystemInfo>()(z.object({}).strict()),
  'runs/list': def<ListResult>()(listQuerySchema),
  'runs/get': def<RunDetail>()(z.object({ id }).strict()),
  'runs/start': def<{ id: string }>()(
    z.object({ config: configInput, preset: z.string().optional(), name: z.string().max(200).optional(), tags: z.array(z.string().max(50)).max(20).optional(), notes: z.string().max(10_000).optional() }).strict(),
  ),
  'runs/cancel': def<{ id: string; status: RunStatus }>()(z.object({ id }).strict()),
  'runs/delete': def<{ deleted: string[] }>()(z.object({ ids }).strict()),
  'runs/resume': def<{ id: string }>()(z.object({ id }).strict()),
  'runs/update': def<{ id: string }>()(
    z.object({ id, name: z.string().min(1).max(200).optional(), notes: z.string().max(10_000).optional(), tags: z.array(z.string().max(50)).max(20).optional() }).strict(),
  ),
  'cost/preview': def<CostPreview>()(z.object({ config: configInput, batch: z.number().int().positive().max(100_000).optional() }).strict()),
  'sweeps/preview': def<SweepPlan & { total: number }>()(z.object({ base: configInput, grid: gridSchema }).strict()),
  'sweeps/start': def<{ sweepId: string; runIds: string[]; skipped: SweepPlan['skipped'] }>()(
    z.object({ base: configInput, grid: gridSchema, name: z.string().max(200).optional() }).strict(),
  ),
  'reports/export': def<ExportResult>()(
    z
      .object({
        ids,
        format: z.enum(EXPORT_FORMATS),
        baselineId: id.optional(),
        /** Where to write, for transports that may write files (desktop, CLI); the browser gets content. */
        path: z.string().max(4096).optional(),
        force: z.boolean().optional(),
      })
      .strict(),
  ),
  'comparisons/list': def<Comparison[]>()(z.object({}).strict()),
  'comparisons/save': def<Comparison>()(
    z.object({ name: z.string().min(1).max(200), runIds: ids, baselineRunId: id.optional(), settings: z.record(z.string(), z.unknown()).optional() }).strict(),
  ),
  'comparisons/delete': def<{ id: string }>()(z.object({ id }).strict()),
  /** Expected wall time and training memory of a run on this machine; `probe` measures first where nothing is known. */
  'runs/estimate': def<EstimateAnswer>()(z.object({ config: configInput, preset: z.string().optional(), probe: z.boolean().optional() }).strict()),
  /** What the estimate was when a stored run started, beside its actual time. */
  'runs/estimate-stored': def<StoredRunEstimate>()(z.object({ id }).strict()),
  /** A sweep's runs in the order the queue will run them, each with its estimate, and the total. */
  'sweeps/estimate': def<SweepEstimate>()(z.object({ base: configInput, grid: gridSchema, probe: z.boolean().optional() }).strict()),
  /** Where a data set is read from, or how far its download got (the dashboard polls this). */
  'data/status': def<DatasetState>()(z.object({ dataset: z.enum(DATASETS).optional() }).strict()),
  /** Starts downloading a data set into the app's data folder (verified files only); returns its state. */
  'data/download': def<DatasetState>()(z.object({ dataset: z.enum(DATASETS).optional() }).strict()),
} as const;

export interface SweepEstimate {
  runs: { name: string; estimate: RunEstimate | null }[];
  totalSeconds: number | null;
  needsProbe: boolean;
  probeError?: string;
}

export type { DatasetState, EstimateAnswer, RunEstimate, StoredRunEstimate };

export type RequestName = keyof typeof requests;
export type RequestInput<N extends RequestName> = z.input<(typeof requests)[N]['input']>;
export type RequestResult<N extends RequestName> = NonNullable<(typeof requests)[N]['result']>;

export type ApiEvent =
  | { type: 'run/progress'; runId: string; progress: ProgressInfo }
  | { type: 'run/epoch'; runId: string; metrics: EpochMetrics }
  | { type: 'run/status'; runId: string; status: RunStatus; error?: string }
  | { type: 'runs/changed'; reason: 'created' | 'deleted' | 'updated' };

export type ApiErrorCode = 'invalid_input' | 'not_found' | 'conflict' | 'unknown_request' | 'unauthorized' | 'internal';

export interface ApiErrorBody {
  code: ApiErrorCode;
  message: string;
  issues?: { field: string; message: string }[];
}

/** What every transport sends back: a result or a typed error the UI can show. */
export type ApiResponse<N extends RequestName> = { ok: true; result: RequestResult<N> } | { ok: false; error: ApiErrorBody };

export { BACKENDS, DATASETS };

/**
 * What the preload exposes as `window.vitlab` (Electron), and what the WebSocket client offers in a
 * browser: the same two calls, so the dashboard never knows which transport it runs on.
 */
export interface VitlabBridge {
  call<N extends RequestName>(name: N, input: RequestInput<N>): Promise<ApiResponse<N>>;
  /** Subscribes to every event; returns the unsubscribe function. */
  onEvent(listener: (e: ApiEvent) => void): () => void;
}

/** WebSocket wire format (`vitlab serve`, path /api). */
export type WsClientMessage = { id: number; name: string; input: unknown };
export type WsServerMessage = { id: number; response: ApiResponse<RequestName> } | { event: ApiEvent };
