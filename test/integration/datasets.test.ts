import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  appDatasetDir,
  ChecksumError,
  clearDatasetCache,
  DATASET_REGISTRY,
  DatasetError,
  DatasetNotFoundError,
  downloadDataset,
  loadDataset,
  locateDataset,
  verifyDataset,
} from '../../src-main/data/datasets.js';
import { encodeIdx, readIdxHeader } from '../../src-main/data/idx.js';
import { datasetShape } from '../../src-main/data/shape.js';

const SYSTEM_DIR = '/usr/share/datasets/fashion-mnist';
const FILE_NAMES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

let tmp: string;
let n = 0;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-datasets-'));
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function freshDir(label: string): string {
  const d = path.join(tmp, `${label}-${n++}`);
  fs.mkdirSync(d, { recursive: true });
  return d;
}

interface Synthetic {
  train?: number;
  test?: number;
  /** Overrides the number of training labels, for count mismatches. */
  trainLabels?: number;
  side?: number;
  gzip?: boolean | ((file: string) => boolean);
  label?: (i: number) => number;
}

/** Writes a small, valid data set in IDX format; returns the bytes written per file name. */
function writeSynthetic(dir: string, s: Synthetic = {}): Map<string, Buffer> {
  const train = s.train ?? 6;
  const test = s.test ?? 4;
  const side = s.side ?? 28;
  const label = s.label ?? ((i: number) => i % 10);
  const images = (count: number, salt: number) =>
    encodeIdx([count, side, side], Uint8Array.from({ length: count * side * side }, (_, i) => (i * 13 + salt) % 256));
  const labels = (count: number) => encodeIdx([count], Uint8Array.from({ length: count }, (_, i) => label(i)));
  const contents: [string, Buffer][] = [
    [FILE_NAMES[0], images(train, 1)],
    [FILE_NAMES[1], labels(s.trainLabels ?? train)],
    [FILE_NAMES[2], images(test, 2)],
    [FILE_NAMES[3], labels(test)],
  ];
  const written = new Map<string, Buffer>();
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, raw] of contents) {
    const gz = typeof s.gzip === 'function' ? s.gzip(name) : (s.gzip ?? true);
    const file = gz ? `${name}.gz` : name;
    const bytes = gz ? zlib.gzipSync(raw) : raw;
    fs.writeFileSync(path.join(dir, file), bytes);
    written.set(file, bytes);
  }
  return written;
}

function requireSystemFashionMnist(): void {
  const missing = FILE_NAMES.filter((f) => !fs.existsSync(path.join(SYSTEM_DIR, `${f}.gz`)));
  if (missing.length) {
    throw new Error(
      `Fashion-MNIST is not installed in ${SYSTEM_DIR} (missing ${missing.join(', ')}): ` +
        'install the Debian package dataset-fashion-mnist (CI does); these tests need the real data',
    );
  }
}

function md5(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

describe('locateDataset', () => {
  it('prefers --data, then VITLAB_DATA, then the app data folder', () => {
    const given = freshDir('given');
    const fromEnv = freshDir('env');
    const app = freshDir('app');
    writeSynthetic(given);
    writeSynthetic(fromEnv);
    writeSynthetic(appDatasetDir('fashion-mnist', { appDataDir: app }));
    const env = { VITLAB_DATA: fromEnv };

    expect(locateDataset('fashion-mnist', { dir: given, env, appDataDir: app }).dir).toBe(given);
    expect(locateDataset('fashion-mnist', { env, appDataDir: app }).dir).toBe(fromEnv);
    const fromApp = locateDataset('fashion-mnist', { env: {}, appDataDir: app });
    expect(fromApp.dir).toBe(path.join(app, 'datasets', 'fashion-mnist'));
    expect(fromApp.files.testLabels).toBe(path.join(app, 'datasets', 'fashion-mnist', 't10k-labels-idx1-ubyte.gz'));
  });

  it('falls back past an empty VITLAB_DATA and records where it looked', () => {
    const emptyEnv = freshDir('empty-env');
    const app = freshDir('app');
    writeSynthetic(appDatasetDir('mnist', { appDataDir: app }));
    const found = locateDataset('mnist', { env: { VITLAB_DATA: emptyEnv }, appDataDir: app });
    expect(found.dir).toBe(path.join(app, 'datasets', 'mnist'));
    expect(found.searched.map((s) => [s.source, s.dir])).toEqual([
      ['VITLAB_DATA', emptyEnv],
      ['app data', found.dir],
    ]);
    expect(found.searched[0].problem).toMatch(/missing train-images-idx3-ubyte\[\.gz\]/);
  });

  it('uses $VITLAB_HOME as the default app data folder', () => {
    const home = freshDir('home');
    writeSynthetic(path.join(home, 'datasets', 'mnist'));
    expect(locateDataset('mnist', { env: { VITLAB_HOME: home } }).dir).toBe(path.join(home, 'datasets', 'mnist'));
  });

  it('accepts a parent folder holding <name>/ and un-gzipped files', () => {
    const parent = freshDir('parent');
    writeSynthetic(path.join(parent, 'mnist'), { gzip: (f) => f.startsWith('train') });
    const found = locateDataset('mnist', { env: { VITLAB_DATA: parent }, appDataDir: freshDir('app') });
    expect(found.dir).toBe(path.join(parent, 'mnist'));
    expect(path.basename(found.files.trainImages)).toBe('train-images-idx3-ubyte.gz');
    expect(path.basename(found.files.testImages)).toBe('t10k-images-idx3-ubyte');
  });

  it('does not fall back past a --data folder that lacks the data', () => {
    const given = freshDir('given-empty');
    const app = freshDir('app');
    writeSynthetic(appDatasetDir('mnist', { appDataDir: app }));
    let caught: unknown;
    try {
      locateDataset('mnist', { dir: given, env: {}, appDataDir: app });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(DatasetNotFoundError);
    const msg = (caught as Error).message;
    expect(msg).toMatch(/^MNIST not found; looked in: /);
    expect(msg).toContain(`${given} (--data: missing`);
    expect(msg).toMatch(/run `vitlab data download` or pass --data DIR$/);
    expect(msg).not.toContain(app);
  });

  it('names every folder it tried when nothing has the data', () => {
    const fromEnv = path.join(tmp, 'does-not-exist');
    const app = freshDir('app');
    expect(() => locateDataset('mnist', { env: { VITLAB_DATA: fromEnv }, appDataDir: app })).toThrow(
      `MNIST not found; looked in: ${fromEnv} (VITLAB_DATA: does not exist); ` +
        `${path.join(app, 'datasets', 'mnist')} (app data: does not exist); run \`vitlab data download\` or pass --data DIR`,
    );
  });

  it('refuses unknown data set names', () => {
    expect(() => locateDataset('cifar-10', { env: {} })).toThrow(/unknown dataset "cifar-10"; known: fashion-mnist, mnist/);
  });

  it('finds the system Fashion-MNIST last', () => {
    requireSystemFashionMnist();
    const found = locateDataset('fashion-mnist', { env: {}, appDataDir: freshDir('app') });
    expect(found.dir).toBe(SYSTEM_DIR);
    expect(found.searched.at(-1)).toEqual({ dir: SYSTEM_DIR, source: 'system', problem: 'used' });
  });

  it('skips a folder that holds Fashion-MNIST when asked for MNIST', () => {
    requireSystemFashionMnist();
    const mixed = freshDir('fashion-as-mnist');
    writeSynthetic(mixed);
    // MNIST and Fashion-MNIST share file names; the real test labels give this folder away.
    fs.copyFileSync(path.join(SYSTEM_DIR, 't10k-labels-idx1-ubyte.gz'), path.join(mixed, 't10k-labels-idx1-ubyte.gz'));
    expect(() => locateDataset('mnist', { env: { VITLAB_DATA: mixed }, appDataDir: freshDir('app') })).toThrow(
      `${mixed} (VITLAB_DATA: holds Fashion-MNIST, not MNIST)`,
    );
  });
});

describe('loadDataset on the real Fashion-MNIST', () => {
  beforeAll(() => {
    clearDatasetCache();
  });

  it('loads slices with the official labels', () => {
    requireSystemFashionMnist();
    const ds = loadDataset('fashion-mnist', { env: {}, appDataDir: freshDir('app'), limitTrain: 1000, limitTest: 500 });
    expect(ds.dir).toBe(SYSTEM_DIR);
    expect(ds.name).toBe('fashion-mnist');
    expect(ds.classes).toHaveLength(10);
    expect(ds.classes[9]).toBe('Ankle boot');
    expect([ds.image, ds.channels]).toEqual([28, 1]);
    expect(ds.train.count).toBe(1000);
    expect(ds.train.images.length).toBe(1000 * 28 * 28);
    expect(ds.train.labels.length).toBe(1000);
    expect(ds.test.count).toBe(500);
    expect(ds.test.images.length).toBe(500 * 28 * 28);
    expect(ds.test.labels[0]).toBe(9);
    expect(Math.max(...ds.train.labels)).toBe(9);
    expect(Math.min(...ds.train.labels)).toBe(0);
    // Every class shows up in the first thousand: the slice is real data, not padding.
    expect(new Set(ds.train.labels).size).toBe(10);
    expect(ds.train.images.some((v) => v > 0)).toBe(true);
  });

  it('loads everything with limit 0 and reuses parsed arrays', () => {
    requireSystemFashionMnist();
    const opts = { env: {}, appDataDir: freshDir('app') };
    const all = loadDataset('fashion-mnist', { ...opts, limitTrain: 0, limitTest: 0 });
    expect([all.train.count, all.test.count]).toEqual([60_000, 10_000]);
    expect(all.train.images.length).toBe(60_000 * 784);
    expect(all.test.labels.every((l) => l < 10)).toBe(true);
    const again = loadDataset('fashion-mnist', { ...opts, limitTrain: 10 });
    expect(again.train.images.buffer).toBe(all.train.images.buffer);
    expect(again.train.labels).toEqual(all.train.labels.subarray(0, 10));
    expect(again.test.count).toBe(10_000);
  });

  it('verifies the installed files against the official checksums', () => {
    requireSystemFashionMnist();
    const found = locateDataset('fashion-mnist', { env: {}, appDataDir: freshDir('app') });
    const results = verifyDataset('fashion-mnist', found.files);
    expect(results.map((r) => [r.key, r.ok])).toEqual([
      ['trainImages', true],
      ['trainLabels', true],
      ['testImages', true],
      ['testLabels', true],
    ]);
  });

  it('fails verification of files that are not the official ones', () => {
    const dir = freshDir('fake');
    writeSynthetic(dir);
    const found = locateDataset('fashion-mnist', { dir, env: {} });
    const results = verifyDataset('fashion-mnist', found.files);
    expect(results.every((r) => !r.ok)).toBe(true);
    expect(results[0].expected.md5).toBe('8d4fb7e6c68d591d4c3dfef9ec88bf0d');
  });
});

describe('loadDataset checks', () => {
  it('loads a synthetic set, limits larger than the set take everything', () => {
    const dir = freshDir('small');
    writeSynthetic(dir, { train: 7, test: 3, gzip: false });
    const ds = loadDataset('mnist', { dir, env: {}, limitTrain: 5, limitTest: 100 });
    expect([ds.train.count, ds.test.count]).toEqual([5, 3]);
    expect(Array.from(ds.train.labels)).toEqual([0, 1, 2, 3, 4]);
    expect(ds.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  });

  it('names both files when image and label counts differ', () => {
    const dir = freshDir('mismatch');
    writeSynthetic(dir, { train: 5, trainLabels: 4 });
    const images = path.join(dir, 'train-images-idx3-ubyte.gz');
    const labels = path.join(dir, 'train-labels-idx1-ubyte.gz');
    expect(() => loadDataset('mnist', { dir, env: {} })).toThrow(
      `image and label counts differ: ${images} has 5 images, ${labels} has 4 labels`,
    );
  });

  it('refuses labels outside the classes, naming the file', () => {
    const dir = freshDir('bad-label');
    writeSynthetic(dir, { label: (i) => (i === 2 ? 10 : 0) });
    expect(() => loadDataset('mnist', { dir, env: {} })).toThrow(
      `${path.join(dir, 'train-labels-idx1-ubyte.gz')}: label 10 at index 2 is not a class (expected 0–9)`,
    );
  });

  it('refuses images that are not 28×28', () => {
    const dir = freshDir('side');
    writeSynthetic(dir, { side: 27 });
    expect(() => loadDataset('mnist', { dir, env: {} })).toThrow(
      `${path.join(dir, 'train-images-idx3-ubyte.gz')}: expected images of shape N×28×28, found 6×27×27`,
    );
  });

  it('reports a truncated file by name', () => {
    const dir = freshDir('truncated');
    writeSynthetic(dir, { gzip: false });
    const p = path.join(dir, 't10k-images-idx3-ubyte');
    fs.truncateSync(p, 16 + 100);
    expect(() => loadDataset('mnist', { dir, env: {} })).toThrow(`${p}: truncated: expected ${4 * 784} bytes of data, found 100`);
  });

  it('re-reads a file replaced since it was cached', () => {
    const dir = freshDir('replaced');
    writeSynthetic(dir, { train: 3 });
    expect(loadDataset('mnist', { dir, env: {} }).train.count).toBe(3);
    writeSynthetic(dir, { train: 8 });
    // The cache is keyed by path; only the stat check (size, mtime) can notice the new contents.
    expect(loadDataset('mnist', { dir, env: {} }).train.count).toBe(8);
  });

  it('refuses negative or fractional limits', () => {
    expect(() => loadDataset('mnist', { limitTrain: -1 })).toThrow(DatasetError);
    expect(() => loadDataset('mnist', { limitTest: 1.5 })).toThrow(/limitTest must be a whole number/);
  });
});

describe('datasetShape: the data check before a run is written refuses what the loader refuses', () => {
  const shapeOf = (dir: string) => datasetShape(locateDataset('mnist', { dir, env: {} }));

  it('reads the real Fashion-MNIST from its headers and labels', () => {
    requireSystemFashionMnist();
    expect(datasetShape(locateDataset('fashion-mnist', { dir: SYSTEM_DIR, env: {} }))).toEqual({ image: 28, channels: 1, classes: 10, trainCount: 60_000, testCount: 10_000 });
    expect(readIdxHeader(path.join(SYSTEM_DIR, 'train-images-idx3-ubyte.gz')).dims).toEqual([60_000, 28, 28]);
  });

  it('a synthetic set, gzipped or not', () => {
    for (const gzip of [true, false]) {
      const dir = freshDir(`shape-${gzip}`);
      writeSynthetic(dir, { train: 7, test: 3, gzip });
      expect(shapeOf(dir)).toEqual({ image: 28, channels: 1, classes: 10, trainCount: 7, testCount: 3 });
    }
  });

  const broken: [string, (dir: string) => void][] = [
    ['image and label counts differ', (dir) => writeSynthetic(dir, { train: 5, trainLabels: 4 })],
    ['a label outside the classes', (dir) => writeSynthetic(dir, { label: (i) => (i === 2 ? 10 : 0) })],
    ['27×27 images', (dir) => writeSynthetic(dir, { side: 27 })],
    ['a truncated raw file', (dir) => {
      writeSynthetic(dir, { gzip: false });
      fs.truncateSync(path.join(dir, 't10k-images-idx3-ubyte'), 16 + 100);
    }],
    ['a truncated gzip file', (dir) => {
      writeSynthetic(dir, { gzip: true });
      const p = path.join(dir, 'train-images-idx3-ubyte.gz');
      fs.writeFileSync(p, fs.readFileSync(p).subarray(0, 200));
    }],
    ['a gzip file that holds trailing bytes', (dir) => {
      writeSynthetic(dir, { gzip: true });
      const p = path.join(dir, 'train-images-idx3-ubyte.gz');
      const raw = zlib.gunzipSync(fs.readFileSync(p));
      fs.writeFileSync(p, zlib.gzipSync(Buffer.concat([raw, Buffer.from([1, 2, 3])])));
    }],
  ];
  for (const [what, make] of broken) {
    it(what, () => {
      const dir = freshDir('shape-broken');
      make(dir);
      let loadError: Error | undefined;
      try {
        loadDataset('mnist', { dir, env: {} });
      } catch (e) {
        loadError = e as Error;
      }
      expect(loadError, 'the loader refuses it').toBeDefined();
      expect(() => shapeOf(dir)).toThrow(/train-|t10k-/);
    });
  }
});

describe('downloadDataset', () => {
  let server: http.Server;
  let baseUrl: string;
  const served = new Map<string, Buffer>();
  const requests: string[] = [];

  beforeAll(async () => {
    writeSynthetic(path.join(tmp, 'mirror'), { train: 50, test: 20 }).forEach((bytes, name) => served.set(name, bytes));
    server = http.createServer((req, res) => {
      const name = decodeURIComponent((req.url ?? '').replace(/^\/mirror\//, ''));
      requests.push(name);
      if (name === 'broken/t10k-labels-idx1-ubyte.gz') {
        // Promises more than it sends, then hangs up: a connection dropped mid-file.
        res.writeHead(200, { 'content-length': '100000' });
        res.write(Buffer.alloc(1000));
        setTimeout(() => res.destroy(), 20);
        return;
      }
      const body = served.get(name.replace(/^broken\//, ''));
      if (!body) {
        res.writeHead(404, 'Not Found').end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': body.length });
      // Several writes so the client sees more than one chunk.
      const step = Math.ceil(body.length / 4);
      for (let i = 0; i < body.length; i += step) res.write(body.subarray(i, i + step));
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mirror/`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const checksums = () => Object.fromEntries([...served].map(([name, bytes]) => [name, md5(bytes)]));

  it('downloads, verifies and keeps the four files', async () => {
    const dest = path.join(freshDir('dl'), 'datasets', 'mnist');
    const progress: [string, number, number | undefined][] = [];
    const located = await downloadDataset('mnist', dest, {
      baseUrl,
      checksums: checksums(),
      onProgress: (file, received, total) => progress.push([file, received, total]),
    });
    expect(located.dir).toBe(dest);
    expect(fs.readdirSync(dest).sort()).toEqual([...served.keys()].sort());
    for (const [name, bytes] of served) expect(fs.readFileSync(path.join(dest, name))).toEqual(bytes);

    for (const [name, bytes] of served) {
      const events = progress.filter(([f]) => f === name);
      expect(events.length).toBeGreaterThan(0);
      expect(events.at(-1)).toEqual([name, bytes.length, bytes.length]);
      const received = events.map(([, r]) => r);
      expect(received).toEqual([...received].sort((a, b) => a - b));
    }

    const ds = loadDataset('mnist', { dir: dest, env: {} });
    expect([ds.train.count, ds.test.count]).toEqual([50, 20]);

    requests.length = 0;
    await downloadDataset('mnist', dest, { baseUrl, checksums: checksums() });
    expect(requests).toEqual([]);
  });

  it('deletes the part file and names both checksums on a mismatch', async () => {
    const dest = freshDir('dl-bad');
    const wrong = '0123456789abcdef0123456789abcdef';
    const sums = { ...checksums(), 'train-labels-idx1-ubyte.gz': wrong };
    const actual = md5(served.get('train-labels-idx1-ubyte.gz')!);
    const err = await downloadDataset('fashion-mnist', dest, { baseUrl, checksums: sums }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChecksumError);
    expect((err as Error).message).toBe(`train-labels-idx1-ubyte.gz: checksum mismatch: expected md5 ${wrong}, got ${actual}`);
    // The file before it is complete and kept; the bad one leaves nothing behind, not even a part file.
    expect(fs.readdirSync(dest)).toEqual(['train-images-idx3-ubyte.gz']);
  });

  it('checks downloads against the official checksums by default', async () => {
    const dest = freshDir('dl-official');
    const err = await downloadDataset('fashion-mnist', dest, { baseUrl }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChecksumError);
    expect((err as Error).message).toContain(`expected md5 ${DATASET_REGISTRY['fashion-mnist'].files.trainImages.md5}`);
    expect(fs.readdirSync(dest)).toEqual([]);
  });

  it('reports an HTTP error with the URL and leaves nothing behind', async () => {
    const dest = freshDir('dl-404');
    const err = await downloadDataset('mnist', dest, { baseUrl: `${baseUrl}nowhere/`, checksums: checksums() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as Error).message).toBe(`${baseUrl}nowhere/train-images-idx3-ubyte.gz: download failed: HTTP 404 Not Found`);
    expect(fs.readdirSync(dest)).toEqual([]);
  });

  it('removes the part file when the connection drops mid-file', async () => {
    const dest = freshDir('dl-drop');
    const err = await downloadDataset('mnist', dest, { baseUrl: `${baseUrl}broken/`, checksums: checksums() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as Error).message).toMatch(/t10k-labels-idx1-ubyte\.gz: download interrupted after 1000 bytes/);
    expect(fs.readdirSync(dest).sort()).toEqual(['t10k-images-idx3-ubyte.gz', 'train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz']);
  });
});
