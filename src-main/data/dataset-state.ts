/** A data set's state as the dashboard shows it: types only, for the contract (download-job.ts fills it). */
import type { DatasetName } from './registry.js';

export interface DatasetState {
  name: DatasetName;
  title: string;
  state: 'found' | 'missing' | 'downloading' | 'failed';
  /** Where it is read from (found), or where it is being downloaded to. */
  dir?: string;
  /** Why it is missing: every folder looked in. */
  searched?: { dir: string; source: string; problem: string }[];
  /** Bytes of all four files so far, and in all. */
  received?: number;
  total?: number;
  error?: string;
}
