import * as fs from 'node:fs';
import * as zlib from 'node:zlib';

/**
 * IDX is the MNIST file format: a 4-byte magic (0x00 0x00 <type> <ndims>), ndims big-endian uint32
 * sizes, then the raw data. We read only type 0x08 (unsigned byte), which is all that MNIST and
 * Fashion-MNIST use. Files may be gzipped (the official downloads are) or not.
 */

export class IdxError extends Error {
  /** The file the error is about, as it was given to us. */
  readonly file: string;

  constructor(file: string, detail: string, options?: { cause?: unknown }) {
    super(`${file}: ${detail}`, options);
    this.name = 'IdxError';
    this.file = file;
  }
}

export interface IdxArray {
  dims: number[];
  /** A view of length product(dims); it may share memory with the buffer it was parsed from. */
  data: Uint8Array;
}

const TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'short',
  0x0c: 'int',
  0x0d: 'float',
  0x0e: 'double',
};

/** Refuse sizes that cannot be a real data set before we try to compare or allocate them. */
const MAX_DATA_BYTES = 2 ** 32;

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

export function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

export interface IdxHeader {
  dims: number[];
  headerBytes: number;
  /** Bytes of data the header declares: the product of dims (one byte per element). */
  dataBytes: number;
}

/** Parses the magic and dimensions at the start of an (un-gzipped) IDX file; the data may be absent. */
export function parseIdxHeader(bytes: Uint8Array, name: string): IdxHeader {
  if (bytes.length === 0) throw new IdxError(name, 'empty file, not an IDX file');
  if (bytes.length < 4) {
    throw new IdxError(name, `truncated: ${bytes.length} bytes, shorter than the 4-byte IDX magic`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new IdxError(name, `not an IDX file: wrong magic ${hex(bytes.subarray(0, 4))} (expected 00 00 08 <ndims>)`);
  }
  const type = bytes[2];
  if (type !== 0x08) {
    const known = TYPE_NAMES[type];
    throw new IdxError(
      name,
      known
        ? `unsupported IDX data type 0x${type.toString(16).padStart(2, '0')} (${known}); only 0x08 (unsigned byte) is supported`
        : `not an IDX file: wrong magic ${hex(bytes.subarray(0, 4))} (expected 00 00 08 <ndims>)`,
    );
  }
  const ndims = bytes[3];
  if (ndims === 0) throw new IdxError(name, 'invalid IDX header: 0 dimensions');

  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new IdxError(
      name,
      `truncated: header needs ${headerBytes} bytes for ${ndims} dimensions, file has ${bytes.length}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let dataBytes = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    dataBytes *= d;
  }
  if (dataBytes > MAX_DATA_BYTES) {
    throw new IdxError(name, `invalid IDX header: dimensions ${dims.join('×')} describe more than 4 GiB of data`);
  }

  return { dims, headerBytes, dataBytes };
}

function checkDataLength(name: string, expected: number, found: number): void {
  if (found < expected) {
    throw new IdxError(name, `truncated: expected ${expected} bytes of data, found ${found}`);
  }
  if (found > expected) {
    throw new IdxError(name, `${found - expected} unexpected trailing bytes: expected ${expected} bytes of data, found ${found}`);
  }
}

/** Parses an IDX file's bytes, gunzipping first when they start with the gzip magic. */
export function parseIdx(buf: Uint8Array, nameForErrors: string): IdxArray {
  let bytes = buf;
  if (isGzip(bytes)) {
    try {
      bytes = zlib.gunzipSync(bytes);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      const truncated = /unexpected end/i.test(reason);
      throw new IdxError(nameForErrors, `${truncated ? 'truncated' : 'corrupt'} gzip data (${reason})`, { cause: err });
    }
  }

  const { dims, headerBytes, dataBytes: expected } = parseIdxHeader(bytes, nameForErrors);
  checkDataLength(nameForErrors, expected, bytes.length - headerBytes);
  return { dims, data: new Uint8Array(bytes.buffer, bytes.byteOffset + headerBytes, expected) };
}

function readError(path: string, err: unknown): IdxError {
  const code = (err as NodeJS.ErrnoException).code;
  const detail =
    code === 'ENOENT' ? 'file not found'
    : code === 'EISDIR' ? 'is a directory, not an IDX file'
    : `cannot read file (${code ?? (err as Error).message})`;
  return new IdxError(path, detail, { cause: err });
}

export function readIdx(path: string): IdxArray {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(path);
  } catch (err) {
    throw readError(path, err);
  }
  return parseIdx(buf, path);
}

/** Serialises an unsigned-byte IDX array (raw, not gzipped): for fixtures and tests. */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Buffer {
  if (dims.length === 0 || dims.length > 255) throw new RangeError(`IDX needs 1 to 255 dimensions, got ${dims.length}`);
  const expected = dims.reduce((a, b) => a * b, 1);
  if (expected !== data.length) {
    throw new RangeError(`dims ${dims.join('×')} need ${expected} bytes of data, got ${data.length}`);
  }
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, data]);
}

/** Enough of a file's start to hold any IDX header (255 dimensions: 1,024 bytes) once gunzipped. */
const HEADER_PROBE_BYTES = 64 * 1024;

/**
 * An IDX file's header and the size of the data it holds, without reading the data: for checking a
 * data set's shape before a run is written (a 26 MB gzipped image file costs one 64 KiB read and
 * its last 4 bytes). The data size of a gzipped file is gzip's ISIZE trailer (the length mod 2³²;
 * MAX_DATA_BYTES keeps real ones below that). Errors are IdxErrors naming the file, worded as
 * parseIdx words them.
 */
export function readIdxHeader(file: string): IdxHeader {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(fd).size;
    const head = Buffer.alloc(Math.min(size, HEADER_PROBE_BYTES));
    fs.readSync(fd, head, 0, head.length, 0);
    if (!isGzip(head)) {
      const h = parseIdxHeader(head, file);
      checkDataLength(file, h.dataBytes, size - h.headerBytes);
      return h;
    }
    let start: Buffer;
    try {
      // A prefix of a gzip stream: Z_SYNC_FLUSH returns what it decodes instead of failing at the cut.
      start = zlib.gunzipSync(head, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    } catch (err) {
      throw new IdxError(file, `corrupt gzip data (${err instanceof Error ? err.message : String(err)})`, { cause: err });
    }
    const h = parseIdxHeader(start, file);
    const trailer = Buffer.alloc(4);
    if (size < 18 || fs.readSync(fd, trailer, 0, 4, size - 4) !== 4) throw new IdxError(file, 'truncated gzip data (no trailer)');
    checkDataLength(file, h.dataBytes, trailer.readUInt32LE(0) - h.headerBytes);
    return h;
  } catch (err) {
    throw err instanceof IdxError ? err : readError(file, err);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
