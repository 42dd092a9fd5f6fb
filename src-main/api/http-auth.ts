import crypto from 'node:crypto';
import type http from 'node:http';

/**
 * The serve token, wherever a request carries it: the `Authorization: Bearer` header (scripts,
 * the CLI, tests), the `vitlab_token` cookie (the dashboard's page and assets), or `?token=` (the
 * address `vitlab serve` prints, and the dashboard's WebSocket). The one parser of these headers:
 * it never throws, whatever bytes arrive (a lone `%` in the cookie used to kill serve).
 */

export const TOKEN_COOKIE = 'vitlab_token';

/** Where a token that matched came from. The bearer header is the one a browser never adds by itself. */
export type TokenSource = 'bearer' | 'cookie' | 'query';

/** `decodeURIComponent` that answers null instead of throwing on a malformed escape. */
export function safeDecode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

/**
 * The values of one cookie (RFC 6265: `name=value` pairs split by `;`, the value optionally in
 * double quotes and percent-encoded by us), in order; a browser may send a name twice (two paths).
 * A value whose escape is malformed is left out.
 */
export function cookieValues(header: string | undefined, name: string): string[] {
  const values: string[] = [];
  for (const pair of (header ?? '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    const decoded = safeDecode(value);
    if (decoded !== null) values.push(decoded);
  }
  return values;
}

function bearerOf(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return m ? m[1] : null;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/**
 * Which of the request's credentials carry the right token (empty: not authorised). A wrong token
 * does not spoil a right one beside it (an old cookie beside a fresh `?token=`, a repeated name).
 */
export function matchingTokens(headers: http.IncomingHttpHeaders, query: URLSearchParams, token: string): Set<TokenSource> {
  const bearer = bearerOf(headers.authorization);
  const presented: [TokenSource, string[]][] = [
    ['bearer', bearer === null ? [] : [bearer]],
    ['cookie', cookieValues(headers.cookie, TOKEN_COOKIE)],
    ['query', query.getAll('token')],
  ];
  return new Set(presented.filter(([, ts]) => ts.some((t) => sameSecret(t, token))).map(([s]) => s));
}

export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
}
