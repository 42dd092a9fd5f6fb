import { errorMessage } from './api';
import { latestOnly } from './latest';
import { debounce } from './util';

/**
 * An answer that follows a form as it is typed (the cost preview, the sweep plan): requests wait
 * until typing pauses, only the latest answer is kept, and `key` names the input it answers, so
 * the form can tell a current answer from one about what it held a moment ago.
 */
export class LivePreview<A, T> {
  answer = $state.raw<T | null>(null);
  /** The input the answer is about (the caller's key, e.g. the config as JSON). */
  key = $state('');
  error = $state<string | null>(null);
  readonly #send: ((args: A, key: string) => void) & { cancel(): void };

  /** `clearOnError`: drop the last answer when a request fails (else it stays, with the error beside it). */
  constructor(request: (args: A) => Promise<T>, waitMs: number, { clearOnError = false } = {}) {
    const latest = latestOnly();
    this.#send = debounce((args: A, key: string) => {
      void latest(
        request(args),
        (r) => {
          this.answer = r;
          this.key = key;
          this.error = null;
        },
        (e) => {
          if (clearOnError) this.answer = null;
          this.error = errorMessage(e);
        },
      );
    }, waitMs);
  }

  request(args: A, key: string): void {
    this.#send(args, key);
  }

  /** Whether the answer is about this input. */
  isFor(key: string): boolean {
    return this.answer !== null && this.key === key;
  }

  /** Nothing to preview: drop a pending request, the answer and the error. */
  clear(): void {
    this.#send.cancel();
    this.answer = null;
    this.error = null;
  }
}
