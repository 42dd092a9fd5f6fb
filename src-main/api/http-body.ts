import type http from 'node:http';
import { serveError, type ServeError } from './http-errors.js';

/**
 * A request body, at most `max` bytes. A larger one is refused from its Content-Length before a
 * byte is read, or as soon as it grows past the limit; the rest is left unread (the answer closes
 * the connection). A client that aborts mid-body settles as an error too, never a hang or a throw.
 */
export function readBody(req: http.IncomingMessage, max: number): Promise<{ ok: true; bytes: Buffer } | { ok: false; error: ServeError }> {
  const tooLarge = { ok: false as const, error: serveError('payload_too_large', `request body larger than ${max} bytes`) };
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) return Promise.resolve(tooLarge);
  return new Promise((resolve) => {
    let size = 0;
    const chunks: Buffer[] = [];
    const finish = (r: { ok: true; bytes: Buffer } | { ok: false; error: ServeError }) => {
      req.off('data', onData);
      resolve(r);
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > max) {
        req.pause();
        finish(tooLarge);
      } else chunks.push(c);
    };
    req.on('data', onData);
    req.once('end', () => finish({ ok: true, bytes: Buffer.concat(chunks) }));
    req.once('error', (e) => finish({ ok: false, error: serveError('invalid_input', `request body could not be read: ${e.message}`) }));
    req.once('aborted', () => finish({ ok: false, error: serveError('invalid_input', 'request body was cut off by the client') }));
  });
}
