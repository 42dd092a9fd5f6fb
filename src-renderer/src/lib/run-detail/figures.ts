// .js paths and the engine's types (not ../types): the unit tests type-check this module under the
// engine's tsconfig (node16 resolution).
import type { EpochMetrics, RunEnvironment } from '../../../../src-main/train/messages.js';

/** The run detail's derived figures, pure: from what the store returned (and the clock for a running run). */

type Epoch = Pick<EpochMetrics, 'epoch'>;

/** Stored epochs plus those that arrived by event since the last load (stored ones win), in epoch order. */
export function mergeEpochs<E extends Epoch>(stored: readonly E[], live: readonly E[]): E[] {
  const byEpoch = new Map<number, E>();
  for (const e of stored) byEpoch.set(e.epoch, e);
  for (const e of live) if (!byEpoch.has(e.epoch)) byEpoch.set(e.epoch, e);
  return [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
}

/** Correct and total test images over the classes. */
export function testCounts(perClass: readonly { correct: number; total: number }[]): { correct: number; total: number } {
  return { correct: perClass.reduce((s, c) => s + c.correct, 0), total: perClass.reduce((s, c) => s + c.total, 0) };
}

/** Seconds from start to finish, or to `now` while it runs; null when it never started. */
export function elapsedSeconds(startedAt: string | null, finishedAt: string | null, now: number): number | null {
  if (!startedAt) return null;
  const end = finishedAt ? new Date(finishedAt).getTime() : now;
  return (end - new Date(startedAt).getTime()) / 1000;
}

/** Training seconds over the epochs, and the mean of the epochs' samples per second (null without epochs). */
export function trainingFigures(epochs: readonly Pick<EpochMetrics, 'seconds' | 'samplesPerSec'>[]): { seconds: number; meanSpeed: number | null } {
  return {
    seconds: epochs.reduce((s, e) => s + e.seconds, 0),
    meanSpeed: epochs.length ? epochs.reduce((s, e) => s + e.samplesPerSec, 0) / epochs.length : null,
  };
}

export const machineLine = (m: RunEnvironment['machine']): string => `${m.cpuModel} · ${m.cpus} CPUs · ${m.memoryGiB.toFixed(0)} GiB · ${m.platform}/${m.arch} · ${m.hostname}`;

/** The tags field: comma-separated, trimmed, blanks dropped. */
export const parseTags = (text: string): string[] =>
  text
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
