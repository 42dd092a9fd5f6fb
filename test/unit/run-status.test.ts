import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { canMove, FINAL_STATUSES, isActive, isFinished, isResumable, isRunStatus, RUN_STATUSES, TRANSITIONS } from '../../src-shared/run-status.js';

describe('run states', () => {
  it('the SQL CHECK lists exactly the shared statuses', () => {
    const sql = fs.readFileSync(path.join(__dirname, '../../migrations/0001_init.sql'), 'utf8');
    const m = /CHECK \(status IN \(([^)]*)\)\)/.exec(sql);
    expect(m).not.toBeNull();
    const listed = m![1].split(',').map((s) => s.trim().replace(/'/g, ''));
    expect([...listed].sort()).toEqual([...RUN_STATUSES].sort());
  });

  it('completed is final; failed, cancelled and interrupted can only be requeued', () => {
    expect(TRANSITIONS.completed).toEqual([]);
    for (const s of ['failed', 'cancelled', 'interrupted'] as const) {
      expect(TRANSITIONS[s]).toEqual(['queued']);
      expect(isResumable(s)).toBe(true);
    }
    expect(isResumable('completed')).toBe(false);
    expect(isResumable('running')).toBe(false);
    expect(isResumable('queued')).toBe(false);
  });

  it('a run starts only from queued, completes only from running, and stops from queued or running', () => {
    const into = (to: string) => RUN_STATUSES.filter((from) => canMove(from, to as never));
    expect(into('running')).toEqual(['queued']);
    expect(into('completed')).toEqual(['running']);
    for (const f of FINAL_STATUSES.filter((f) => f !== 'completed')) expect(into(f)).toEqual(['queued', 'running']);
    expect(into('queued')).toEqual(['failed', 'cancelled', 'interrupted']);
    expect(canMove('running', 'queued')).toBe(false);
    expect(canMove('running', 'running')).toBe(false);
  });

  it('active and finished split the statuses in two', () => {
    expect(RUN_STATUSES.filter(isActive)).toEqual(['queued', 'running']);
    expect(RUN_STATUSES.filter(isFinished)).toEqual(['completed', 'failed', 'cancelled', 'interrupted']);
    for (const s of RUN_STATUSES) expect(isActive(s)).toBe(!isFinished(s));
  });

  it('recognises statuses and nothing else', () => {
    for (const s of RUN_STATUSES) expect(isRunStatus(s)).toBe(true);
    for (const x of ['Queued', 'done', '', 'constructor', 'toString', null, 3, undefined]) expect(isRunStatus(x)).toBe(false);
  });
});
