import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appDataDir } from '../../src-main/store/db.js';

// test/helpers/isolated-home.ts (vitest's global setup) gives the whole run a fresh VITLAB_HOME.
describe('the test run never uses the real data folder', () => {
  it("the default data folder is a fresh temporary one, not ~/.vitlab", () => {
    expect(process.env.VITLAB_HOME).toMatch(/vitlab-test-home-/);
    expect(path.resolve(appDataDir())).not.toBe(path.join(os.homedir(), '.vitlab'));
    expect(appDataDir().startsWith(os.tmpdir())).toBe(true);
  });
});
