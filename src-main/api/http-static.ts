import fs from 'node:fs';
import path from 'node:path';
import { serveError, type ServeError } from './http-errors.js';
import { decodePath } from './http-target.js';

/**
 * The one way serve turns a URL path into a file of the built dashboard. The path is decoded
 * without throwing (malformed escapes and NUL bytes are refused: both used to kill serve), and the
 * file's REAL path must lie inside the REAL dashboard folder: a symlink inside it that points out
 * (to a file or a folder) is refused, which a check on the path text alone let through.
 */

export const MIME: Record<string, string> = {
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

export interface StaticFile {
  file: string;
  mime: string;
  data: Buffer;
}

export type StaticResolver = (pathname: string) => Promise<{ ok: true; value: StaticFile } | { ok: false; error: ServeError }>;

export function staticResolver(dir: string): StaticResolver {
  let root: string;
  try {
    root = fs.realpathSync(path.resolve(dir));
  } catch (e) {
    throw new Error(`serve: the dashboard folder ${path.resolve(dir)} cannot be read: ${(e as Error).message}`, { cause: e });
  }
  const inside = (p: string) => p.startsWith(root + path.sep);
  const notFound = (pathname: string) => ({ ok: false as const, error: serveError('not_found', `no such file: ${pathname.slice(0, 200)}`) });

  return async (pathname) => {
    const decoded = decodePath(pathname);
    if (!decoded.ok) return { ok: false, error: serveError('invalid_input', decoded.message) };
    const rel = decoded.path === '/' ? 'index.html' : decoded.path.replace(/^\/+/, '');
    const lexical = path.resolve(root, rel);
    if (!inside(lexical)) return { ok: false, error: serveError('forbidden', 'the path escapes the dashboard folder') };
    let real: string;
    try {
      real = await fs.promises.realpath(lexical);
    } catch {
      return notFound(pathname);
    }
    if (!inside(real)) return { ok: false, error: serveError('forbidden', 'the path escapes the dashboard folder through a link') };
    try {
      const stat = await fs.promises.stat(real);
      if (!stat.isFile()) return notFound(pathname);
      return { ok: true, value: { file: real, mime: MIME[path.extname(lexical)] ?? 'application/octet-stream', data: await fs.promises.readFile(real) } };
    } catch {
      return notFound(pathname);
    }
  };
}
