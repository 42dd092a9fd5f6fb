import type http from 'node:http';
import type { TokenSource } from './http-auth.js';
import { serveError, type ServeError } from './http-errors.js';

/**
 * What a request must carry, besides the token, to be let in — one place for the HTTP requests
 * and the WebSocket upgrade alike.
 *
 * * Host must name the loopback address and our port (no DNS rebinding).
 * * A state-changing request (anything but GET/HEAD) must be `Content-Type: application/json` —
 *   a cross-site page can only send that after a CORS preflight, which serve never grants — and
 *   must come from our own Origin, or carry no Origin and the bearer header (a script, the CLI:
 *   a browser adds Origin to every POST, and never adds that header by itself). SameSite cookies do
 *   not tell ports apart, so without this a page on another local port could post with our cookie.
 */

const LOOPBACK = ['127.0.0.1', 'localhost', '[::1]'];

export const ownOrigins = (port: number): string[] => LOOPBACK.map((h) => `http://${h}:${port}`);

export function hostOk(headers: http.IncomingHttpHeaders, port: number): boolean {
  const h = headers.host ?? '';
  return LOOPBACK.some((l) => h === `${l}:${port}`);
}

export const isStateChanging = (method: string | undefined): boolean => method !== 'GET' && method !== 'HEAD';

/** The WebSocket upgrade: browsers always send Origin on it; when present it must be ours. */
export function upgradeOriginRefusal(headers: http.IncomingHttpHeaders, port: number): ServeError | null {
  const origin = headers.origin;
  if (origin === undefined || ownOrigins(port).includes(origin)) return null;
  return serveError('forbidden', `Origin ${JSON.stringify(origin.slice(0, 200))} is not this server's; open the dashboard from the address \`vitlab serve\` printed`);
}

/** Why a state-changing request is refused, or null where it may run. Call only once the token matched. */
export function stateChangeRefusal(headers: http.IncomingHttpHeaders, port: number, matched: ReadonlySet<TokenSource>): ServeError | null {
  const origin = headers.origin;
  if (origin === undefined) {
    if (!matched.has('bearer')) return serveError('forbidden', 'a request without an Origin header must carry the token as `Authorization: Bearer <token>`');
  } else if (!ownOrigins(port).includes(origin)) {
    return serveError('forbidden', `Origin ${JSON.stringify(origin.slice(0, 200))} is not this server's (${ownOrigins(port)[0]}); cross-site requests are refused`);
  }
  const type = (headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') {
    return serveError('unsupported_media_type', `Content-Type must be application/json (got ${type ? JSON.stringify(type.slice(0, 100)) : 'none'})`);
  }
  return null;
}
