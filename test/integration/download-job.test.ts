import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetState, startDownload } from '../../src-main/data/download-job.js';

/**
 * The dashboard's data-set download: a real HTTP server on loopback serving Debian's real
 * Fashion-MNIST files slowly (so the progress can be seen), the real downloader behind it.
 */

const SYSTEM = '/usr/share/datasets/fashion-mnist';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-dljob-'));
let server: http.Server;
let baseUrl = '';
const files = fs.existsSync(SYSTEM) ? fs.readdirSync(SYSTEM).filter((f) => f.endsWith('.gz')) : [];
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const name = path.basename(req.url ?? '');
    if (!files.includes(name)) {
      res.writeHead(404).end();
      return;
    }
    const bytes = fs.readFileSync(path.join(SYSTEM, name));
    res.writeHead(200, { 'Content-Length': bytes.length });
    let at = 0;
    const tick = () => {
      if (at >= bytes.length) return void res.end();
      res.write(bytes.subarray(at, (at += 256 * 1024)));
      setTimeout(tick, 20);
    };
    tick();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe.skipIf(files.length !== 4)('downloading a data set from the dashboard', () => {
  it('reports missing with where it looked, then progress while downloading, then found where it was put', async () => {
    const dest = path.join(tmp, 'fashion-mnist');
    const locate = { dir: dest };
    const before = datasetState('fashion-mnist', locate);
    expect(before.state).toBe('missing');
    expect(before.searched?.map((s) => s.dir)).toContain(dest);

    const checksums = Object.fromEntries(files.map((f) => [f, md5(fs.readFileSync(path.join(SYSTEM, f)))]));
    const started = startDownload('fashion-mnist', { dest, locate, baseUrl, checksums });
    expect(started).toMatchObject({ state: 'downloading', dir: dest, total: expect.any(Number) });
    // A second start while it runs is the same download.
    expect(startDownload('fashion-mnist', { dest, locate, baseUrl, checksums }).state).toBe('downloading');

    const seen: number[] = [];
    let s = started;
    while (s.state === 'downloading') {
      seen.push(s.received ?? 0);
      await new Promise((r) => setTimeout(r, 100));
      s = datasetState('fashion-mnist', locate);
    }
    expect(s).toMatchObject({ state: 'found', dir: dest });
    expect(seen.some((b) => b > 0 && b < started.total!)).toBe(true);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    for (const f of files) expect(md5(fs.readFileSync(path.join(dest, f)))).toBe(checksums[f]);
  }, 120_000);

  it('a failed download says why and keeps nothing half-written', async () => {
    // Debian's .gz files are re-compressed: against the official .gz checksums they are wrong bytes.
    const dest = path.join(tmp, 'broken');
    const locate = { dir: dest };
    startDownload('fashion-mnist', { dest, locate, baseUrl });
    let s = datasetState('fashion-mnist', locate);
    while (s.state === 'downloading') {
      await new Promise((r) => setTimeout(r, 50));
      s = datasetState('fashion-mnist', locate);
    }
    expect(s.state).toBe('failed');
    expect(s.error).toMatch(/train-images-idx3-ubyte\.gz: checksum/);
    expect(fs.readdirSync(dest)).toEqual([]);
  });
});
