import { DomainError } from '../../src-shared/errors.js';
import type { DatasetSpec } from './registry.js';

/** The data layer's errors: each names the file or folder that is wrong and says what to do. */

/** A data set that is missing, corrupt or of the wrong shape: the user's to fix (path, download). */
export class DatasetError extends DomainError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('invalid_input', message, options);
    this.name = 'DatasetError';
  }
}

export interface SearchedDir {
  dir: string;
  /** Where the folder came from: `--data`, `VITLAB_DATA`, `app data` or `system`. */
  source: string;
  /** Why it was not used. */
  problem: string;
}

export class DatasetNotFoundError extends DatasetError {
  readonly searched: SearchedDir[];

  constructor(spec: DatasetSpec, searched: SearchedDir[]) {
    const where = searched.length ? searched.map((s) => `${s.dir} (${s.source}: ${s.problem})`).join('; ') : 'nowhere';
    super(`${spec.title} not found; looked in: ${where}; run \`vitlab data download\` or pass --data DIR`);
    this.name = 'DatasetNotFoundError';
    this.searched = searched;
  }
}

export class ChecksumError extends DatasetError {
  constructor(
    readonly file: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`${file}: checksum mismatch: expected md5 ${expected}, got ${actual}`);
    this.name = 'ChecksumError';
  }
}
