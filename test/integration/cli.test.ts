import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The real `vitlab` command, as a user runs it after npm install. */
function vitlab(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/vitlab.js'), ...args], { encoding: 'utf8', env: { ...process.env, VITLAB_HOME: tmp } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('vitlab command line', () => {
  it('cost --preset seed prints the seed numbers', () => {
    const r = vitlab('cost', '--preset', 'seed');
    expect(r.code).toBe(0);
    expect(r.out).toContain('49,984');
    expect(r.out).toContain('277,760,000');
    expect(r.out).toContain('205,066');
    expect(r.out).toMatch(/Convention: .*excluded/);
    const json = JSON.parse(vitlab('cost', '--preset', 'seed', '--json').out);
    expect(json.params.layerTotal).toBe(49_984);
    expect(json.macs.layerTotal).toBe(277_760_000);
  });

  it('an invalid flag exits non-zero naming the field', () => {
    const r = vitlab('cost', '--heads', '3');
    expect(r.code).toBe(2);
    expect(r.err).toContain('heads: dim (64) must be divisible by heads (3)');
    expect(vitlab('cost', '--depth', 'four').err).toContain('--depth: "four" is not a number');
    expect(vitlab('constructor').code).toBe(2);
    expect(vitlab('cost', '--bogus').code).toBe(2);
  });

  it('train records the run; ls --json shows it completed with accuracy, params and MACs', () => {
    const db = path.join(tmp, 'x.db');
    const t = vitlab('train', '--preset', 'tiny', '--epochs', '1', '--limit-train', '500', '--limit-test', '200', '--db', db);
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/Test Accuracy of Class 0: \d+\.\d\d% \(\d+\/\d+\)/);
    expect(t.out).toMatch(/Test Accuracy \(Overall\): \d+\.\d\d% \(\d+\/200\)/);
    const ls = JSON.parse(vitlab('ls', '--db', db, '--json').out);
    expect(ls.total).toBe(1);
    expect(ls.rows[0]).toMatchObject({ status: 'completed', params: 11_114, macsPerImage: 183_168, epochsDone: 1 });
    expect(ls.rows[0].testAcc).toBeGreaterThan(0);
    const show = vitlab('show', ls.rows[0].id, '--db', db);
    expect(show.out).toContain('Test Accuracy (Overall)');
    expect(vitlab('rm', ls.rows[0].id, '--db', db).code).toBe(0);
    expect(JSON.parse(vitlab('ls', '--db', db, '--json').out).total).toBe(0);
  });
});

describe('vitlab repeats over seeds', () => {
  it('train --repeats 2 trains two runs differing only in seed and prints their mean ± std', () => {
    const db = path.join(tmp, 'rep.db');
    const t = vitlab('train', '--preset', 'tiny', '--epochs', '1', '--limit-train', '200', '--limit-test', '100', '--seed', '5', '--repeats', '2', '--name', 'rep', '--db', db, '--json');
    expect(t.code, t.err).toBe(0);
    const out = JSON.parse(t.out) as { runs: { seed: number; testAcc: number }[]; accuracy: { n: number; mean: number; std: number } };
    expect(out.runs.map((r) => r.seed)).toEqual([5, 6]);
    const accs = out.runs.map((r) => r.testAcc);
    expect(out.accuracy.n).toBe(2);
    expect(out.accuracy.mean).toBeCloseTo((accs[0]! + accs[1]!) / 2, 12);
    expect(out.accuracy.std).toBeCloseTo(Math.abs(accs[0]! - accs[1]!) / Math.SQRT2, 12);
    const ls = JSON.parse(vitlab('ls', '--db', db, '--json').out) as { rows: { name: string; config: Record<string, unknown> }[] };
    expect(ls.rows.map((r) => r.name).sort()).toEqual(['rep seed=5', 'rep seed=6']);
    const groups = vitlab('ls', '--groups', '--db', db);
    expect(groups.code, groups.err).toBe(0);
    expect(groups.out).toContain(`${(100 * out.accuracy.mean).toFixed(2)}% ± ${(100 * out.accuracy.std).toFixed(2)}`);
    expect(groups.out).toMatch(/^\s*2\s+2\s/m);
    const { seed: _a, ...c0 } = ls.rows[0]!.config;
    const { seed: _b, ...c1 } = ls.rows[1]!.config;
    expect(c0).toEqual(c1);
  });

  it('refuses repeats it cannot mean, naming the flag', () => {
    expect(vitlab('train', '--repeats', '0').err).toContain('--repeats');
    expect(vitlab('train', '--seeds', '1,1').err).toContain('at most once');
    expect(vitlab('train', '--seeds', '1', '--repeats', '2').code).toBe(2);
    expect(vitlab('sweep', '--seed', '1,2', '--repeats', '2').code).toBe(2);
  });

  it('sweep --repeats 2 --queue-only queues every combination once per seed, repeats together', () => {
    const db = path.join(tmp, 'sweep-rep.db');
    const r = vitlab('sweep', '--preset', 'tiny', '--depth', '1,2', '--repeats', '2', '--queue-only', '--db', db, '--json');
    expect(r.code, r.err).toBe(0);
    const ls = JSON.parse(vitlab('ls', '--db', db, '--json', '--sort', 'createdAt', '--asc').out) as { rows: { config: { depth: number; seed: number } }[] };
    expect(ls.rows.map((x) => [x.config.depth, x.config.seed])).toEqual([
      [1, 0],
      [1, 1],
      [2, 0],
      [2, 1],
    ]);
  });
});
