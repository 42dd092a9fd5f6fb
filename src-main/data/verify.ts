import * as fs from 'node:fs';
import * as zlib from 'node:zlib';

import { DatasetError } from './errors.js';
import { md5 } from './fs-probe.js';
import { isGzip } from './idx.js';
import { DATASET_FILE_KEYS, getDatasetSpec, type DatasetFileKey } from './registry.js';

/** Checking files against the registry's checksums: the verifier (`vitlab data verify`) and the downloader's keep-or-fetch test. */

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
/** Whether a file has the expected md5, or (when `rawExpected` is given) decompresses to the expected contents. */
export function hasChecksum(p: string, expected: string, rawExpected: string | undefined): boolean {
  const buf = fs.readFileSync(p);
  if (md5(buf) === expected) return true;
  if (!rawExpected || !isGzip(buf)) return false;
  try {
    return md5(zlib.gunzipSync(buf)) === rawExpected;
  } catch {
    return false;
  }
}
