import fs from 'node:fs';
import path from 'node:path';
import { unpackCheckpoint } from '../agent/checkpoint-archive.js';
import type { CheckpointBlobs } from '../store/checkpoint-blobs.js';
import type { RunDetail } from '../store/types.js';
import { checkpointDirFor } from '../train/checkpoint.js';

/** Where a run's checkpoint can come from besides its own folder: the store's copy, unpacked into a cache. */
export interface StoredCheckpoints {
  blobs: CheckpointBlobs;
  /** Unpacked checkpoints go to <cacheDir>/<run id>/epoch-NNNN (predictions are then kept beside them). */
  cacheDir: string;
}

/**
 * The folder of a run's checkpoint on this machine: its checkpointPath where that folder is here;
 * else, on a store that keeps checkpoints (an agent trained the run, perhaps on another machine),
 * the newest complete one of the store unpacked once into the cache (reused while it is the
 * newest). Null where neither has one.
 */
export async function checkpointDirOf(run: RunDetail, stored: StoredCheckpoints | undefined): Promise<string | null> {
  if (run.checkpointPath && fs.existsSync(run.checkpointPath)) return run.checkpointPath;
  if (!stored) return null;
  const ck = await stored.blobs.latest(run.id, run.epochsDone);
  if (!ck) return null;
  const dir = checkpointDirFor(path.join(stored.cacheDir, run.id), ck.epoch);
  if (!fs.existsSync(dir)) {
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    try {
      unpackCheckpoint(ck.bytes, dir);
    } catch (e) {
      // Another caller unpacked the same checkpoint meanwhile: theirs is as good.
      if (!fs.existsSync(dir)) throw e;
    }
  }
  return dir;
}
