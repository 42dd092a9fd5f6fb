import type { DatasetState } from './dataset-state.js';
import { downloadDataset, type DownloadOptions } from './download.js';
import { appDatasetDir, locateDataset, type LocateOptions } from './locate.js';
import { DATASET_REGISTRY, DEFAULT_DATASET, getDatasetSpec, type DatasetName } from './registry.js';

export type { DatasetState };

/**
 * A data set's state for the dashboard (found where, or being downloaded with how far it got),
 * and at most one background download per data set in this process. The dashboard polls the
 * state; the download itself is download.ts's (verified files only, nothing half-written).
 */

interface Job {
  dir: string;
  perFile: Map<string, number>;
  done: boolean;
  error?: string;
}

const jobs = new Map<DatasetName, Job>();

function totalBytes(name: DatasetName): number {
  return Object.values(DATASET_REGISTRY[name].files).reduce((a, f) => a + f.bytes, 0);
}

/** `locate`: where to look (the usual order by default; tests pass an authoritative `dir`). */
export function datasetState(name: string = DEFAULT_DATASET, locate: LocateOptions = {}): DatasetState {
  const spec = getDatasetSpec(name);
  const base = { name: spec.name, title: spec.title };
  const job = jobs.get(spec.name);
  if (job && !job.done) {
    return { ...base, state: 'downloading', dir: job.dir, received: [...job.perFile.values()].reduce((a, b) => a + b, 0), total: totalBytes(spec.name) };
  }
  try {
    const found = locateDataset(spec.name, locate);
    return { ...base, state: 'found', dir: found.dir };
  } catch (e) {
    const searched = (e as { searched?: DatasetState['searched'] }).searched;
    if (job?.error) return { ...base, state: 'failed', dir: job.dir, error: job.error, ...(searched ? { searched } : {}) };
    return { ...base, state: 'missing', ...(searched ? { searched } : {}), error: (e as Error).message };
  }
}

/** Starts the download into the app's data folder unless it is found or already under way. */
export function startDownload(name: string = DEFAULT_DATASET, opts: DownloadOptions & { dest?: string; locate?: LocateOptions } = {}): DatasetState {
  const now = datasetState(name, opts.locate);
  if (now.state === 'found' || now.state === 'downloading') return now;
  const spec = getDatasetSpec(name);
  const job: Job = { dir: opts.dest ?? appDatasetDir(spec.name), perFile: new Map(), done: false };
  jobs.set(spec.name, job);
  downloadDataset(spec.name, job.dir, { ...opts, onProgress: (file, received) => job.perFile.set(file, received) }).then(
    () => {
      job.done = true;
    },
    (e: unknown) => {
      job.error = e instanceof Error ? e.message : String(e);
      job.done = true;
    },
  );
  return datasetState(name, opts.locate);
}
