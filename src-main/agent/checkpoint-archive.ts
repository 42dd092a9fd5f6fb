import fs from 'node:fs';
import path from 'node:path';

/**
 * A checkpoint folder (train/checkpoint.ts: model.json, weights.bin, optimizer.bin) as one byte
 * string, so that the store can keep it as chunked binary rows (store/checkpoint-blobs.ts) and
 * any machine can turn it back into a folder the normal resume path reads.
 *
 * Layout: 4 bytes little-endian length of a JSON header `{ files: [{ name, size }] }`, the header,
 * then the files' bytes in header order. Names are plain file names (no folders): an archive that
 * names `../x` or holds fewer bytes than its header says is refused, never half-extracted.
 */

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const MAX_FILES = 16;

interface Header {
  files: { name: string; size: number }[];
}

export class CheckpointArchiveError extends Error {
  override name = 'CheckpointArchiveError';
}

/** Packs every plain file of a checkpoint folder (in name order, so the bytes are reproducible). */
export function packCheckpoint(dir: string): Buffer {
  const names = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name)
    .sort();
  if (names.length === 0) throw new CheckpointArchiveError(`checkpoint ${dir} holds no files`);
  for (const n of names) if (!NAME.test(n)) throw new CheckpointArchiveError(`checkpoint ${dir}: unexpected file name "${n}"`);
  const bodies = names.map((n) => fs.readFileSync(path.join(dir, n)));
  const header = Buffer.from(JSON.stringify({ files: names.map((name, i) => ({ name, size: bodies[i].length })) } satisfies Header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length, 0);
  return Buffer.concat([len, header, ...bodies]);
}

function parseHeader(bytes: Uint8Array): { header: Header; bodyStart: number } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 4) throw new CheckpointArchiveError(`checkpoint archive is ${buf.length} bytes, too short for its header`);
  const hlen = buf.readUInt32LE(0);
  if (4 + hlen > buf.length) throw new CheckpointArchiveError(`checkpoint archive header says ${hlen} bytes, the archive holds ${buf.length - 4}`);
  let header: Header;
  try {
    header = JSON.parse(buf.subarray(4, 4 + hlen).toString('utf8')) as Header;
  } catch (e) {
    throw new CheckpointArchiveError(`checkpoint archive header is not JSON: ${(e as Error).message}`);
  }
  const files = header?.files;
  if (!Array.isArray(files) || files.length === 0 || files.length > MAX_FILES) throw new CheckpointArchiveError('checkpoint archive header lists no files or too many');
  const seen = new Set<string>();
  let total = 0;
  for (const f of files) {
    if (typeof f?.name !== 'string' || !NAME.test(f.name) || seen.has(f.name)) throw new CheckpointArchiveError(`checkpoint archive names a bad or repeated file "${String(f?.name)}"`);
    if (!Number.isInteger(f.size) || f.size < 0) throw new CheckpointArchiveError(`checkpoint archive: file ${f.name} has a bad size`);
    seen.add(f.name);
    total += f.size;
  }
  if (4 + hlen + total !== buf.length) throw new CheckpointArchiveError(`checkpoint archive holds ${buf.length - 4 - hlen} bytes of files, its header says ${total}`);
  return { header, bodyStart: 4 + hlen };
}

/**
 * Writes the archive's files into `dir` (created; must not exist yet), through a temporary
 * folder renamed into place, as saveCheckpoint does: a crash leaves no half-written folder.
 */
export function unpackCheckpoint(bytes: Uint8Array, dir: string): void {
  const { header, bodyStart } = parseHeader(bytes);
  if (fs.existsSync(dir)) throw new CheckpointArchiveError(`cannot unpack a checkpoint into ${dir}: it exists`);
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  let at = bodyStart;
  for (const f of header.files) {
    fs.writeFileSync(path.join(tmp, f.name), bytes.subarray(at, at + f.size));
    at += f.size;
  }
  fs.renameSync(tmp, dir);
}
