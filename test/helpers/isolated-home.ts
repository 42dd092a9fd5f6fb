import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * vitest's global setup: every test process, and every CLI, serve, agent or worker a test starts
 * with the environment it inherits, gets a fresh VITLAB_HOME of its own instead of the user's real
 * ~/.vitlab. Without it a test that forgets its own folder would write into the developer's real
 * data folder, where their runs are. Tests that set VITLAB_HOME themselves keep theirs. On teardown
 * it names whatever landed there, so such a test can be found (none did in the dry runs; the
 * ~/.vitlab/vitlab.db a dry run left was .ci/run's own `npm start` check, which is the app's).
 */
export default function setup(): () => void {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-test-home-'));
  process.env.VITLAB_HOME = home;
  return () => {
    const left = fs.readdirSync(home);
    if (left.length) console.warn(`isolated-home: tests without a VITLAB_HOME of their own wrote ${left.join(', ')} into the shared test home ${home}`);
    fs.rmSync(home, { recursive: true, force: true });
  };
}
