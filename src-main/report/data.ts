/**
 * What a report says, independent of how it is written: the Markdown and the HTML renderers both
 * read from here, so the two formats always carry the same content. Pure: no I/O.
 */
import { DATASET_REGISTRY } from '../data/datasets.js';
import type { RunDetail, RunSummary } from '../store/types.js';
import type { EvalResult } from '../train/messages.js';
import type { RunConfig } from '../vit/config.js';
import { computeCost, type CostBreakdown, type CostLine } from '../vit/cost.js';
import { FIELD_GROUPS, FIELD_KEYS, FIELDS, nullableField, reportLabelOf, type FieldKey } from '../../src-shared/fields.js';
import { groupDeltas, groupFront, groupStats, type GroupDelta, type GroupFrontPoint, type GroupStat } from '../../src-shared/group-compare.js';
import { paretoFront, type ParetoResult } from '../../src-shared/pareto.js';
import { evalResultOf } from './result-block.js';
import { commas, dateTime, duration, fixed, pct, plain, secondsBetween } from './format.js';

export interface ReportOptions {
  /** When the report was generated (shown in its footer); fixed in golden tests. */
  generatedAt?: Date;
}

/** The run's stored cost breakdown, or (for a run stored without one) the same numbers computed now. */
export const costOf = (run: Pick<RunSummary, 'config'> & { cost?: CostBreakdown | null }): CostBreakdown =>
  run.cost ?? computeCost(run.config, run.config.batch);

export const resultOf = (run: RunDetail): EvalResult | null => evalResultOf(run);

export function datasetTitle(name: string): string {
  return (DATASET_REGISTRY as Record<string, { title: string } | undefined>)[name]?.title ?? name;
}

type ClassSource = Pick<RunDetail, 'config' | 'perClass' | 'confusion'>;

/**
 * How many classes a report shows for a run: as many as its stored results hold, or its config's
 * count where that is within the config bounds. Never the stored number alone: a row written before
 * `classes` had a bound (or by another writer) may say 1e9, and a report sized by it would allocate
 * billions of cells and take the process down. The stored arrays are real data, so they are bounded.
 */
export function classCount(run: ClassSource): number {
  const c = run.config.classes;
  const configured = Number.isInteger(c) && c >= 0 && c <= FIELDS.classes.max ? c : 0;
  return Math.max(run.perClass.length, run.confusion?.length ?? 0, configured);
}

export function classNames(run: ClassSource): string[] {
  const spec = (DATASET_REGISTRY as Record<string, { classes: readonly string[] } | undefined>)[run.config.dataset];
  const named = spec && spec.classes.length === run.config.classes ? spec.classes : [];
  return Array.from({ length: classCount(run) }, (_, k) => named[k] ?? String(k));
}

// ── cost breakdown lines, in the seed report's words ─────────────────────────────────────────

export interface BreakdownLine {
  /** The cost model's line name (norm1, qkv, QKᵀ, …). */
  key: string;
  section: 'Multi-Head Attention' | 'MLP';
  /** "qkv linear layers", as the seed names it. */
  label: string;
  /** "64 input channels, 192 output channels". */
  detail: string;
  /** The symbolic formula (MACs only): "B × N × input channel × output channel". */
  symbolic?: string;
  /** The numeric formula: "64 × 192 + 192". */
  formula: string;
  value: number;
  /** The whole line as the seed writes it: "Parameters = 64 × 192 + 192 = 12480". */
  text: string;
}

const LINEAR_SYMBOLIC = 'B × N × input channel × output channel';

function describe(key: string, c: RunConfig): Omit<BreakdownLine, 'formula' | 'value' | 'text'> {
  const d = c.dim;
  const ch = (i: number, o: number) => `${i} input channels, ${o} output channels`;
  switch (key) {
    case 'norm1':
      return { key, section: 'Multi-Head Attention', label: 'norm1', detail: `LayerNorm: gamma and beta for each of ${d} channels` };
    case 'qkv':
      return { key, section: 'Multi-Head Attention', label: 'qkv linear layers', detail: ch(d, 3 * d), symbolic: LINEAR_SYMBOLIC };
    case 'QKᵀ':
      return {
        key,
        section: 'Multi-Head Attention',
        label: 'Attention score α = Q @ Kᵀ',
        detail: `${c.heads} heads of dimension ${d / c.heads}`,
        symbolic: 'B × num heads × N × (head dim × N)',
      };
    case 'attn·V':
      return {
        key,
        section: 'Multi-Head Attention',
        label: 'Output out = attention @ V',
        detail: `${c.heads} heads of dimension ${d / c.heads}`,
        symbolic: 'B × num heads × N × (N × head dim)',
      };
    case 'fc_out':
      return { key, section: 'Multi-Head Attention', label: 'fc_out linear layer', detail: ch(d, d), symbolic: LINEAR_SYMBOLIC };
    case 'norm2':
      return { key, section: 'MLP', label: 'norm2', detail: `LayerNorm: gamma and beta for each of ${d} channels` };
    case 'mlp1':
      return { key, section: 'MLP', label: 'Linear Layer 1', detail: ch(d, c.mlp), symbolic: LINEAR_SYMBOLIC };
    case 'mlp2':
      return { key, section: 'MLP', label: 'Linear Layer 2', detail: ch(c.mlp, d), symbolic: LINEAR_SYMBOLIC };
    default:
      return { key, section: 'MLP', label: key, detail: '' };
  }
}

/** Parameters of one encoder layer, each line "Parameters = 64 × 192 + 192 = 12480" (no separators, as the seed). */
export function paramBreakdown(cost: CostBreakdown, c: RunConfig): { lines: BreakdownLine[]; total: number; totalText: string } {
  const lines = cost.params.layer.map((l: CostLine) => ({
    ...describe(l.name, c),
    symbolic: undefined,
    formula: l.formula,
    value: l.value,
    text: `Parameters = ${l.formula} = ${plain(l.value)}`,
  }));
  return {
    lines,
    total: cost.params.layerTotal,
    totalText: `Total parameters = ${lines.map((l) => plain(l.value)).join(' + ')} = ${plain(cost.params.layerTotal)}`,
  };
}

/** MACs of one encoder layer, each line "MACs = B × N × … = 100 × 50 × 64 × 192 = 61,440,000" (as the seed). */
export function macBreakdown(cost: CostBreakdown, c: RunConfig): { lines: BreakdownLine[]; total: number; totalText: string } {
  const lines = cost.macs.layer.map((l: CostLine) => {
    const desc = describe(l.name, c);
    return {
      ...desc,
      formula: l.formula,
      value: l.value,
      text: `MACs = ${desc.symbolic ? `${desc.symbolic} = ` : ''}${l.formula} = ${commas(l.value)}`,
    };
  });
  return {
    lines,
    total: cost.macs.layerTotal,
    totalText: `Total MACs = ${lines.map((l) => commas(l.value)).join(' + ')} = ${commas(cost.macs.layerTotal)}`,
  };
}

// ── tables of a single run ───────────────────────────────────────────────────────────────────

export type Row = [label: string, value: string];

/** The report's config tables: the registry's groups, labels and order (src-shared/fields.ts). */
const CONFIG_GROUPS: { title: string; fields: [FieldKey, string][] }[] = FIELD_GROUPS.map((g) => ({
  title: g.title,
  fields: FIELD_KEYS.filter((k) => FIELDS[k].group === g.id).map((k): [FieldKey, string] => [k, reportLabelOf(k)]),
}));

/** Every config field, in a stable order; unknown (newer) fields at the end. */
export const CONFIG_FIELDS: FieldKey[] = FIELD_KEYS;
const FIELD_LABELS = Object.fromEntries(CONFIG_GROUPS.flatMap((g) => g.fields)) as Record<string, string>;
export const fieldLabel = (k: string): string => FIELD_LABELS[k] ?? k;

export function configValue(c: RunConfig, k: string): string {
  const fields: Readonly<Record<string, unknown>> = c;
  const v = fields[k];
  if ((k === 'limitTrain' || k === 'limitTest') && v === 0) return 'all';
  if (typeof v === 'number') return String(v);
  if (v == null) return nullableField(k) ? "recipe's" : '—';
  return String(v);
}

export function configGroups(c: RunConfig): { title: string; rows: Row[] }[] {
  const known = new Set<string>(CONFIG_FIELDS);
  const extra = Object.keys(c).filter((k) => !known.has(k));
  const groups = CONFIG_GROUPS.map((g) => ({ title: g.title, rows: g.fields.map(([k, label]): Row => [label, configValue(c, k)]) }));
  if (extra.length) groups.push({ title: 'Other', rows: extra.map((k): Row => [k, configValue(c, k)]) });
  return groups;
}

export function keyFigures(run: RunDetail): Row[] {
  const cost = costOf(run);
  const r = resultOf(run);
  return [
    ['Test accuracy', r ? `${pct(r.correct / r.total)} (${r.correct}/${r.total})` : run.testAcc != null ? `${pct(run.testAcc)} (latest epoch)` : '—'],
    ['Test loss', r ? r.testLoss.toFixed(6) : run.testLoss != null ? `${run.testLoss.toFixed(6)} (latest epoch)` : '—'],
    ['Parameters', `${commas(cost.params.total)} (${commas(cost.params.layerTotal)} per encoder layer)`],
    [`MACs per encoder layer (B = ${cost.batch})`, commas(cost.macs.layerTotal)],
    ['MACs per image', `${commas(cost.macs.perImage)} (FLOPs ${commas(cost.flops.perImage)})`],
    ['Epochs', `${run.epochsDone} of ${run.config.epochs}`],
    ['Status', run.status + (run.error ? `: ${run.error}` : '')],
  ];
}

/** Whole-model parameters: one row per part and the total. */
export function modelParamRows(cost: CostBreakdown): { rows: [string, string, string][]; total: string } {
  return {
    rows: cost.params.model.map((l) => [l.name, l.formula, commas(l.value)]),
    total: commas(cost.params.total),
  };
}

/** Whole-model MACs per batch and per image. */
export function modelMacRows(cost: CostBreakdown): { rows: [string, string, string, string][]; totals: [string, string, string][] } {
  const B = cost.batch;
  return {
    rows: cost.macs.model.map((l) => [l.name, l.formula, commas(l.value), commas(l.value / B)]),
    totals: [
      ['Total MACs', commas(cost.macs.perBatch), commas(cost.macs.perImage)],
      ['Total FLOPs (2 × MACs)', commas(cost.flops.perBatch), commas(cost.flops.perImage)],
    ],
  };
}

export const EPOCH_HEADERS = ['Epoch', 'Train loss', 'Train acc', 'Test loss', 'Test acc', 'LR', 'Seconds', 'Samples/s'];

export function epochRows(run: RunDetail): string[][] {
  return run.epochs.map((e) => [
    String(e.epoch),
    fixed(e.trainLoss, 4),
    pct(e.trainAcc),
    fixed(e.testLoss, 4),
    pct(e.testAcc),
    e.lr.toPrecision(3).replace(/\.?0+(e|$)/, '$1'),
    e.seconds.toFixed(1),
    e.samplesPerSec.toFixed(1),
  ]);
}

export function environmentRows(run: RunDetail): Row[] {
  const rows: Row[] = [['Backend', run.backend ?? '— (not started)']];
  for (const [k, v] of Object.entries(run.versions ?? {}).sort(([a], [b]) => a.localeCompare(b))) rows.push([`Version: ${k}`, v]);
  const m = run.machine;
  if (m) {
    rows.push(['Machine', `${m.platform} ${m.arch}, ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB`]);
    rows.push(['Host', m.hostname]);
  }
  const trainSeconds = run.epochs.reduce((s, e) => s + e.seconds, 0);
  rows.push(
    ['Seed', String(run.config.seed)],
    ['Created', dateTime(run.createdAt)],
    ['Started', dateTime(run.startedAt)],
    ['Finished', dateTime(run.finishedAt)],
    ['Duration', duration(secondsBetween(run.startedAt, run.finishedAt))],
    ['Training time (sum of epochs)', run.epochs.length ? duration(trainSeconds) : '—'],
  );
  if (run.epochs.length) {
    const sps = run.epochs.reduce((s, e) => s + e.samplesPerSec, 0) / run.epochs.length;
    rows.push(['Throughput (mean of epochs)', `${sps.toFixed(1)} samples/s`]);
  }
  return rows;
}

export interface PerClassRow {
  k: number;
  label: string;
  correct: number;
  total: number;
  acc: number | null;
}

export function perClassRows(run: RunDetail): PerClassRow[] {
  const names = classNames(run);
  return run.perClass.map((c) => ({ k: c.class, label: names[c.class] ?? String(c.class), correct: c.correct, total: c.total, acc: c.acc }));
}

// ── comparisons ──────────────────────────────────────────────────────────────────────────────

export interface ComparedRun {
  run: RunDetail;
  cost: CostBreakdown;
  /** Final accuracy, else the latest epoch's, else null. */
  acc: number | null;
  final: boolean;
}

export interface Comparison {
  runs: ComparedRun[];
  baseline: ComparedRun;
  /** Fields shown in the main table: the core model fields plus every field that differs. */
  tableFields: (keyof RunConfig)[];
  differs: { field: string; values: string[] }[];
  same: { field: string; value: string }[];
  paretoMacs: ParetoResult<{ id: string; cost: number; acc: number | null }>;
  paretoParams: ParetoResult<{ id: string; cost: number; acc: number | null }>;
  perClass: { k: number; label: string; accs: (number | null)[]; best: number[] }[];
  deltas: { id: string; name: string; acc: number | null; dAcc: number | null; xParams: number; xMacs: number; isBaseline: boolean }[];
  /** Repeats over seeds (src-shared/group-compare.ts); null unless some config ran with several seeds. */
  groups: GroupSection | null;
}

/** A run as the group figures see it: its final accuracy (else the latest epoch's is not a result). */
export type GroupedRun = { id: string; name: string; status: string; config: RunConfig; testAcc: number | null; testLoss: number | null; params: number; macsPerImage: number };

export interface GroupSection {
  groups: GroupStat<GroupedRun>[];
  baseline: GroupStat<GroupedRun>;
  deltas: GroupDelta<GroupedRun>[];
  /** Fronts over group means, error bars the 95 % interval of the mean. */
  frontMacs: GroupFrontPoint<GroupedRun>[];
  frontParams: GroupFrontPoint<GroupedRun>[];
  /** The fields that tell the groups apart (what differs, less the seed). */
  fields: string[];
}

/** "depth=2 heads=4": what tells a group from the others. */
export function groupLabel(section: Pick<GroupSection, 'fields'>, g: GroupStat<GroupedRun>): string {
  const c = g.runs[0]!.config;
  return section.fields.length ? section.fields.map((f) => `${f}=${configValue(c, f)}`).join(' ') : g.runs[0]!.name;
}

function groupSection(compared: ComparedRun[], baseline: ComparedRun, differs: { field: string }[]): GroupSection | null {
  const runs: GroupedRun[] = compared.map((c) => ({
    id: c.run.id,
    name: c.run.name,
    status: c.final ? 'completed' : c.run.status,
    config: c.run.config,
    testAcc: c.final ? c.acc : null,
    testLoss: c.final ? c.run.testLoss : null,
    params: c.cost.params.total,
    macsPerImage: c.cost.macs.perImage,
  }));
  const groups = groupStats(runs);
  if (!groups.some((g) => g.runs.length > 1)) return null;
  const base = groups.find((g) => g.runs.some((r) => r.id === baseline.run.id)) ?? groups[0]!;
  return {
    groups,
    baseline: base,
    deltas: groupDeltas(groups, base),
    frontMacs: groupFront(groups, 'macs', 'ci95').front,
    frontParams: groupFront(groups, 'params', 'ci95').front,
    fields: differs.map((d) => d.field).filter((f) => f !== 'seed'),
  };
}

/** Up to this many runs, per-run tables have a column per run; beyond it, a row per run. */
export const WIDE_LIMIT = 6;

const CORE_FIELDS: (keyof RunConfig)[] = ['depth', 'heads', 'patch', 'dim', 'mlp'];

export function buildComparison(runs: RunDetail[], baselineId?: string): Comparison {
  const compared: ComparedRun[] = runs.map((run) => {
    const r = resultOf(run);
    return { run, cost: costOf(run), acc: r ? r.correct / r.total : run.testAcc, final: r !== null };
  });
  const baseline = compared.find((c) => c.run.id === baselineId) ?? compared[0];

  const fields = [...new Set([...CONFIG_FIELDS, ...runs.flatMap((r) => Object.keys(r.config) as (keyof RunConfig)[])])];
  const differs: Comparison['differs'] = [];
  const same: Comparison['same'] = [];
  for (const f of fields) {
    const values = runs.map((r) => configValue(r.config, f));
    if (new Set(values).size > 1) differs.push({ field: f, values });
    else same.push({ field: f, value: values[0] });
  }
  const tableFields = [...CORE_FIELDS, ...differs.map((d) => d.field as keyof RunConfig).filter((f) => !CORE_FIELDS.includes(f))];

  const point = (c: ComparedRun, cost: number) => ({ id: c.run.id, cost, acc: c.acc });
  const paretoMacs = paretoFront(compared.map((c) => point(c, c.cost.macs.perImage)));
  const paretoParams = paretoFront(compared.map((c) => point(c, c.cost.params.total)));

  const nClasses = Math.max(0, ...runs.map((r) => r.perClass.length));
  const labelsFrom = runs.find((r) => r.perClass.length === nClasses) ?? runs[0];
  const names = classNames(labelsFrom);
  const perClass: Comparison['perClass'] = [];
  for (let k = 0; k < nClasses; k++) {
    const accs = runs.map((r) => r.perClass.find((c) => c.class === k)?.acc ?? null);
    const present = accs.filter((a): a is number => a != null);
    const max = present.length ? Math.max(...present) : null;
    // Only mark a best where there is a choice (two runs or more, not all equal); equal bests are all marked.
    const best = max != null && present.length > 1 && present.some((a) => a !== max) ? accs.flatMap((a, i) => (a === max ? [i] : [])) : [];
    perClass.push({ k, label: names[k] ?? String(k), accs, best });
  }

  const deltas = compared.map((c) => ({
    id: c.run.id,
    name: c.run.name,
    acc: c.acc,
    dAcc: c.acc != null && baseline.acc != null ? c.acc - baseline.acc : null,
    xParams: c.cost.params.total / baseline.cost.params.total,
    xMacs: c.cost.macs.perImage / baseline.cost.macs.perImage,
    isBaseline: c === baseline,
  }));

  return { runs: compared, baseline, tableFields, differs, same, paretoMacs, paretoParams, perClass, deltas, groups: groupSection(compared, baseline, differs) };
}

/** Runs on a front, cheapest first, as "name (acc at cost)". */
export function frontRuns(cmp: Comparison, which: 'macs' | 'params'): ComparedRun[] {
  const front = which === 'macs' ? cmp.paretoMacs.front : cmp.paretoParams.front;
  return front.map((p) => cmp.runs.find((c) => c.run.id === p.id)!);
}
