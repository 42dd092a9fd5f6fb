import type BetterSqlite3 from 'better-sqlite3';
import type { StepPoint } from '../train/messages.js';
import type { StepCurve } from './types.js';

/**
 * Per-step training curves (migration 0004): per run and epoch one BLOB of little-endian Float32
 * triples (at, loss, acc), appended to as the worker's points arrive. Float32 keeps 7 digits,
 * more than a curve drawn at a few hundred pixels can show.
 */
const FLOATS = 3;
const BYTES = FLOATS * 4;

export function packPoints(points: readonly Pick<StepPoint, 'at' | 'loss' | 'acc'>[]): Buffer {
  const buf = Buffer.alloc(points.length * BYTES);
  points.forEach((p, i) => {
    buf.writeFloatLE(p.at, i * BYTES);
    buf.writeFloatLE(p.loss, i * BYTES + 4);
    buf.writeFloatLE(p.acc, i * BYTES + 8);
  });
  return buf;
}

export function unpackPoints(blob: Uint8Array): { at: number; loss: number; acc: number }[] {
  const buf = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  const out: { at: number; loss: number; acc: number }[] = [];
  for (let o = 0; o + BYTES <= buf.length; o += BYTES) out.push({ at: buf.readFloatLE(o), loss: buf.readFloatLE(o + 4), acc: buf.readFloatLE(o + 8) });
  return out;
}

/** A step point must name its epoch (≥ 1) and carry finite figures; else nothing is stored. */
export function checkStepPoint(runId: string, p: StepPoint): void {
  if (!(Number.isInteger(p.epoch) && p.epoch >= 1) || ![p.at, p.loss, p.acc].every(Number.isFinite)) {
    throw new RangeError(`step point of run ${runId}: epoch must be a whole number ≥ 1 and at, loss, acc finite numbers`);
  }
}

/** A run's stored rows (in epoch order) as its curve, x in fractional epochs (epoch − 1 + at). */
export function toCurve(rows: Iterable<{ epoch: number; points: Uint8Array }>): StepCurve {
  const curve: StepCurve = { x: [], loss: [], acc: [] };
  for (const row of rows) {
    for (const p of unpackPoints(row.points)) {
      curve.x.push(row.epoch - 1 + p.at);
      curve.loss.push(p.loss);
      curve.acc.push(p.acc);
    }
  }
  return curve;
}

export class StepCurves {
  private readonly s;

  constructor(db: BetterSqlite3.Database) {
    this.s = {
      get: db.prepare<[string, number], Buffer>('SELECT points FROM step_curves WHERE run_id = ? AND epoch = ?').pluck(),
      put: db.prepare(`INSERT INTO step_curves (run_id, epoch, points) VALUES (?, ?, ?)
        ON CONFLICT (run_id, epoch) DO UPDATE SET points = excluded.points`),
      curve: db.prepare<[string], { epoch: number; points: Buffer }>('SELECT epoch, points FROM step_curves WHERE run_id = ? ORDER BY epoch'),
      deleteAfter: db.prepare('DELETE FROM step_curves WHERE run_id = ? AND epoch > ?'),
    };
  }

  /** Appends a point to its epoch's row (the caller holds the transaction). */
  append(runId: string, p: StepPoint): void {
    checkStepPoint(runId, p);
    const old = this.s.get.get(runId, p.epoch);
    this.s.put.run(runId, p.epoch, old ? Buffer.concat([old, packPoints([p])]) : packPoints([p]));
  }

  /** The run's whole curve, x in fractional epochs (epoch − 1 + at). */
  get(runId: string): StepCurve {
    return toCurve(this.s.curve.all(runId));
  }

  /** Drops the points of epochs after `epoch` (a resumed run trains them again). */
  deleteAfter(runId: string, epoch: number): void {
    this.s.deleteAfter.run(runId, epoch);
  }
}
