import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ApiEvent, WsClientMessage, WsServerMessage } from './contract.js';
import { dispatch, type HandlerContext } from './handlers.js';

/**
 * `vitlab serve`: the same handlers as the desktop app, over HTTP + WebSocket on loopback, for a
 * browser (remote training boxes, and the end-to-end tests where no Electron binary exists).
 *
 * Every request needs the random token: from the URL the CLI prints (`/?token=…`, which also sets
 * a strict same-site cookie so the page's assets and its WebSocket carry it), an
 * `Authorization: Bearer` header, or `?token=`. The Host header must name the loopback address,
 * so a web page elsewhere cannot reach the server through DNS rebinding.
 */

export interface ServeOptions {
  host?: string;
  port?: number;
  token?: string;
  /** The built dashboard (out/renderer). */
  staticDir: string;
  /** Largest request body accepted, in bytes. */
  maxBody?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

const COOKIE = 'vitlab_token';

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

function tokenOf(req: http.IncomingMessage, url: URL): string | null {
  const q = url.searchParams.get('token');
  if (q) return q;
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7);
  const cookie = req.headers.cookie?.split(';').map((c) => c.trim().split('='));
  const hit = cookie?.find(([k]) => k === COOKIE);
  return hit ? decodeURIComponent(hit[1] ?? '') : null;
}

export async function serve(ctx: HandlerContext, opts: ServeOptions): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  if (!['127.0.0.1', '::1', 'localhost'].includes(host)) throw new Error(`serve: host must be a loopback address (got ${host})`);
  const token = opts.token ?? crypto.randomBytes(24).toString('base64url');
  const maxBody = opts.maxBody ?? 1024 * 1024;
  const staticRoot = path.resolve(opts.staticDir);
  let port = 0;

  const hostOk = (req: http.IncomingMessage) => {
    const h = req.headers.host ?? '';
    return h === `127.0.0.1:${port}` || h === `localhost:${port}` || h === `[::1]:${port}`;
  };
  const authorised = (req: http.IncomingMessage, url: URL) => {
    const t = tokenOf(req, url);
    return t !== null && safeEqual(t, token);
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const send = (status: number, body: string, type = 'text/plain; charset=utf-8', extra: Record<string, string> = {}) => {
      res.writeHead(status, { 'Content-Type': type, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store', ...extra });
      res.end(body);
    };
    if (!hostOk(req)) return send(403, 'forbidden: unexpected Host header');
    if (!authorised(req, url)) return send(401, 'unauthorised: open the address `vitlab serve` printed (it carries the token)');

    if (url.pathname.startsWith('/api/') && req.method === 'POST') {
      let size = 0;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxBody) {
          send(413, JSON.stringify({ ok: false, error: { code: 'invalid_input', message: `request body larger than ${maxBody} bytes` } }), 'application/json');
          req.destroy();
        } else chunks.push(c);
      });
      req.on('end', () => {
        if (res.headersSent) return;
        let input: unknown;
        try {
          input = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
        } catch (e) {
          return send(400, JSON.stringify({ ok: false, error: { code: 'invalid_input', message: `body is not JSON: ${(e as Error).message}` } }), 'application/json');
        }
        void dispatch(url.pathname.slice(5), input, ctx).then((r) => send(r.ok ? 200 : r.error.code === 'not_found' ? 404 : r.error.code === 'internal' ? 500 : 400, JSON.stringify(r), 'application/json'));
      });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed');

    const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\/+/, '');
    const file = path.resolve(staticRoot, rel);
    if (!file.startsWith(staticRoot + path.sep)) return send(403, 'forbidden');
    fs.readFile(file, (err, data) => {
      if (err) return send(404, 'not found');
      const extra: Record<string, string> = {};
      if (url.searchParams.get('token')) extra['Set-Cookie'] = `${COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
      res.writeHead(200, { 'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream', 'X-Content-Type-Options': 'nosniff', ...extra });
      res.end(req.method === 'HEAD' ? undefined : data);
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: maxBody });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const origin = req.headers.origin;
    const originOk = !origin || origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}` || origin === `http://[::1]:${port}`;
    if (url.pathname !== '/api' || !hostOk(req) || !originOk || !authorised(req, url)) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  const clients = new Set<WebSocket>();
  const unsubscribe = ctx.supervisor.on((event: ApiEvent) => {
    const msg = JSON.stringify({ event } satisfies WsServerMessage);
    for (const ws of clients) if (ws.readyState === ws.OPEN) ws.send(msg);
  });
  wss.on('connection', (ws: WebSocket) => {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    ws.on('message', (raw) => {
      let msg: WsClientMessage;
      try {
        msg = JSON.parse(raw.toString()) as WsClientMessage;
        if (typeof msg !== 'object' || msg === null || typeof msg.id !== 'number' || typeof msg.name !== 'string') throw new Error('expected { id: number, name: string, input }');
      } catch (e) {
        ws.send(JSON.stringify({ id: -1, response: { ok: false, error: { code: 'invalid_input', message: `bad message: ${(e as Error).message}` } } } satisfies WsServerMessage));
        return;
      }
      void dispatch(msg.name, msg.input, ctx).then((response) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id: msg.id, response } satisfies WsServerMessage));
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const urlHost = host === '::1' ? '[::1]' : host;
  return {
    url: `http://${urlHost}:${port}/?token=${token}`,
    port,
    token,
    close: async () => {
      unsubscribe();
      for (const ws of clients) ws.terminate();
      wss.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
