import { z } from 'zod';
import type { ErrorKind } from '../../src-shared/errors.js';
import { COLUMN_KEYS } from '../../src-shared/fields.js';
import { RUN_STATUSES } from '../../src-shared/run-status.js';
import type { EpochMetrics, ProgressInfo, StepPoint } from '../train/messages.js';
import { BACKENDS, DATASETS, type RunConfig } from '../vit/config.js';
import type { CostBreakdown } from '../vit/cost.js';
import type { SweepPlan } from '../runs/sweep.js';
import { MAX_IMAGE_BYTES, MAX_PAGE, WEIGHT_FORMATS } from '../inspect/formats.js';
import type { WeightsExportResult } from '../inspect/export.js';
import type { AttentionResult } from '../inspect/messages.js';
import type { MistakesResult } from '../inspect/service.js';
import { MAX_REPEATS } from '../../src-shared/groups.js';
import type { EstimateAnswer, EstimateMachine, RunEstimate, StoredRunEstimate } from '../runs/estimate-types.js';
import type { DatasetState } from '../data/dataset-state.js';
import type { AgentInfo } from '../store/agents.js';
import type { StoreSource } from '../store/open-store.js';
import type { Comparison, FilterField, GroupFigure, GroupListResult, GroupQuery, GroupSortField, ListQuery, StepCurve, ListResult, RunDetail, RunStatus, SortField } from '../store/types.js';

/**
 * The one contract between the dashboard and the engine: every request's name, its input schema
 * (validated at the boundary, whichever transport carried it) and its result type, and every
 * event. The renderer imports types only from here.
 */

const id = z.string().min(1, 'id must not be empty').max(100, 'id is too long');
const ids = z.array(id).min(1, 'ids must name at least one run').max(10_000);
/**
 * A JSON object with any keys. Not z.record: zod's record takes an own `constructor` key for a
 * class instance and answers "expected record, received object"; with an object every key
 * reaches the validation that names it ("unknown field(s): constructor").
 */
const jsonObject = <V extends z.ZodType>(value: V) => z.object({}).catchall(value);
const configInput = jsonObject(z.unknown());
const gridSchema = jsonObject(z.array(z.union([z.string(), z.number()])).min(1).max(100));
/**
 * Repeats of one config over seeds (src-shared/groups.ts): `repeats` N runs seeded from the
 * config's seed on, or the given `seeds`; never both.
 */
const repeatFields = {
  repeats: z.number().int('repeats must be a whole number').min(1, 'repeats must be at least 1').max(MAX_REPEATS, `repeats must be at most ${MAX_REPEATS}`).optional(),
  seeds: z
    .array(z.number().int('seeds must be whole numbers').min(0, 'seeds must be at least 0').max(2 ** 31 - 1))
    .min(1, 'seeds must list at least one seed')
    .max(MAX_REPEATS, `seeds must list at most ${MAX_REPEATS}`)
    .refine((s) => new Set(s).size === s.length, 'seeds: each seed at most once')
    .optional(),
};
const oneRepeatForm = (v: { repeats?: number; seeds?: number[] }) => v.repeats === undefined || v.seeds === undefined;
const oneRepeatFormError = { message: 'give repeats or seeds, not both', path: ['seeds'] };

export { RUN_STATUSES };
const CONFIG_COLUMNS = COLUMN_KEYS;
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
    // An object of optional fields rather than z.partialRecord, for the reason given at jsonObject.
    filters: z
      .object(Object.fromEntries(FILTER_FIELDS.map((f) => [f, filterValue.optional()])) as Record<(typeof FILTER_FIELDS)[number], z.ZodOptional<typeof filterValue>>)
      .strict()
      .optional(),
  })
  .strict() satisfies z.ZodType<ListQuery>;

export const GROUP_FIGURES = ['n', 'testAcc', 'testAccStd', 'testAccMin', 'testAccMax', 'testLoss', 'testLossStd', 'params', 'macsPerImage', 'createdAt'] as const satisfies readonly GroupFigure[];
export const GROUP_SORT_FIELDS = [...GROUP_FIGURES, ...CONFIG_COLUMNS.filter((c) => c !== 'seed')] as const satisfies readonly GroupSortField[];
const range = z.object({ min: z.number().optional(), max: z.number().optional() }).strict();

/** The runs table grouped by config without the seed: the run filters, then the groups' own. */
export const groupQuerySchema = z
  .object({
    ...listQuerySchema.pick({ status: true, sweepId: true, ids: true, search: true, filters: true, dir: true, limit: true, offset: true }).shape,
    sort: z.enum(GROUP_SORT_FIELDS as readonly GroupSortField[] as [GroupSortField, ...GroupSortField[]], { error: `sort must be one of ${GROUP_SORT_FIELDS.join(', ')}` }).optional(),
    having: z.partialRecord(z.enum(GROUP_FIGURES), range).optional(),
  })
  .strict() satisfies z.ZodType<GroupQuery>;

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
  'runs/groups': def<GroupListResult>()(groupQuerySchema),
  /** Per-step training curves of up to 100 runs, by id (an unknown id is absent). */
  'runs/steps': def<Record<string, StepCurve>>()(z.object({ ids: z.array(id).min(1).max(100) }).strict()),
  /** `id` is the first run's; `ids` every repeat's, in seed order. */
  'runs/start': def<{ id: string; ids: string[] }>()(
    z
      .object({ config: configInput, preset: z.string().optional(), name: z.string().max(200).optional(), tags: z.array(z.string().max(50)).max(20).optional(), notes: z.string().max(10_000).optional(), ...repeatFields })
      .strict()
      .refine(oneRepeatForm, oneRepeatFormError),
  ),
  'runs/cancel': def<{ id: string; status: RunStatus }>()(z.object({ id }).strict()),
  'runs/delete': def<{ deleted: string[] }>()(z.object({ ids }).strict()),
  'runs/resume': def<{ id: string }>()(z.object({ id }).strict()),
  'runs/update': def<{ id: string }>()(
    z.object({ id, name: z.string().min(1).max(200).optional(), notes: z.string().max(10_000).optional(), tags: z.array(z.string().max(50)).max(20).optional() }).strict(),
  ),
  'cost/preview': def<CostPreview>()(z.object({ config: configInput, batch: z.number().int().positive().max(100_000).optional() }).strict()),
  'sweeps/preview': def<SweepPlan & { total: number }>()(z.object({ base: configInput, grid: gridSchema, ...repeatFields }).strict().refine(oneRepeatForm, oneRepeatFormError)),
  'sweeps/start': def<{ sweepId: string; runIds: string[]; skipped: SweepPlan['skipped'] }>()(
    z.object({ base: configInput, grid: gridSchema, name: z.string().max(200).optional(), ...repeatFields }).strict().refine(oneRepeatForm, oneRepeatFormError),
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
    z.object({ name: z.string().min(1).max(200), runIds: ids, baselineRunId: id.optional(), settings: jsonObject(z.unknown()).optional() }).strict(),
  ),
  'comparisons/delete': def<{ id: string }>()(z.object({ id }).strict()),
  /** The test images of a confusion cell (trueClass + predicted) or of a class, most confident first, one page. */
  'inspect/mistakes': def<MistakesResult>()(
    z
      .object({
        id,
        trueClass: z.number().int().min(0).max(1000).optional(),
        predicted: z.number().int().min(0).max(1000).optional(),
        mistakesOnly: z.boolean().optional(),
        offset: z.number().int().min(0).optional(),
        limit: z.number().int().min(1).max(MAX_PAGE).optional(),
      })
      .strict(),
  ),
  /** One test image through the run's model: probabilities, cls attention per layer and head, rollout. */
  'inspect/attention': def<AttentionResult>()(z.object({ id, index: z.number().int().min(0).max(10_000_000) }).strict()),
  /** The user's own PNG/JPEG (base64), converted as the training data was; nothing is stored. */
  'inspect/predict': def<AttentionResult>()(
    z.object({ id, image: z.string().min(1, 'image is empty').max(Math.ceil(MAX_IMAGE_BYTES / 3) * 4, `image must be at most ${MAX_IMAGE_BYTES / 2 ** 20} MB`), invert: z.boolean().optional() }).strict(),
  ),
  /** A run's weights: safetensors for PyTorch, or the portable run file for `vitlab import`. */
  'runs/exportWeights': def<WeightsExportResult>()(
    z.object({ id, format: z.enum(WEIGHT_FORMATS), path: z.string().max(4096).optional(), force: z.boolean().optional() }).strict(),
  ),
  /** Expected wall time and training memory of a run on this machine; `probe` measures first where nothing is known. */
  'runs/estimate': def<EstimateAnswer>()(z.object({ config: configInput, preset: z.string().optional(), probe: z.boolean().optional() }).strict()),
  /** What the estimate was when a stored run started, beside its actual time. */
  'runs/estimate-stored': def<StoredRunEstimate>()(z.object({ id }).strict()),
  /** A sweep's runs in the order the queue will run them, each with its estimate, and the total. */
  'sweeps/estimate': def<SweepEstimate>()(z.object({ base: configInput, grid: gridSchema, probe: z.boolean().optional() }).strict()),
  /** The `vitlab agent` processes registered with the store: alive by the heartbeat rule, and what each runs. */
  'agents/list': def<AgentInfo[]>()(z.object({}).strict()),
  /** The app settings (settings.json in the data folder) and the store this process uses; no credentials. */
  'settings/get': def<SettingsInfo>()(z.object({}).strict()),
  /**
   * Saves the store location (a SQLite file's absolute path or a postgres:// URL; null: back to
   * the default file) after checking that it can be used; it takes effect on the next start.
   */
  'settings/set': def<SettingsInfo>()(z.object({ store: z.string().trim().min(1, 'give a SQLite file path or a postgres:// URL').max(4096).nullable() }).strict()),
  /** The desktop app restarts to use the saved settings (refused where this process cannot restart itself, as serve). */
  'settings/relaunch': def<{ relaunching: true }>()(z.object({}).strict()),
  /** Where a data set is read from, or how far its download got (the dashboard polls this). */
  'data/status': def<DatasetState>()(z.object({ dataset: z.enum(DATASETS).optional() }).strict()),
  /** Starts downloading a data set into the app's data folder (verified files only); returns its state. */
  'data/download': def<DatasetState>()(z.object({ dataset: z.enum(DATASETS).optional() }).strict()),
} as const;

/** What the Settings view shows. Every store location in it is redacted (store/redact.ts): no password. */
export interface SettingsInfo {
  /** The settings file. */
  file: string;
  /** The store saved there; null: none saved (the default SQLite file). */
  saved: { store: string; shared: boolean } | null;
  /** The file cannot be read (damaged): what is wrong. Saving is refused until it is fixed or removed. */
  problem: string | null;
  /** The store this process uses, and where that choice came from (store/open-store.ts STORE_SOURCES). */
  active: { store: string; shared: boolean; source: StoreSource };
  /** The saved store is not the one in use: it takes effect on the next start. */
  restartNeeded: boolean;
  /** A flag or environment variable names the store, so the saved one is not used while it does. */
  overriddenBy: Exclude<StoreSource, 'settings' | 'default'> | null;
  /** This process can restart itself (the desktop app): settings/relaunch. */
  canRelaunch: boolean;
}

export interface SweepEstimate {
  runs: { name: string; estimate: RunEstimate | null }[];
  totalSeconds: number | null;
  needsProbe: boolean;
  /** The machine the estimate is for. */
  machine: EstimateMachine;
  probeError?: string;
}

export type { AgentInfo, DatasetState, EstimateMachine, StoreSource, EstimateAnswer, RunEstimate, StoredRunEstimate };

export type RequestName = keyof typeof requests;
export type RequestInput<N extends RequestName> = z.input<(typeof requests)[N]['input']>;
export type RequestResult<N extends RequestName> = NonNullable<(typeof requests)[N]['result']>;

export type ApiEvent =
  | { type: 'run/progress'; runId: string; progress: ProgressInfo }
  | { type: 'run/epoch'; runId: string; metrics: EpochMetrics }
  | { type: 'run/step'; runId: string; point: StepPoint }
  | { type: 'run/status'; runId: string; status: RunStatus; error?: string }
  | { type: 'runs/changed'; reason: 'created' | 'deleted' | 'updated' }
  /** An agent registered or stopped (a shared PostgreSQL store: api/run-feed.ts). */
  | { type: 'agents/changed' };

/** A domain error's kind (src-shared/errors.ts), or a refusal by the transport itself. */
export type ApiErrorCode = ErrorKind | 'unknown_request' | 'unauthorized';

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
