import { safeDecode } from './http-auth.js';

/**
 * The request target (`/path?query`) as serve reads it. Not `new URL(req.url, base)`: that throws
 * on targets such as `//[` (which killed serve) and reads `//host/x` as another host. Only the
 * origin form (RFC 9112 §3.2.1) is accepted; `*`, absolute and authority forms are refused.
 */
export type Target = { ok: true; pathname: string; query: URLSearchParams } | { ok: false; message: string };

export function parseTarget(raw: string | undefined): Target {
  if (!raw || !raw.startsWith('/')) return { ok: false, message: `request target must be a path starting with "/" (got ${JSON.stringify(String(raw ?? '').slice(0, 80))})` };
  const q = raw.indexOf('?');
  const hash = raw.indexOf('#');
  const end = hash < 0 ? raw.length : hash;
  const pathname = raw.slice(0, q < 0 || q > end ? end : q);
  // URLSearchParams decodes leniently (a malformed escape stays as written): it never throws.
  const query = new URLSearchParams(q < 0 || q > end ? '' : raw.slice(q + 1, end));
  return { ok: true, pathname, query };
}

/** The percent-decoded path, or why it cannot be one (a malformed escape, a NUL byte). */
export function decodePath(pathname: string): { ok: true; path: string } | { ok: false; message: string } {
  const decoded = safeDecode(pathname);
  if (decoded === null) return { ok: false, message: `path has a malformed percent-escape: ${JSON.stringify(pathname.slice(0, 200))}` };
  if (decoded.includes('\0')) return { ok: false, message: 'path contains a NUL byte' };
  return { ok: true, path: decoded };
}
