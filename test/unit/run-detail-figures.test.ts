import { describe, expect, it } from 'vitest';
import { elapsedSeconds, machineLine, mergeEpochs, parseTags, testCounts, trainingFigures } from '../../src-renderer/src/lib/run-detail/figures.js';

/** The run detail's derived figures (src-renderer/src/lib/run-detail/figures.ts), worked out by hand. */

describe('run detail figures', () => {
  it('merges live epochs into stored ones: stored win, new ones are added, in epoch order', () => {
    const stored = [
      { epoch: 2, src: 'store' },
      { epoch: 1, src: 'store' },
    ];
    const live = [
      { epoch: 3, src: 'live' },
      { epoch: 2, src: 'live' },
    ];
    expect(mergeEpochs(stored, live)).toEqual([
      { epoch: 1, src: 'store' },
      { epoch: 2, src: 'store' },
      { epoch: 3, src: 'live' },
    ]);
    expect(mergeEpochs([], [])).toEqual([]);
  });

  it('counts correct and total test images over the classes', () => {
    expect(testCounts([{ correct: 8, total: 10 }, { correct: 3, total: 5 }, { correct: 0, total: 1 }])).toEqual({ correct: 11, total: 16 });
    expect(testCounts([])).toEqual({ correct: 0, total: 0 });
  });

  it('elapsed is start to finish, or to now while running, and null before the start', () => {
    expect(elapsedSeconds('2026-01-15T09:00:00Z', '2026-01-15T09:02:30Z', 0)).toBe(150);
    expect(elapsedSeconds('2026-01-15T09:00:00Z', null, Date.parse('2026-01-15T09:00:10Z'))).toBe(10);
    expect(elapsedSeconds(null, null, 0)).toBeNull();
  });

  it('training seconds add up; the speed is the mean over epochs, null without any', () => {
    expect(trainingFigures([{ seconds: 30, samplesPerSec: 100 }, { seconds: 45, samplesPerSec: 200 }])).toEqual({ seconds: 75, meanSpeed: 150 });
    expect(trainingFigures([])).toEqual({ seconds: 0, meanSpeed: null });
  });

  it('describes the machine on one line and splits tags on commas, dropping blanks', () => {
    expect(machineLine({ cpuModel: 'EPYC', cpus: 2, memoryGiB: 7.6, platform: 'linux', arch: 'x64', hostname: 'box' })).toBe('EPYC · 2 CPUs · 8 GiB · linux/x64 · box');
    expect(parseTags(' keeper, paper ,, gelu ')).toEqual(['keeper', 'paper', 'gelu']);
    expect(parseTags('   ')).toEqual([]);
  });
});
