import { statSync, type Stats } from 'node:fs';
import { StoreError } from './errors.js';

/**
 * Which file a database connection has open. SQLite keeps writing into a file that was deleted
 * (or whose folder was) as long as the connection lives, and reports every write a success: the
 * runs then vanish at the next start. So before writing, the path must still name the same file
 * (same device and inode); once it does not, it never will again for this connection.
 */
export class FileIdentity {
  private readonly dev: number;
  private readonly ino: number;
  private problem: StoreError | null = null;

  constructor(readonly path: string) {
    const st = statSync(path);
    this.dev = st.dev;
    this.ino = st.ino;
  }

  /** Null while the path names the file opened; else, for good, why it does not. */
  check(): StoreError | null {
    if (this.problem) return this.problem;
    let st: Stats | undefined;
    try {
      st = statSync(this.path);
    } catch {
      st = undefined;
    }
    if (!st) {
      this.problem = new StoreError(
        `the database file ${this.path} was deleted (or its folder was) while ViT Lab had it open; nothing more is saved — restart ViT Lab to open or create a database there`,
        'database-gone',
      );
    } else if (st.dev !== this.dev || st.ino !== this.ino) {
      this.problem = new StoreError(
        `the database file ${this.path} was replaced by another file while ViT Lab had it open; nothing more is saved — restart ViT Lab to open the new one`,
        'database-gone',
      );
    }
    return this.problem;
  }
}
