/**
 * `vitlab mistakes` on a run a real `vitlab agent` trained: the agent's checkpoint folder is on
 * its machine (here: removed after it stopped, as if it were elsewhere), so the checkpoint comes
 * from the store's copy (store/checkpoint-blobs.ts), unpacked once into a cache beside the store;
 * `vitlab export --format safetensors` reads the same copy.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src-main/cli.js';
import { openStore } from '../../src-main/store/open-store.js';
import { resolveConfig } from '../../src-main/vit/config.js';
import { startAgent } from '../helpers/agent.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-inspect-stored-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function mistakes(id: string, db: string): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await main(['mistakes', id, '--db', db, '--json', '--limit', '5'], (s) => lines.push(s));
  return { code, out: lines.join('\n') };
}

describe('inspect a run trained by an agent elsewhere', () => {
  it('reads its checkpoint from the store when its folder is not on this machine', async () => {
    const db = path.join(tmp, 'lab.db');
    const work = path.join(tmp, 'agent-work');
    const store = await openStore(db);
    let id = '';
    try {
      id = await store.createRun({ config: resolveConfig({ epochs: 1, limitTrain: 600, limitTest: 200 }, 'tiny'), name: 'agent run' });
      const agent = startAgent(db, 'lab-pc-3', work);
      try {
        await expect.poll(async () => (await store.get(id)).status, { timeout: 240_000, interval: 250 }).toBe('completed');
      } finally {
        agent.child.kill('SIGTERM');
        await agent.exited;
      }
      const run = await store.get(id);
      expect(run.checkpointPath?.startsWith(work)).toBe(true);
    } finally {
      await store.close();
    }
    // The agent's machine keeps its folder; this one has none of it.
    fs.rmSync(work, { recursive: true, force: true });

    const r = await mistakes(id, db);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out) as { total: number; classes: number; matchesStored: boolean; items: unknown[] };
    expect(result.classes).toBe(10);
    // The predictions of the stored checkpoint are the run's: they reproduce its stored confusion matrix.
    expect(result.matchesStored).toBe(true);
    expect(result.items.length).toBeGreaterThan(0);
    const cached = path.join(tmp, 'lab-runs', 'from-store', id, 'epoch-0001');
    expect(fs.existsSync(cached)).toBe(true);
    // Unpacked once: the second look reuses the folder (and the predictions kept beside it).
    const mtime = fs.statSync(cached).mtimeMs;
    expect((await mistakes(id, db)).out).toBe(r.out);
    expect(fs.statSync(cached).mtimeMs).toBe(mtime);

    // Its weights out, from the same copy.
    const file = path.join(tmp, 'agent-run.safetensors');
    const lines: string[] = [];
    expect(await main(['export', id, '--format', 'safetensors', '--out', file, '--db', db], (s) => lines.push(s))).toBe(0);
    const bytes = fs.readFileSync(file);
    const headerLength = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, { shape?: number[] }> & { __metadata__: Record<string, string> };
    expect(header.__metadata__).toMatchObject({ run_id: id, epoch: '1' });
    expect(header['cls_token']?.shape).toBeDefined();
  });
});
