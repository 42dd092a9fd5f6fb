import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { ApiEvent, WsClientMessage, WsServerMessage } from './contract.js';
import { onApiEvents } from './events.js';
import { dispatch, type HandlerContext } from './handlers.js';
import { matchingTokens, tokenCookie } from './http-auth.js';
import { readBody } from './http-body.js';
import { HTTP_STATUS, errorJson, refuseSocket, sendError, sendJson, serveError, type ServeError } from './http-errors.js';
import { hostOk, isStateChanging, stateChangeRefusal, upgradeOriginRefusal } from './http-guard.js';
import { staticResolver } from './http-static.js';
import { parseTarget } from './http-target.js';
import { parseJson } from './json-body.js';

/**
 * `vitlab serve`: the same handlers as the desktop app, over HTTP + WebSocket on loopback, for a
 * browser (remote training boxes, and the end-to-end tests where no Electron binary exists).
 *
 * Every request needs the random token: from the URL the CLI prints (`/?token=…`, which also sets
 * a strict same-site cookie so the page's assets and its WebSocket carry it), an
 * `Authorization: Bearer` header, or `?token=`. The Host header must name the loopback address,
 * so a web page elsewhere cannot reach the server through DNS rebinding; state-changing requests
 * also need our Origin and JSON (http-guard.ts). Nothing a client sends may take serve down:
 * every parser answers a typed error (http-*.ts, json-body.ts), and every server, request,
 * response and socket has an error listener.
 */

export interface ServeOptions {
  host?: string;
  port?: number;
  token?: string;
  /** The built dashboard (out/renderer). */
  staticDir: string;
  /** Largest request body (and WebSocket message) accepted, in bytes. */
  maxBody?: number;
  /**
   * Events from outside this process to push to every client besides the supervisor's (a shared
   * PostgreSQL store's LISTEN feed, api/run-feed.ts); returns the unsubscribe function.
   */
  moreEvents?: (listener: (e: ApiEvent) => void) => () => void;
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

/** WebSocket close codes serve sends itself (RFC 6455 §7.4.1); ws sends 1002/1007/1009 for bad frames. */
const WS_GOING_AWAY = 1001;

function logInternal(where: string, e: unknown): void {
  process.stderr.write(`vitlab serve: ${where}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
}

/** JSON of an answer; one that cannot be serialised (a bigint, a cycle) is our fault, said as such. */
function encode(value: unknown): { body: string; encoded: boolean } {
  try {
    return { body: JSON.stringify(value), encoded: true };
  } catch (e) {
    return { body: errorJson(serveError('internal', `the answer could not be encoded: ${(e as Error).message}`)), encoded: false };
  }
}

export async function serve(ctx: HandlerContext, opts: ServeOptions): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  if (!['127.0.0.1', '::1', 'localhost'].includes(host)) throw new Error(`serve: host must be a loopback address (got ${host})`);
  const token = opts.token ?? crypto.randomBytes(24).toString('base64url');
  const maxBody = opts.maxBody ?? 1024 * 1024;
  const resolveStatic = staticResolver(opts.staticDir);
  let port = 0;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!hostOk(req.headers, port)) return sendError(res, serveError('forbidden', 'unexpected Host header: serve answers only to its loopback address'));
    const target = parseTarget(req.url);
    if (!target.ok) return sendError(res, serveError('invalid_input', target.message));
    const matched = matchingTokens(req.headers, target.query, token);
    if (matched.size === 0) return sendError(res, serveError('unauthorized', 'unauthorised: open the address `vitlab serve` printed (it carries the token)'));
    if (isStateChanging(req.method)) {
      const refused = stateChangeRefusal(req.headers, port, matched);
      if (refused) return sendError(res, refused, { Connection: 'close' });
    }

    if (target.pathname.startsWith('/api/')) {
      if (req.method !== 'POST') return sendError(res, serveError('method_not_allowed', `${target.pathname} takes POST`), { Allow: 'POST' });
      const body = await readBody(req, maxBody);
      if (!body.ok) return sendError(res, body.error, { Connection: 'close' });
      const input = body.bytes.length ? parseJson(body.bytes) : { ok: true as const, value: {} };
      if (!input.ok) return sendError(res, serveError('invalid_input', input.message));
      const response = await dispatch(target.pathname.slice(5), input.value, ctx);
      const { body: json, encoded } = encode(response);
      return sendJson(res, !encoded ? 500 : response.ok ? 200 : HTTP_STATUS[response.error.code], json);
    }
    if (isStateChanging(req.method)) return sendError(res, serveError('method_not_allowed', `${req.method} is not allowed here; the API is POST /api/<request>`), { Allow: 'GET, HEAD' });

    const found = await resolveStatic(target.pathname);
    if (!found.ok) return sendError(res, found.error);
    const extra: Record<string, string> = {};
    if (matched.has('query')) extra['Set-Cookie'] = tokenCookie(token);
    if (res.headersSent || res.destroyed) return;
    res.writeHead(200, { 'Content-Type': found.value.mime, 'Content-Length': found.value.data.length, 'X-Content-Type-Options': 'nosniff', ...extra });
    res.end(req.method === 'HEAD' ? undefined : found.value.data);
  }

  // The last response on each connection: bytes that fail to parse after one that closes it get no second answer.
  const lastResponse = new WeakMap<Duplex, http.ServerResponse>();
  // Host is checked by hostOk with a typed answer; Node's own check would answer an untyped 400.
  const server = http.createServer({ requireHostHeader: false }, (req, res) => {
    lastResponse.set(req.socket, res);
    // A client that resets mid-request or mid-answer is the client's problem, never an uncaught error.
    req.on('error', () => {});
    res.on('error', () => {});
    handle(req, res).catch((e: unknown) => {
      logInternal(`${req.method} ${String(req.url).slice(0, 200)}`, e);
      sendError(res, serveError('internal', `internal error: ${(e as Error)?.message ?? String(e)}`));
    });
  });
  // Bytes Node cannot parse as HTTP (or headers too large, or too slow): a typed answer, then close.
  server.on('clientError', (err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    const last = lastResponse.get(socket);
    if (last && (!last.writableFinished || !last.shouldKeepAlive)) {
      // Garbage after a request still being answered, or after a closing answer: finish that one, then close.
      if (last.writableFinished) socket.destroy();
      else last.once('finish', () => socket.destroy());
      return;
    }
    const e: ServeError =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? serveError('headers_too_large', 'request headers are too large')
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? serveError('timeout', 'the request took too long to arrive')
          : serveError('invalid_input', `malformed HTTP request (${err.code ?? err.message})`);
    refuseSocket(socket, e, { bodyless: err.rawPacket?.subarray(0, 5).toString('latin1') === 'HEAD ' });
  });
  server.on('error', (e) => logInternal('server', e));
  // The answers Node would otherwise give by itself, untyped: an unknown Expect, a CONNECT.
  server.on('checkExpectation', (req: http.IncomingMessage, res: http.ServerResponse) => {
    req.on('error', () => {});
    res.on('error', () => {});
    sendError(res, serveError('expectation_failed', `Expect: ${String(req.headers.expect).slice(0, 100)} is not supported`), { Connection: 'close' });
  });
  server.on('connect', (_req: http.IncomingMessage, socket: Duplex) => refuseSocket(socket, serveError('method_not_allowed', 'CONNECT is not supported: serve is no proxy')));

  const wss = new WebSocketServer({ noServer: true, maxPayload: maxBody });
  wss.on('error', (e) => logInternal('websocket server', e));
  // An upgrade ws itself finds malformed (bad key, version): the same typed refusal as ours.
  wss.on('wsClientError', (err: Error, socket: Duplex) => refuseSocket(socket, serveError('invalid_input', `bad WebSocket handshake: ${err.message}`)));
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {});
    const target = parseTarget(req.url);
    const refusal: ServeError | null = !hostOk(req.headers, port)
      ? serveError('forbidden', 'unexpected Host header: serve answers only to its loopback address')
      : !target.ok
        ? serveError('invalid_input', target.message)
        : target.pathname !== '/api'
          ? serveError('not_found', 'the WebSocket lives at /api')
          : upgradeOriginRefusal(req.headers, port) ??
            (matchingTokens(req.headers, target.query, token).size === 0 ? serveError('unauthorized', 'unauthorised: the WebSocket needs the token') : null);
    if (refusal) return refuseSocket(socket, refusal);
    try {
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    } catch (e) {
      logInternal('upgrade', e);
      refuseSocket(socket, serveError('internal', 'the WebSocket could not be opened'));
    }
  });

  const clients = new Set<WebSocket>();
  const sendTo = (ws: WebSocket, msg: WsServerMessage) => {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(encode(msg).body, (err) => {
      if (err) ws.terminate();
    });
  };
  const broadcast = (event: ApiEvent) => {
    for (const ws of clients) sendTo(ws, { event });
  };
  // The supervisor's events, and those of a shared store's LISTEN feed (serve on PostgreSQL has no supervisor).
  const unsubscribers = [...(ctx.supervisor ? [onApiEvents(ctx.supervisor, broadcast)] : []), ...(opts.moreEvents ? [opts.moreEvents(broadcast)] : [])];
  wss.on('connection', (ws: WebSocket) => {
    clients.add(ws);
    // A frame over maxPayload, invalid UTF-8, a protocol error: ws closes the socket with the code
    // that says so (1009, 1007, 1002) and reports it here. Without a listener it was uncaught.
    ws.on('error', () => {});
    ws.on('close', () => clients.delete(ws));
    ws.on('message', (raw: RawData, isBinary: boolean) => {
      const bytes = Array.isArray(raw) ? Buffer.concat(raw) : Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
      const parsed = parseJson(bytes, isBinary ? 'binary message' : 'message');
      const msg = parsed.ok && typeof parsed.value === 'object' && parsed.value !== null ? (parsed.value as Partial<Record<keyof WsClientMessage, unknown>>) : null;
      const id = typeof msg?.id === 'number' ? msg.id : -1;
      if (!msg || typeof msg.id !== 'number' || typeof msg.name !== 'string') {
        const message = parsed.ok ? 'bad message: expected { id: number, name: string, input }' : `bad message: ${parsed.message}`;
        return sendTo(ws, { id, response: { ok: false, error: { code: 'invalid_input', message } } });
      }
      void dispatch(msg.name, msg.input, ctx).then(
        (response) => sendTo(ws, { id, response }),
        (e: unknown) => logInternal('dispatch', e),
      );
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const urlHost = host === '::1' ? '[::1]' : host;
  return {
    url: `http://${urlHost}:${port}/?token=${token}`,
    port,
    token,
    close: async () => {
      for (const u of unsubscribers) u();
      for (const ws of clients) {
        ws.close(WS_GOING_AWAY, 'vitlab serve is stopping');
        // A client that never answers the close handshake must not hold the shutdown.
        setTimeout(() => ws.terminate(), 1000).unref();
      }
      wss.close();
      server.closeIdleConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
