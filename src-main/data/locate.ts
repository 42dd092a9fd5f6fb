import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { DatasetNotFoundError, type SearchedDir } from './errors.js';
import { contentMd5, isDir, isFile } from './fs-probe.js';
import { DATASET_FILE_KEYS, DATASET_REGISTRY, getDatasetSpec, type DatasetFileKey, type DatasetFileSpec, type DatasetName, type DatasetSpec } from './registry.js';

/** Where a data set's files are: the search order over the user's, the app's and the system's folders. */

export interface LocateOptions {
  /** A folder the user named (`--data DIR`). Authoritative: when it lacks the data we fail rather than fall back. */
  dir?: string;
  env?: NodeJS.ProcessEnv;
  /** The app's data folder; default `$VITLAB_HOME` or `~/.vitlab`. */
  appDataDir?: string;
}

export interface LocatedDataset {
  name: DatasetName;
  dir: string;
  /** Absolute paths, each either the `.gz` file or its un-gzipped twin. */
  files: Record<DatasetFileKey, string>;
  /** Every folder considered before (and including) the one used. */
  searched: SearchedDir[];
}

export function defaultAppDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.VITLAB_HOME ? path.resolve(env.VITLAB_HOME) : path.join(os.homedir(), '.vitlab');
}

/** Where the app keeps (and downloads) a data set of its own. */
export function appDatasetDir(name: string, opts: { env?: NodeJS.ProcessEnv; appDataDir?: string } = {}): string {
  const spec = getDatasetSpec(name);
  return path.join(opts.appDataDir ?? defaultAppDataDir(opts.env ?? process.env), 'datasets', spec.name);
}

function rawName(spec: DatasetFileSpec): string {
  return spec.name.replace(/\.gz$/, '');
}

function findFiles(spec: DatasetSpec, dir: string): { files: Record<DatasetFileKey, string> } | { missing: string[] } {
  const files = {} as Record<DatasetFileKey, string>;
  const missing: string[] = [];
  for (const key of DATASET_FILE_KEYS) {
    const f = spec.files[key];
    const found = [f.name, rawName(f)].map((n) => path.join(dir, n)).find((p) => isFile(p));
    if (found) files[key] = found;
    else missing.push(`${rawName(f)}[.gz]`);
  }
  return missing.length ? { missing } : { files };
}

/**
 * MNIST and Fashion-MNIST share every file name, so a folder meant for one can hold the other.
 * The test labels are 10 kB: hashing them tells the two apart for free. Returns the other data
 * set's name when the folder holds it, else null (ours, or data we do not know, which we allow).
 */
function holdsOtherDataset(spec: DatasetSpec, testLabelsPath: string): DatasetSpec | null {
  let digest: string;
  try {
    digest = contentMd5(fs.readFileSync(testLabelsPath));
  } catch {
    return null; // unreadable or corrupt: loading will report it with the file name
  }
  if (digest === spec.files.testLabels.rawMd5) return null;
  return Object.values(DATASET_REGISTRY).find((other) => other !== spec && other.files.testLabels.rawMd5 === digest) ?? null;
}

/**
 * Finds a data set's four IDX files. Order: `opts.dir`, `$VITLAB_DATA`, the app data folder
 * (`<appDataDir>/datasets/<name>`), then system folders. `opts.dir` and `$VITLAB_DATA` may point
 * at the files themselves or at a parent holding a `<name>/` folder.
 */
export function locateDataset(name: string, opts: LocateOptions = {}): LocatedDataset {
  const spec = getDatasetSpec(name);
  const env = opts.env ?? process.env;
  const searched: SearchedDir[] = [];

  const candidates: { dirs: string[]; source: string; authoritative: boolean }[] = [];
  if (opts.dir) {
    const d = path.resolve(opts.dir);
    candidates.push({ dirs: [path.join(d, spec.name), d], source: '--data', authoritative: true });
  }
  if (env.VITLAB_DATA) {
    const d = path.resolve(env.VITLAB_DATA);
    candidates.push({ dirs: [path.join(d, spec.name), d], source: 'VITLAB_DATA', authoritative: false });
  }
  candidates.push({ dirs: [appDatasetDir(spec.name, { env, appDataDir: opts.appDataDir })], source: 'app data', authoritative: false });
  for (const d of spec.systemDirs) candidates.push({ dirs: [d], source: 'system', authoritative: false });

  for (const c of candidates) {
    for (const dir of c.dirs) {
      // A missing `<parent>/<name>` subfolder is only a guess of ours; not worth reporting.
      const guessed = c.dirs.length > 1 && dir === c.dirs[0];
      if (!isDir(dir)) {
        if (!guessed) searched.push({ dir, source: c.source, problem: fs.existsSync(dir) ? 'not a folder' : 'does not exist' });
        continue;
      }
      const found = findFiles(spec, dir);
      if ('missing' in found) {
        searched.push({ dir, source: c.source, problem: `missing ${found.missing.join(', ')}` });
        continue;
      }
      const other = holdsOtherDataset(spec, found.files.testLabels);
      if (other) {
        searched.push({ dir, source: c.source, problem: `holds ${other.title}, not ${spec.title}` });
        continue;
      }
      searched.push({ dir, source: c.source, problem: 'used' });
      return { name: spec.name, dir, files: found.files, searched };
    }
    // Falling back past a folder the user named would silently train on different data.
    if (c.authoritative) throw new DatasetNotFoundError(spec, searched);
  }
  throw new DatasetNotFoundError(spec, searched);
}