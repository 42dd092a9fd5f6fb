import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { encodeIdx, IdxError, parseIdx, readIdx } from '../../src-main/data/idx.js';

let tmp: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-idx-'));
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function write(name: string, bytes: Uint8Array): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, bytes);
  return p;
}

/** A 3×2×2 image file written byte by byte, independent of encodeIdx. */
function handMadeImages(): Buffer {
  return Buffer.from([
    0x00, 0x00, 0x08, 0x03, // magic: unsigned byte, 3 dims
    0x00, 0x00, 0x00, 0x03, // 3 images
    0x00, 0x00, 0x00, 0x02, // 2 rows
    0x00, 0x00, 0x00, 0x02, // 2 columns
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255,
  ]);
}

function expectIdxError(fn: () => unknown, file: string, pattern: RegExp): IdxError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(IdxError);
  const e = caught as IdxError;
  expect(e.file).toBe(file);
  expect(e.message).toContain(file);
  expect(e.message).toMatch(pattern);
  return e;
}

describe('readIdx', () => {
  it('reads a raw file', () => {
    const p = write('images-idx3-ubyte', handMadeImages());
    const { dims, data } = readIdx(p);
    expect(dims).toEqual([3, 2, 2]);
    expect(Array.from(data)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255]);
  });

  it('reads a gzipped file to the same array', () => {
    const p = write('images-idx3-ubyte.gz', zlib.gzipSync(handMadeImages()));
    const { dims, data } = readIdx(p);
    expect(dims).toEqual([3, 2, 2]);
    expect(Array.from(data)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255]);
  });

  it('round-trips encodeIdx output, raw and gzipped, for a label file', () => {
    const labels = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) % 10);
    const encoded = encodeIdx([1000], labels);
    expect(Array.from(encoded.subarray(0, 8))).toEqual([0, 0, 8, 1, 0, 0, 0x03, 0xe8]);
    for (const [name, bytes] of [['labels', encoded], ['labels.gz', zlib.gzipSync(encoded)]] as const) {
      const { dims, data } = readIdx(write(name, bytes));
      expect(dims).toEqual([1000]);
      expect(data).toEqual(labels);
    }
  });

  it('refuses a wrong magic, naming the file', () => {
    const bytes = handMadeImages();
    bytes[1] = 0x01;
    const p = write('wrong-magic', bytes);
    expectIdxError(() => readIdx(p), p, /wrong magic 00 01 08 03/);
  });

  it('refuses a non-byte IDX type, naming the type', () => {
    const bytes = handMadeImages();
    bytes[2] = 0x0d;
    const p = write('floats', bytes);
    expectIdxError(() => readIdx(p), p, /unsupported IDX data type 0x0d \(float\)/);
  });

  it('refuses a file that is not IDX at all', () => {
    const p = write('text.txt', Buffer.from('hello, world\n'));
    expectIdxError(() => readIdx(p), p, /not an IDX file: wrong magic/);
  });

  it('reports truncated data with expected and found byte counts', () => {
    const p = write('truncated', handMadeImages().subarray(0, 16 + 7));
    expectIdxError(() => readIdx(p), p, /: truncated: expected 12 bytes of data, found 7$/);
  });

  it('reports a truncated header', () => {
    const p = write('short-header', handMadeImages().subarray(0, 10));
    expectIdxError(() => readIdx(p), p, /truncated: header needs 16 bytes for 3 dimensions, file has 10/);
  });

  it('reports truncated data inside a valid gzip stream', () => {
    const p = write('truncated-inside.gz', zlib.gzipSync(handMadeImages().subarray(0, 20)));
    expectIdxError(() => readIdx(p), p, /truncated: expected 12 bytes of data, found 4/);
  });

  it('refuses trailing bytes after the data', () => {
    const p = write('trailing', Buffer.concat([handMadeImages(), Buffer.from([1, 2, 3])]));
    expectIdxError(() => readIdx(p), p, /3 unexpected trailing bytes: expected 12 bytes of data, found 15/);
  });

  it('reports a truncated gzip file', () => {
    const gz = zlib.gzipSync(encodeIdx([4096], new Uint8Array(4096).map((_, i) => i * 31)));
    const p = write('cut.gz', gz.subarray(0, gz.length - 20));
    expectIdxError(() => readIdx(p), p, /truncated gzip data/);
  });

  it('reports a corrupt gzip file', () => {
    const gz = zlib.gzipSync(handMadeImages());
    // Byte 3 holds the gzip flags; reserved bits set make the header invalid.
    gz[3] = 0xe0;
    const p = write('corrupt.gz', gz);
    expectIdxError(() => readIdx(p), p, /corrupt gzip data/);
  });

  it('reports an empty file', () => {
    const p = write('empty', new Uint8Array(0));
    expectIdxError(() => readIdx(p), p, /empty file/);
  });

  it('reports a missing file', () => {
    const p = path.join(tmp, 'no-such-file-idx1-ubyte.gz');
    const e = expectIdxError(() => readIdx(p), p, /file not found/);
    expect((e.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('reports a directory given as a file', () => {
    expectIdxError(() => readIdx(tmp), tmp, /is a directory/);
  });
});

describe('parseIdx', () => {
  it('uses the given name in errors', () => {
    expectIdxError(() => parseIdx(Buffer.from([0, 0, 8]), 'memory:labels'), 'memory:labels', /truncated/);
  });

  it('parses from a Buffer that is a slice of a larger one', () => {
    const big = Buffer.concat([Buffer.from([9, 9, 9]), handMadeImages(), Buffer.from([9])]);
    const { dims, data } = parseIdx(big.subarray(3, big.length - 1), 'slice');
    expect(dims).toEqual([3, 2, 2]);
    expect(data[11]).toBe(255);
  });
});

describe('encodeIdx', () => {
  it('refuses data that does not match the dims', () => {
    expect(() => encodeIdx([2, 2], new Uint8Array(3))).toThrow(/need 4 bytes of data, got 3/);
  });
});
