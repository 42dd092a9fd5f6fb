/**
 * Credentials never leave the process in a message: every description of a store location and
 * every error that names one goes through here (issue #15). One place, so a new secret parameter
 * is added once.
 */
import { isPostgresUrl } from '../../src-shared/store-location.js';

/** Query parameters of a PostgreSQL URL that carry secrets (libpq's and node-postgres's names). */
const SECRET_PARAMS = ['password', 'sslpassword', 'sslkey', 'passfile'];

/**
 * A PostgreSQL URL without its password (user, host, port, database and options such as sslmode
 * stay: they say which store it is). Anything else (a file path) is returned unchanged. A URL that
 * does not parse is shown as its scheme only, since where its secret part ends is unknown.
 */
export function redactUrl(location: string): string {
  if (!isPostgresUrl(location)) return location;
  let u: URL;
  try {
    u = new URL(location.trim());
  } catch {
    return `${location.trim().split(':')[0]}://(unparsable URL, not shown)`;
  }
  if (u.password) u.password = '';
  for (const p of SECRET_PARAMS) if (u.searchParams.has(p)) u.searchParams.set(p, 'redacted');
  // URL keeps "user:@host" after the password is cleared; drop the dangling colon.
  return u.toString().replace(/^([a-z]+:\/\/[^/@:]*):@/i, '$1@');
}

/** The secrets in a URL (password, secret parameters), decoded as a driver would see them. */
function secretsOf(location: string): string[] {
  if (!isPostgresUrl(location)) return [];
  try {
    const u = new URL(location.trim());
    const out = [u.password, decodeURIComponent(u.password), ...SECRET_PARAMS.map((p) => u.searchParams.get(p) ?? '')];
    return out.filter((s) => s.length > 0);
  } catch {
    return [location];
  }
}

/** A message with every secret of `location` (and the raw URL itself) replaced by its redacted form. */
export function redactText(text: string, location: string): string {
  let out = text.split(location).join(redactUrl(location));
  for (const s of secretsOf(location)) out = out.split(s).join('***');
  return out;
}
