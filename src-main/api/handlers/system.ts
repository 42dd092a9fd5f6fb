import { datasetState, startDownload } from '../../data/download-job.js';
import { locateDataset } from '../../data/datasets.js';
import { admissionIssues } from '../../runs/admission.js';
import { BACKENDS, DATASETS, PRESETS, SEED_CONFIG, validateConfig } from '../../vit/config.js';
import { computeCost } from '../../vit/cost.js';
import { modelSummary } from '../../vit/summary.js';
import { admissionOf, type HandlersOf } from './types.js';

/** What this app is and has: versions, presets, data sets, the live cost check of the form. */
export const systemHandlers: HandlersOf<'system' | 'cost' | 'data'> = {
  'system/info': (_i, ctx) => ({
    version: ctx.version,
    dbPath: ctx.dbPath,
    dataDir: ctx.dataDir,
    presets: Object.entries(PRESETS).map(([name, p]) => ({ name, description: p.description, config: p.config })),
    datasets: DATASETS.map((name) => {
      try {
        return { name, found: true, dir: locateDataset(name).dir };
      } catch (e) {
        return { name, found: false, problem: (e as Error).message };
      }
    }),
    // A serve that only reads a shared store trains nothing itself.
    concurrency: ctx.supervisor?.concurrency ?? 0,
    backends: BACKENDS,
  }),
  'cost/preview': (i, ctx) => {
    const r = validateConfig({ ...SEED_CONFIG, ...i.config });
    if (!r.ok) return { ok: false, issues: r.issues };
    // The launch form's live check is the one runs/start applies (admission), so Start is offered
    // only for what will be accepted; the cost and summary still show for a valid model that this
    // machine or data folder refuses (a stored run's detail page uses them too).
    const issues = admissionIssues(r.config, admissionOf(ctx));
    return { ok: issues.length === 0, issues, config: r.config, cost: computeCost(r.config, i.batch ?? r.config.batch), summary: modelSummary(r.config) };
  },
  'data/status': (i) => datasetState(i.dataset),
  'data/download': (i) => startDownload(i.dataset),
};
