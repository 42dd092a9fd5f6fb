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
