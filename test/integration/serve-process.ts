import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A real `vitlab serve` process (bin/vitlab.js, as a user starts it) on loopback with a fresh SQLite
 * file in a temp folder, plus the raw HTTP, socket and WebSocket-frame tools the hardening and fuzz
 * tests throw at it. A child process, not `serve()` in the test's own process: "serve is still up"
 * then means the process did not exit, which an uncaught exception would make it do.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ServeProcess {
  dir: string;
  staticDir: string;
  dbPath: string;
  port: number;
  token: string;
  origin: string;
  /** The process has not exited. */
  running(): boolean;
  /** What the process wrote to stderr (its crash, if it crashed). */
  stderr(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Called with the database path before serve opens it (to seed rows). */
  seed?: (dbPath: string) => void | Promise<void>;
  /** `--data`: an empty folder makes any run that gets started fail at once instead of training. */
  emptyData?: boolean;
}

export async function startServe(opts: StartOptions = {}): Promise<ServeProcess> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-serve-'));
  const staticDir = path.join(dir, 'static');
  fs.mkdirSync(path.join(staticDir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>ViT Lab</title>');
  fs.writeFileSync(path.join(staticDir, 'assets', 'app.js'), 'console.log("dashboard")');
  // Outside the dashboard folder, reachable only through symlinks inside it (issue 11, item 6).
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'SECRET outside the static folder');
  fs.symlinkSync(path.join(dir, 'secret.txt'), path.join(staticDir, 'leak.txt'));
  fs.symlinkSync(dir, path.join(staticDir, 'up'));
  const dbPath = path.join(dir, 'serve.db');
  await opts.seed?.(dbPath);
  const args = [path.join(root, 'bin/vitlab.js'), 'serve', '--db', dbPath, '--static', staticDir, '--port', '0'];
  if (opts.emptyData) {
    fs.mkdirSync(path.join(dir, 'no-data'));
    args.push('--data', path.join(dir, 'no-data'));
  }
  const child: ChildProcess = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own data folder: the settings file a fuzzed settings/set may write stays in the temp folder.
    env: { ...process.env, VITLAB_DATA: '', VITLAB_HOME: dir, VITLAB_STORE: '' },
  });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /ViT Lab: (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`vitlab serve exited with ${code}: ${err}`)));
  });
  const u = new URL(url);
  return {
    dir,
    staticDir,
    dbPath,
    port: Number(u.port),
    token: u.searchParams.get('token') ?? '',
    origin: u.origin,
    running: () => child.exitCode === null && child.signalCode === null,
    stderr: () => err,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One HTTP request with node:http (the path goes out as written; no URL normalisation). */
export function request(port: number, p: string, opts: { method?: string; headers?: Record<string, string | string[]>; body?: string | Buffer } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, method: opts.method ?? 'GET', headers: { Connection: 'close', ...opts.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/**
 * Writes raw bytes to a fresh connection; resolves with what the server sent, once it closed the
 * connection, sent what `until` waits for (by default one whole non-101 response), or `maxMs` passed. With `endAfterMs` the client
 * half-closes after that long (an incomplete request then ends instead of waiting for the limit).
 */
export function raw(port: number, bytes: Buffer | string, opts: { endAfterMs?: number; maxMs?: number; until?: (received: Buffer) => boolean } = {}): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = net.connect(port, '127.0.0.1');
    const timers: NodeJS.Timeout[] = [];
    const done = () => {
      for (const t of timers) clearTimeout(t);
      s.destroy();
      resolve(Buffer.concat(chunks));
    };
    timers.push(setTimeout(done, opts.maxMs ?? 10_000));
    s.on('connect', () => {
      s.write(bytes);
      if (opts.endAfterMs !== undefined) timers.push(setTimeout(() => s.end(), opts.endAfterMs));
    });
    s.on('data', (c: Buffer) => {
      chunks.push(c);
      if ((opts.until ?? wholeResponse)(Buffer.concat(chunks))) done();
    });
    s.on('close', done);
    // A reset after the server refused us is an answer, not a test failure.
    s.on('error', done);
  });
}

function wholeResponse(bytes: Buffer): boolean {
  const at = bytes.indexOf('\r\n\r\n');
  if (at < 0 || statusOf(bytes) === 101) return false;
  const m = /\r\ncontent-length: *(\d+)/i.exec(bytes.subarray(0, at).toString('latin1'));
  return m !== null && bytes.length - (at + 4) >= Number(m[1]);
}

/** The status code of the first response in raw bytes, or 0 where there is none. */
export function statusOf(bytes: Buffer): number {
  const m = /^HTTP\/1\.1 (\d{3}) /.exec(bytes.toString('latin1'));
  return m ? Number(m[1]) : 0;
}

/** The body of the first response in raw bytes (after the blank line, as long as its Content-Length says). */
export function bodyOf(bytes: Buffer): string {
  const at = bytes.indexOf('\r\n\r\n');
  if (at < 0) return '';
  const m = /\r\ncontent-length: *(\d+)/i.exec(bytes.subarray(0, at).toString('latin1'));
  return bytes.subarray(at + 4, m ? at + 4 + Number(m[1]) : undefined).toString('utf8');
}

export function upgradeRequest(srv: Pick<ServeProcess, 'port'>, p: string, headers: Record<string, string> = {}): string {
  const key = crypto.randomBytes(16).toString('base64');
  const lines = [
    `GET ${p} HTTP/1.1`,
    `Host: 127.0.0.1:${srv.port}`,
    'Connection: Upgrade',
    'Upgrade: websocket',
    'Sec-WebSocket-Version: 13',
    `Sec-WebSocket-Key: ${key}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** One WebSocket frame as a client sends it (masked unless told otherwise); `length` may lie about the payload. */
export function frame(opcode: number, payload: Buffer, opts: { fin?: boolean; mask?: boolean; rsv?: number; length?: number } = {}): Buffer {
  const fin = opts.fin ?? true;
  const mask = opts.mask ?? true;
  const len = opts.length ?? payload.length;
  const head: number[] = [(fin ? 0x80 : 0) | ((opts.rsv ?? 0) << 4) | (opcode & 0x0f)];
  const m = mask ? 0x80 : 0;
  let ext = Buffer.alloc(0);
  if (len < 126) head.push(m | len);
  else if (len < 65536) {
    head.push(m | 126);
    ext = Buffer.alloc(2);
    ext.writeUInt16BE(len);
  } else {
    head.push(m | 127);
    ext = Buffer.alloc(8);
    ext.writeBigUInt64BE(BigInt(len));
  }
  const key = mask ? crypto.randomBytes(4) : Buffer.alloc(0);
  const body = Buffer.from(payload);
  if (mask) for (let i = 0; i < body.length; i++) body[i] ^= key[i % 4];
  return Buffer.concat([Buffer.from(head), ext, key, body]);
}

export interface ServerFrame {
  opcode: number;
  payload: Buffer;
}

/** The whole frames the server sent after its 101 answer (server frames are never masked). */
export function serverFrames(bytes: Buffer): ServerFrame[] {
  const at = bytes.indexOf('\r\n\r\n');
  if (at < 0 || statusOf(bytes) !== 101) return [];
  const frames: ServerFrame[] = [];
  let i = at + 4;
  while (i + 2 <= bytes.length) {
    let len = bytes[i + 1] & 0x7f;
    let off = i + 2;
    if (len === 126) {
      if (off + 2 > bytes.length) break;
      len = bytes.readUInt16BE(off);
      off += 2;
    } else if (len === 127) {
      if (off + 8 > bytes.length) break;
      len = Number(bytes.readBigUInt64BE(off));
      off += 8;
    }
    if (off + len > bytes.length) break;
    frames.push({ opcode: bytes[i] & 0x0f, payload: bytes.subarray(off, off + len) });
    i = off + len;
  }
  return frames;
}

/** The close code in the first close frame the server sent, or null. */
export function closeCodeOf(bytes: Buffer): number | null {
  const close = serverFrames(bytes).find((f) => f.opcode === 0x8);
  if (!close) return null;
  return close.payload.length >= 2 ? close.payload.readUInt16BE(0) : 1005;
}

/** Is the serve process alive and answering a plain authorised request? */
export async function answers(srv: ServeProcess): Promise<boolean> {
  if (!srv.running()) return false;
  try {
    const r = await request(srv.port, '/', { headers: { Authorization: `Bearer ${srv.token}` } });
    return r.status === 200 && r.body.includes('ViT Lab');
  } catch {
    return false;
  }
}

/** A typed error body: `{ ok: false, error: { code, message } }`. */
export function isTypedError(body: string): boolean {
  try {
    const j = JSON.parse(body) as { ok?: unknown; error?: { code?: unknown; message?: unknown } };
    return j.ok === false && typeof j.error?.code === 'string' && typeof j.error?.message === 'string' && j.error.message.length > 0;
  } catch {
    return false;
  }
}
