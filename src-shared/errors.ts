/**
 * One domain error with a kind. The kind — not the wording of the message — decides how every
 * surface reports it: the API's error code, the HTTP status `serve` answers with, the CLI's exit
 * code. Rewording a message can no longer change its API code (it did while handlers matched
 * message prefixes with a regex).
 */

/** Each kind with how the transports report it; a new kind does not compile until it has both. */
export const ERROR_KINDS = {
  /** The caller's to fix: a config field, a filter, a path, a request. */
  invalid_input: { http: 400, exit: 2 },
  not_found: { http: 404, exit: 1 },
  /** The request is valid but the state forbids it now (a running run, a taken id). */
  conflict: { http: 409, exit: 1 },
  /** Something outside us failed: Chromium for PDF, the disk, a locked or vanished database. */
  unavailable: { http: 503, exit: 1 },
  /** Our bug. */
  internal: { http: 500, exit: 1 },
} as const satisfies Record<string, { http: number; exit: number }>;

export type ErrorKind = keyof typeof ERROR_KINDS;

export interface FieldIssue {
  field: string;
  message: string;
}

export class DomainError extends Error {
  readonly issues: FieldIssue[];
  constructor(
    readonly kind: ErrorKind,
    message: string,
    options: { issues?: FieldIssue[]; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DomainError';
    this.issues = options.issues ?? [];
  }
}

/** A kind for anything thrown: ours carry one; everything else is a bug until shown otherwise. */
export function kindOf(e: unknown): ErrorKind {
  return e instanceof DomainError ? e.kind : 'internal';
}
