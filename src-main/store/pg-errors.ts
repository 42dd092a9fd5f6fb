import { StoreError } from './errors.js';
import { redactText } from './redact.js';

/** What a PostgreSQL failure means to the user, by SQLSTATE class or Node's socket error code. */
function meaning(e: { code?: string; message: string }): string {
  const code = e.code ?? '';
  if (/does not support SSL/i.test(e.message)) {
    return 'the server does not accept SSL connections but the URL asks for them (sslmode); use sslmode=disable or prefer, or enable SSL on the server';
  }
  if (code === 'ECONNREFUSED') return 'nothing accepts connections at that host and port (is PostgreSQL running, and listening there?)';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the host name does not resolve';
  if (code === 'ETIMEDOUT') return 'the connection timed out';
  if (code === '3D000') return 'that database does not exist (create it first: createdb NAME)';
  if (code === '28P01' || code === '28000') return 'the server refused the user name or password';
  if (code === '53300') return 'the server has no connection slots left';
  if (code.startsWith('08') || code.startsWith('57P')) return 'the connection to the server was lost';
  if (/self[- ]signed|certificate/i.test(e.message)) return 'the server certificate was not accepted (sslmode)';
  return 'the database failed';
}

/**
 * A PostgreSQL or socket failure as a StoreError that names the store by its redacted location
 * and says what it means; no password (or the raw URL) survives in the message. StoreErrors pass
 * through (they are ours and already name what is wrong).
 */
export function describePgFailure(e: unknown, url: string, where: string): unknown {
  if (e instanceof StoreError) return e;
  if (!(e instanceof Error)) return e;
  const err = e as Error & { code?: string };
  const raw = redactText(err.message, url);
  const code = err.code ? ` (${err.code})` : '';
  if (err.code === '23505') return new StoreError(`the PostgreSQL store ${where} refused a duplicate: ${raw}`, 'conflict');
  return new StoreError(`the PostgreSQL store ${where}: ${meaning(err)}: ${raw}${code}`, 'database-failed');
}
