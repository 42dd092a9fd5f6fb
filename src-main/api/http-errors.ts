import http from 'node:http';
import type { Duplex } from 'node:stream';
import { ERROR_KINDS, type ErrorKind } from '../../src-shared/errors.js';
import type { ApiErrorBody, ApiErrorCode } from './contract.js';

/**
 * The typed errors of the `vitlab serve` transport: every refusal, whether a handler's or the
 * transport's own (no token, wrong origin, not JSON, too large), is `{ ok: false, error: { code,
 * message } }` with the HTTP status derived from the code here, and nowhere else.
 */

/** Refusals only HTTP gives (the dashboard talks over the WebSocket and never sees these). */
const TRANSPORT_STATUS = {
  forbidden: 403,
  method_not_allowed: 405,
  timeout: 408,
  payload_too_large: 413,
  unsupported_media_type: 415,
  expectation_failed: 417,
  headers_too_large: 431,
} as const satisfies Record<string, number>;

/** The statuses of the contract's codes: a domain error's from its kind (src-shared/errors.ts). */
const API_STATUS: Record<ApiErrorCode, number> = {
  ...(Object.fromEntries(Object.entries(ERROR_KINDS).map(([kind, k]) => [kind, k.http])) as Record<ErrorKind, number>),
  unknown_request: 400,
  unauthorized: 401,
};

export type ServeErrorCode = ApiErrorCode | keyof typeof TRANSPORT_STATUS;

export const HTTP_STATUS: Record<ServeErrorCode, number> = { ...API_STATUS, ...TRANSPORT_STATUS };

export interface ServeError {
  code: ServeErrorCode;
  message: string;
  issues?: ApiErrorBody['issues'];
}

export const serveError = (code: ServeErrorCode, message: string): ServeError => ({ code, message });

export function errorJson(e: ServeError): string {
  return JSON.stringify({ ok: false, error: e });
}

const BASE_HEADERS = { 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' };

/** Answers a request with a typed error, unless an answer has already started (then it only ends it). */
export function sendError(res: http.ServerResponse, e: ServeError, extra: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const body = errorJson(e);
  res.writeHead(HTTP_STATUS[e.code], { ...BASE_HEADERS, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...extra });
  res.end(body);
}

export function sendJson(res: http.ServerResponse, status: number, body: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { ...BASE_HEADERS, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * Answers on a bare socket (a refused WebSocket upgrade, a request Node could not parse) and closes
 * it. The socket gets an error listener first: a client that resets it must not be an uncaught error.
 * `bodyless`: the answer to a HEAD request, which must not carry the body its headers describe.
 */
export function refuseSocket(socket: Duplex, e: ServeError, opts: { bodyless?: boolean } = {}): void {
  socket.on('error', () => {});
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = errorJson(e);
  const status = HTTP_STATUS[e.code];
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${opts.bodyless ? '' : body}`,
    // The server's sockets are half-open capable: close ours once the answer is out.
    () => socket.destroy(),
  );
}
