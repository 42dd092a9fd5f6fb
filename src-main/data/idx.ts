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

  if (bytes.length === 0) throw new IdxError(nameForErrors, 'empty file, not an IDX file');
  if (bytes.length < 4) {
    throw new IdxError(nameForErrors, `truncated: ${bytes.length} bytes, shorter than the 4-byte IDX magic`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new IdxError(nameForErrors, `not an IDX file: wrong magic ${hex(bytes.subarray(0, 4))} (expected 00 00 08 <ndims>)`);
  }
  const type = bytes[2];
  if (type !== 0x08) {
    const known = TYPE_NAMES[type];
    throw new IdxError(
      nameForErrors,
      known
        ? `unsupported IDX data type 0x${type.toString(16).padStart(2, '0')} (${known}); only 0x08 (unsigned byte) is supported`
        : `not an IDX file: wrong magic ${hex(bytes.subarray(0, 4))} (expected 00 00 08 <ndims>)`,
    );
  }
  const ndims = bytes[3];
  if (ndims === 0) throw new IdxError(nameForErrors, 'invalid IDX header: 0 dimensions');

  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new IdxError(
      nameForErrors,
      `truncated: header needs ${headerBytes} bytes for ${ndims} dimensions, file has ${bytes.length}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let expected = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    expected *= d;
  }
  if (expected > MAX_DATA_BYTES) {
    throw new IdxError(nameForErrors, `invalid IDX header: dimensions ${dims.join('×')} describe more than 4 GiB of data`);
  }

  const found = bytes.length - headerBytes;
  if (found < expected) {
    throw new IdxError(nameForErrors, `truncated: expected ${expected} bytes of data, found ${found}`);
  }
  if (found > expected) {
    throw new IdxError(
      nameForErrors,
      `${found - expected} unexpected trailing bytes: expected ${expected} bytes of data, found ${found}`,
    );
  }
  return { dims, data: new Uint8Array(bytes.buffer, bytes.byteOffset + headerBytes, expected) };
}

export function readIdx(path: string): IdxArray {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const detail =
      code === 'ENOENT' ? 'file not found'
      : code === 'EISDIR' ? 'is a directory, not an IDX file'
      : `cannot read file (${code ?? (err as Error).message})`;
    throw new IdxError(path, detail, { cause: err });
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
