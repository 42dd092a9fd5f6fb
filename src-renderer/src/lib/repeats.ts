import { parseRepeats } from '../../../src-shared/groups';

export type RepeatsValue = { repeats?: number; seeds?: number[] };

/** The forms' Repeats field read for the API: the request's repeats/seeds, or the message to show. */
export function readRepeats(text: string): { ok: true; value: RepeatsValue; count: number } | { ok: false; message: string } {
  try {
    const value = parseRepeats(text);
    return { ok: true, value, count: value.seeds?.length ?? value.repeats ?? 1 };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}
