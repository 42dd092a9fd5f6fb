import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';

import { isGzip } from './idx.js';

/** Small file probes the locator, the verifier and the downloader share. */

export function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

export function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export function md5(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

/** MD5 of a file's contents: decompressed when it is gzipped (throws on a corrupt gzip). */
export function contentMd5(buf: Uint8Array): string {
  return md5(isGzip(buf) ? zlib.gunzipSync(buf) : buf);
}
