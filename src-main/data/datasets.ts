import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

import { isGzip, readIdx, type IdxArray } from './idx.js';
import { DomainError } from '../../src-shared/errors.js';

export type DatasetName = 'fashion-mnist' | 'mnist';
export type DatasetFileKey = 'trainImages' | 'trainLabels' | 'testImages' | 'testLabels';
export const DATASET_FILE_KEYS: readonly DatasetFileKey[] = ['trainImages', 'trainLabels', 'testImages', 'testLabels'];

export interface DatasetFileSpec {
  /** The official file name, gzipped. The un-gzipped copy is the same name without `.gz`. */
  name: string;
  /** MD5 of the official `.gz` download. */
  md5: string;
  /**
   * MD5 of the decompressed contents. Needed because repackagers re-write gzip headers: Debian's
   * dataset-fashion-mnist files decompress to exactly the official bytes but, with the stored file
   * name and mtime stripped, none of their `.gz` checksums match the published ones.
   */
  rawMd5: string;
  /** Size of the official `.gz`, for a progress total when the server sends no Content-Length. */
  bytes: number;
}

export interface DatasetSpec {
  name: DatasetName;
  title: string;
  classes: readonly string[];
  image: number;
  channels: number;
  trainCount: number;
  testCount: number;
  /** Ends with a slash: file URLs are baseUrl + file name. */
  baseUrl: string;
  files: Readonly<Record<DatasetFileKey, DatasetFileSpec>>;
  /** Folders a system package installs the data into, searched last. */
  systemDirs: readonly string[];
}

export const DEFAULT_DATASET: DatasetName = 'fashion-mnist';

export const DATASET_REGISTRY: Readonly<Record<DatasetName, DatasetSpec>> = {
  'fashion-mnist': {
    name: 'fashion-mnist',
    title: 'Fashion-MNIST',
    classes: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
    image: 28,
    channels: 1,
    trainCount: 60_000,
    testCount: 10_000,
    baseUrl: 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
    files: {
      trainImages: { name: 'train-images-idx3-ubyte.gz', md5: '8d4fb7e6c68d591d4c3dfef9ec88bf0d', rawMd5: 'f4a8712d7a061bf5bd6d2ca38dc4d50a', bytes: 26_421_880 },
      trainLabels: { name: 'train-labels-idx1-ubyte.gz', md5: '25c81989df183df01b3e8a0aad5dffbe', rawMd5: '9018921c3c673c538a1fc5bad174d6f9', bytes: 29_515 },
      testImages: { name: 't10k-images-idx3-ubyte.gz', md5: 'bef4ecab320f06d8554ea6380940ec79', rawMd5: '8181f5470baa50b63fa0f6fddb340f0a', bytes: 4_422_102 },
      testLabels: { name: 't10k-labels-idx1-ubyte.gz', md5: 'bb300cfdad3c16e7a12a480ee83cd310', rawMd5: '15d484375f8d13e6eb1aabb0c3f46965', bytes: 5_148 },
    },
    // Debian/Ubuntu package dataset-fashion-mnist.
    systemDirs: ['/usr/share/datasets/fashion-mnist'],
  },
  mnist: {
    name: 'mnist',
    title: 'MNIST',
    classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    image: 28,
    channels: 1,
    trainCount: 60_000,
    testCount: 10_000,
    // yann.lecun.com answers 403 to scripted downloads; this is the mirror torchvision uses.
    baseUrl: 'https://ossci-datasets.s3.amazonaws.com/mnist/',
    files: {
      trainImages: { name: 'train-images-idx3-ubyte.gz', md5: 'f68b3c2dcbeaaa9fbdd348bbdeb94873', rawMd5: '6bbc9ace898e44ae57da46a324031adb', bytes: 9_912_422 },
      trainLabels: { name: 'train-labels-idx1-ubyte.gz', md5: 'd53e105ee54ea40749a09fcbcd1e9432', rawMd5: 'a25bea736e30d166cdddb491f175f624', bytes: 28_881 },
      testImages: { name: 't10k-images-idx3-ubyte.gz', md5: '9fb629c4189551a2d022fa330f9573f3', rawMd5: '2646ac647ad5339dbf082846283269ea', bytes: 1_648_877 },
      testLabels: { name: 't10k-labels-idx1-ubyte.gz', md5: 'ec29112dd5afa0611ce80d1b7f02629c', rawMd5: '27ae3e4e09519cfbb04c329615203637', bytes: 4_542 },
    },
    systemDirs: [],
  },
};

/** A data set that is missing, corrupt or of the wrong shape: the user's to fix (path, download). */
export class DatasetError extends DomainError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('invalid_input', message, options);
    this.name = 'DatasetError';
  }
}

export interface SearchedDir {
  dir: string;
  /** Where the folder came from: `--data`, `VITLAB_DATA`, `app data` or `system`. */
  source: string;
  /** Why it was not used. */
  problem: string;
}

export class DatasetNotFoundError extends DatasetError {
  readonly searched: SearchedDir[];

  constructor(spec: DatasetSpec, searched: SearchedDir[]) {
    const where = searched.length ? searched.map((s) => `${s.dir} (${s.source}: ${s.problem})`).join('; ') : 'nowhere';
    super(`${spec.title} not found; looked in: ${where}; run \`vitlab data download\` or pass --data DIR`);
    this.name = 'DatasetNotFoundError';
    this.searched = searched;
  }
}

export class ChecksumError extends DatasetError {
  constructor(
    readonly file: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`${file}: checksum mismatch: expected md5 ${expected}, got ${actual}`);
    this.name = 'ChecksumError';
  }
}

export function getDatasetSpec(name: string): DatasetSpec {
  if (!Object.hasOwn(DATASET_REGISTRY, name)) {
    throw new DatasetError(`unknown dataset "${name}"; known: ${Object.keys(DATASET_REGISTRY).join(', ')}`);
  }
  return DATASET_REGISTRY[name as DatasetName];
}

// ---------------------------------------------------------------------------------------------
// Locating

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

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function md5(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

/**
 * MNIST and Fashion-MNIST share every file name, so a folder meant for one can hold the other.
 * The test labels are 10 kB: hashing them tells the two apart for free. Returns the other data
 * set's name when the folder holds it, else null (ours, or data we do not know, which we allow).
 */
function holdsOtherDataset(spec: DatasetSpec, testLabelsPath: string): DatasetSpec | null {
  let digest: string;
  try {
    const buf = fs.readFileSync(testLabelsPath);
    digest = md5(isGzip(buf) ? zlib.gunzipSync(buf) : buf);
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

// ---------------------------------------------------------------------------------------------
// Verifying

export interface VerifiedFile {
  key: DatasetFileKey;
  path: string;
  ok: boolean;
  /** md5 of the file as stored, and of its decompressed contents when it is gzipped. */
  md5: string;
  rawMd5: string;
  expected: { md5: string; rawMd5: string };
}

/**
 * Checks files against the official checksums. A file passes when either its bytes match the
 * official `.gz` or its contents match the official decompressed file (see DatasetFileSpec.rawMd5).
 */
export function verifyDataset(name: string, files: Record<DatasetFileKey, string>): VerifiedFile[] {
  const spec = getDatasetSpec(name);
  return DATASET_FILE_KEYS.map((key) => {
    const f = spec.files[key];
    const p = files[key];
    let buf: Buffer;
    try {
      buf = fs.readFileSync(p);
    } catch (err) {
      throw new DatasetError(`${p}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
    }
    const stored = md5(buf);
    let raw = stored;
    if (isGzip(buf)) {
      try {
        raw = md5(zlib.gunzipSync(buf));
      } catch {
        raw = 'corrupt gzip';
      }
    }
    return { key, path: p, ok: stored === f.md5 || raw === f.rawMd5, md5: stored, rawMd5: raw, expected: { md5: f.md5, rawMd5: f.rawMd5 } };
  });
}

// ---------------------------------------------------------------------------------------------
// Downloading

export interface DownloadOptions {
  /** Called per received chunk; `total` is undefined when neither server nor registry knows it. */
  onProgress?(file: string, received: number, total: number | undefined): void;
  fetchImpl?: typeof fetch;
  /** Another mirror (or a test server); file URLs are baseUrl + file name. */
  baseUrl?: string;
  /** Expected md5 per file name, replacing the registry's: for mirrors that serve other bytes, and tests. */
  checksums?: Readonly<Record<string, string>>;
  signal?: AbortSignal;
}

/**
 * Downloads the four files into destDir (created if needed), each streamed to `<file>.part`,
 * checked, then renamed into place, so a final file name only ever holds verified bytes. Files
 * already present and verified are kept.
 */
export async function downloadDataset(name: string, destDir: string, opts: DownloadOptions = {}): Promise<LocatedDataset> {
  const spec = getDatasetSpec(name);
  const doFetch = opts.fetchImpl ?? fetch;
  let base = opts.baseUrl ?? spec.baseUrl;
  if (!base.endsWith('/')) base += '/';
  const dir = path.resolve(destDir);
  fs.mkdirSync(dir, { recursive: true });

  const files = {} as Record<DatasetFileKey, string>;
  for (const key of DATASET_FILE_KEYS) {
    const f = spec.files[key];
    const expected = opts.checksums?.[f.name] ?? f.md5;
    const finalPath = path.join(dir, f.name);
    files[key] = finalPath;
    if (isFile(finalPath) && hasChecksum(finalPath, expected, opts.checksums ? undefined : f.rawMd5)) continue;
    // The registry's size describes the official file only, not what an override expects.
    const knownBytes = opts.checksums?.[f.name] ? undefined : f.bytes;
    await downloadFile(doFetch, base + f.name, finalPath, expected, knownBytes, opts);
  }
  return { name: spec.name, dir, files, searched: [{ dir, source: 'download', problem: 'used' }] };
}

function hasChecksum(p: string, expected: string, rawExpected: string | undefined): boolean {
  const buf = fs.readFileSync(p);
  if (md5(buf) === expected) return true;
  if (!rawExpected || !isGzip(buf)) return false;
  try {
    return md5(zlib.gunzipSync(buf)) === rawExpected;
  } catch {
    return false;
  }
}

async function downloadFile(
  doFetch: typeof fetch,
  url: string,
  finalPath: string,
  expected: string,
  knownBytes: number | undefined,
  opts: DownloadOptions,
): Promise<void> {
  const file = path.basename(finalPath);
  const partPath = `${finalPath}.part`;
  let fh: fs.promises.FileHandle | undefined;
  try {
    let res: Response;
    try {
      res = await doFetch(url, { signal: opts.signal });
    } catch (err) {
      throw new DatasetError(`${url}: download failed (${describe(err)})`, { cause: err });
    }
    if (!res.ok || !res.body) {
      throw new DatasetError(`${url}: download failed: HTTP ${res.status} ${res.statusText}`.trimEnd());
    }
    const header = Number(res.headers.get('content-length'));
    const total = Number.isFinite(header) && header > 0 ? header : knownBytes;

    fh = await fs.promises.open(partPath, 'w');
    const hash = createHash('md5');
    const reader = res.body.getReader();
    let received = 0;
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (err) {
        throw new DatasetError(`${url}: download interrupted after ${received} bytes (${describe(err)})`, { cause: err });
      }
      if (chunk.done) break;
      await fh.write(chunk.value);
      hash.update(chunk.value);
      received += chunk.value.length;
      opts.onProgress?.(file, received, total);
    }
    // Flushed before the rename so that a crash cannot leave a verified name over missing bytes.
    await fh.sync();
    await fh.close();
    fh = undefined;

    const actual = hash.digest('hex');
    if (actual !== expected) throw new ChecksumError(file, expected, actual);
    fs.renameSync(partPath, finalPath);
  } catch (err) {
    await fh?.close().catch(() => {});
    fs.rmSync(partPath, { force: true });
    throw err;
  }
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // undici hides the useful part ("ECONNREFUSED", "other side closed") in `cause`.
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err.message}${cause}`;
}

// ---------------------------------------------------------------------------------------------
// Loading

export interface Split {
  /** count × image × image × channels bytes, row-major. Shared with the in-process cache: do not mutate. */
  images: Uint8Array;
  /** count bytes, each a class index. Shared with the in-process cache: do not mutate. */
  labels: Uint8Array;
  count: number;
}

export interface LoadedDataset {
  name: DatasetName;
  classes: string[];
  image: number;
  channels: number;
  dir: string;
  files: Record<DatasetFileKey, string>;
  train: Split;
  test: Split;
}

export interface LoadOptions extends LocateOptions {
  /** Keep only the first N training samples; 0 or absent means all. */
  limitTrain?: number;
  /** Keep only the first N test samples; 0 or absent means all. */
  limitTest?: number;
}

interface CacheEntry {
  size: number;
  mtimeMs: number;
  idx: IdxArray;
}

// Keyed by absolute path; stat data guards against a file replaced in place (e.g. by a download).
const idxCache = new Map<string, CacheEntry>();

function readIdxCached(p: string): IdxArray {
  const abs = path.resolve(p);
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(abs);
  } catch {
    st = undefined; // readIdx reports the missing file with its name
  }
  const hit = idxCache.get(abs);
  if (hit && st && hit.size === st.size && hit.mtimeMs === st.mtimeMs) return hit.idx;
  const idx = readIdx(abs);
  if (st) idxCache.set(abs, { size: st.size, mtimeMs: st.mtimeMs, idx });
  return idx;
}

export function clearDatasetCache(): void {
  idxCache.clear();
}

function checkLimit(what: string, n: number | undefined): number {
  if (n === undefined) return 0;
  if (!Number.isInteger(n) || n < 0) throw new DatasetError(`${what} must be a whole number ≥ 0, got ${n}`);
  return n;
}

function loadSplit(spec: DatasetSpec, imagesPath: string, labelsPath: string, limit: number): Split {
  const images = readIdxCached(imagesPath);
  const labels = readIdxCached(labelsPath);
  const side = spec.image;
  if (spec.channels !== 1) throw new DatasetError(`${spec.title}: IDX images hold one channel, registry says ${spec.channels}`);
  if (images.dims.length !== 3 || images.dims[1] !== side || images.dims[2] !== side) {
    throw new DatasetError(`${imagesPath}: expected images of shape N×${side}×${side}, found ${images.dims.join('×')}`);
  }
  if (labels.dims.length !== 1) {
    throw new DatasetError(`${labelsPath}: expected a 1-dimensional label file, found shape ${labels.dims.join('×')}`);
  }
  const n = images.dims[0];
  if (labels.dims[0] !== n) {
    throw new DatasetError(
      `image and label counts differ: ${imagesPath} has ${n} images, ${labelsPath} has ${labels.dims[0]} labels`,
    );
  }
  const classes = spec.classes.length;
  const bad = labels.data.findIndex((l) => l >= classes);
  if (bad >= 0) {
    throw new DatasetError(`${labelsPath}: label ${labels.data[bad]} at index ${bad} is not a class (expected 0–${classes - 1})`);
  }
  const count = limit > 0 ? Math.min(limit, n) : n;
  const per = side * side * spec.channels;
  return { images: images.data.subarray(0, count * per), labels: labels.data.subarray(0, count), count };
}

/**
 * Locates (see locateDataset) and parses a data set. Parsed files are cached in-process, so
 * loading again, or with other limits, costs a stat per file.
 */
export function loadDataset(name: string, opts: LoadOptions = {}): LoadedDataset {
  const spec = getDatasetSpec(name);
  const limitTrain = checkLimit('limitTrain', opts.limitTrain);
  const limitTest = checkLimit('limitTest', opts.limitTest);
  const located = locateDataset(spec.name, opts);
  return {
    name: spec.name,
    classes: [...spec.classes],
    image: spec.image,
    channels: spec.channels,
    dir: located.dir,
    files: located.files,
    train: loadSplit(spec, located.files.trainImages, located.files.trainLabels, limitTrain),
    test: loadSplit(spec, located.files.testImages, located.files.testLabels, limitTest),
  };
}
