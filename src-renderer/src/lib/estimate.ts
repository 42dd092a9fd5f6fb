import { duration, int } from './format';
import type { EstimateAnswer, RunEstimate } from './types';

/** "≈ 52m 10s" — an estimate is never more precise than that. */
export const expected = (e: RunEstimate): string => `≈ ${duration(e.seconds)}`;

/** Where an estimate's figures come from, in a few words. */
export function basisText(e: RunEstimate): string {
  const runs = e.basis.samples - e.basis.probes;
  const parts = [runs ? `${runs} earlier run${runs === 1 ? '' : 's'}` : '', e.basis.probes ? (e.basis.probes === 1 ? 'a short probe' : `${e.basis.probes} short probes`) : ''];
  const from = `${parts.filter(Boolean).join(' and ')} on this machine`;
  return `${e.backend}, ${int(e.trainSamplesPerSec)} samples/s, from ${from}`;
}

/** Training memory, as the config check estimates it. */
export const memoryText = (e: RunEstimate): string => `training memory ≈ ${(e.peakBytes / 1024 ** 2).toFixed(0)} MB`;

/** One line for a form or a card: the figure, or why there is none yet. */
export function answerText(a: Omit<EstimateAnswer, 'machine'> | null, measuring: boolean): string {
  if (a?.estimate) return `${expected(a.estimate)} on this machine (${basisText(a.estimate)})`;
  if (measuring) return 'measuring this machine (a few real training steps)…';
  if (a?.probeError) return `no estimate: ${a.probeError}`;
  return 'no estimate yet: nothing like it has run on this machine';
}
