import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/** `vitlab sweep`, `queue`, `resume` and `data`, as a user runs them, on a real database and real data. */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-cli-cmds-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function vitlab(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/vitlab.js'), ...args], { encoding: 'utf8', env: { ...process.env, VITLAB_HOME: tmp, VITLAB_DATA: '' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const ls = (db: string) => JSON.parse(vitlab('ls', '--db', db, '--json').out) as { total: number; rows: { id: string; name: string; status: string; epochsDone: number; error: string | null }[] };

describe('vitlab sweep and queue', () => {
  const db = path.join(tmp, 'sweep.db');
  it('sweep --queue-only queues the valid combinations, names the refused ones, and trains nothing', () => {
    // tiny has dim 32: heads 3 does not divide it, so depth 1|2 × heads 2|3 gives 2 runs and 2 skips.
    const r = vitlab('sweep', '--preset', 'tiny', '--depth', '1,2', '--heads', '2,3', '--epochs', '1', '--limit-train', '200', '--limit-test', '100', '--queue-only', '--json', '--db', db);
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out) as { sweepId: string; runIds: string[]; skipped: { values: object }[] };
    expect(out.runIds).toHaveLength(2);
    expect(out.skipped.map((s) => s.values)).toEqual([
      { depth: 1, heads: 3 },
      { depth: 2, heads: 3 },
    ]);
    expect(r.err).toContain('skipped depth=1 heads=3: heads: dim (32) must be divisible by heads (3)');
    expect(r.err).toMatch(/2 runs queued, 2 skipped/);
    const listed = ls(db);
    expect(listed.rows.map((x) => [x.name, x.status]).sort()).toEqual([
      ['depth=1 heads=2', 'queued'],
      ['depth=2 heads=2', 'queued'],
    ]);
  });

  it('a sweep without a field of several values, or with none valid, is refused', () => {
    const one = vitlab('sweep', '--preset', 'tiny', '--depth', '2', '--db', db);
    expect(one.code).toBe(2);
    expect(one.err).toContain('a sweep needs at least one field with several values');
    const none = vitlab('sweep', '--preset', 'tiny', '--heads', '3,5', '--db', db);
    expect(none.code).toBe(1);
    expect(none.err).toContain('sweep: no valid combination to run');
    expect(ls(db).total).toBe(2);
  });

  it('queue trains every queued run to completion, then says the queue is empty', () => {
    const r = vitlab('queue', '--db', db);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('2/2 runs completed');
    expect(ls(db).rows.map((x) => [x.status, x.epochsDone])).toEqual([
      ['completed', 1],
      ['completed', 1],
    ]);
    const again = vitlab('queue', '--db', db);
    expect(again.code).toBe(0);
    expect(again.out).toContain('the queue is empty');
  });
});

describe('vitlab resume', () => {
  it('a run that failed for want of data resumes once the data is there; a completed one is refused', () => {
    const db = path.join(tmp, 'resume.db');
    // A missing data set is refused before anything is written (issue 11), so the data must go
    // away between queueing and training: queue with a copy of the data, move the copy away, train.
    const data = fs.mkdtempSync(path.join(tmp, 'data-'));
    for (const f of fs.readdirSync('/usr/share/datasets/fashion-mnist')) fs.copyFileSync(path.join('/usr/share/datasets/fashion-mnist', f), path.join(data, f));
    const q = vitlab('sweep', '--preset', 'tiny', '--epochs', '1', '--limit-train', '200', '--limit-test', '100', '--seed', '0,1', '--queue-only', '--data', data, '--db', db);
    expect(q.code, q.err).toBe(0);
    fs.renameSync(data, `${data}-away`);
    const t = vitlab('queue', '--data', data, '--db', db);
    expect(t.code).not.toBe(0);
    const failed = ls(db).rows.find((r) => r.status === 'failed')!;
    expect(failed, JSON.stringify(ls(db).rows)).toBeDefined();
    expect(failed.error).toContain(data);

    // Refused while the data is still missing, and nothing changes.
    expect(vitlab('resume', failed.id, '--data', data, '--db', db).code).not.toBe(0);
    fs.renameSync(`${data}-away`, data);
    const r = vitlab('resume', failed.id, '--data', data, '--db', db);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(`resuming run ${failed.id} after epoch 0 of 1`);
    expect(r.out).toMatch(/Test Accuracy \(Overall\): \d+\.\d\d% \(\d+\/100\)/);
    expect(ls(db).rows.find((x) => x.id === failed.id)).toMatchObject({ status: 'completed', epochsDone: 1, error: null });

    const twice = vitlab('resume', failed.id, '--db', db);
    expect(twice.code).toBe(1);
    expect(twice.err).toMatch(/is completed; only interrupted, failed or cancelled runs can be resumed/);
    expect(vitlab('resume', '--db', db).code).toBe(2);
    expect(vitlab('resume', 'rnosuchrun0000', '--db', db).code).toBe(1);
  });
});

describe('vitlab data', () => {
  it('where names the folder found and where it looked; verify checks every file', () => {
    const where = vitlab('data', 'where');
    expect(where.code, where.err).toBe(0);
    expect(where.out).toContain('fashion-mnist: /usr/share/datasets/fashion-mnist');
    const verify = vitlab('data', 'verify');
    expect(verify.code, verify.out + verify.err).toBe(0);
    const lines = verify.out.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines.every((l) => l.startsWith('ok '))).toBe(true);
  });

  it('a data set found nowhere, an unknown data set and an unknown action are errors', () => {
    const mnist = vitlab('data', 'where', '--dataset', 'mnist');
    // A data set the user must install or download: invalid_input, exit 2 (src-shared/errors.ts).
    expect(mnist.code).toBe(2);
    expect(mnist.err).toMatch(/mnist/);
    const unknown = vitlab('data', 'where', '--dataset', 'cifar');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('--dataset: unknown data set "cifar" (known: fashion-mnist, mnist)');
    expect(vitlab('data', 'explode').code).toBe(2);
  });

  it('verify reports a corrupt file as BAD with its checksum, and fails', () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'corrupt-'));
    for (const f of fs.readdirSync('/usr/share/datasets/fashion-mnist')) fs.copyFileSync(path.join('/usr/share/datasets/fashion-mnist', f), path.join(dir, f));
    const victim = fs.readdirSync(dir).find((f) => f.startsWith('t10k-labels'))!;
    const bytes = fs.readFileSync(path.join(dir, victim));
    bytes[bytes.length - 1] ^= 0xff;
    fs.writeFileSync(path.join(dir, victim), bytes);
    const r = vitlab('data', 'verify', '--data', dir);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(new RegExp(`BAD .*${victim} \\(md5 [0-9a-f]{32}, expected`));
    expect(r.out.split('\n').filter((l) => l.startsWith('ok '))).toHaveLength(3);
  });
});
