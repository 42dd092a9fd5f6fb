import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { ChecksumError, DatasetError } from './errors.js';
import { isFile } from './fs-probe.js';
import type { LocatedDataset } from './locate.js';
import { DATASET_FILE_KEYS, getDatasetSpec, type DatasetFileKey } from './registry.js';
import { hasChecksum } from './verify.js';

/** Fetching a data set's files: streamed, checked, then renamed into place (never a half-written final name). */

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