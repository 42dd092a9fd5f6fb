import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEngine, type Engine } from '../../src-main/app/engine.js';
import { main } from '../../src-main/cli.js';
import { loadDataset } from '../../src-main/data/datasets.js';
import { appLogits, modelFromWeights } from '../../src-main/inspect/logits.js';
import { runNormalisation } from '../../src-main/inspect/normalisation.js';
import { decodeSafetensors } from '../../src-main/inspect/safetensors.js';
import { TORCH_SNIPPET } from '../../src-main/inspect/torch.js';
import { readPlainWeights } from '../../src-main/inspect/weights.js';
import { selectBackend } from '../../src-main/train/backend.js';
import { resolveConfig } from '../../src-main/vit/config.js';

/**
 * Weights out to PyTorch, across frameworks: a run trained in the app (a real worker, a real slice
 * of Fashion-MNIST), exported with `vitlab export --format safetensors`, loaded into the seed
 * module of TORCH_SNIPPET by Debian's python3-torch, gives the app's logits and its test accuracy.
 */
const PYTHON = '/usr/bin/python3';
const torchMissing = (() => {
  if (!fs.existsSync(PYTHON)) return `${PYTHON} is missing`;
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  return r.status === 0 ? null : `python3 cannot import torch (install Debian's python3-torch): ${r.stderr.trim().split('\n').at(-1)}`;
})();
if (torchMissing) console.warn(`skipping the PyTorch cross-framework test: ${torchMissing}`);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-torch-'));
let engine: Engine;
let runId = '';
// Two layers and two heads so that the qkv split, the heads and the block order all matter.
const config = resolveConfig({ depth: 2, heads: 2, epochs: 2, limitTrain: 2000, limitTest: 500, lr: 3e-3 }, 'tiny');

beforeAll(async () => {
  engine = openEngine({ dbPath: path.join(tmp, 'runs.db') });
  engine.supervisor.start();
  runId = engine.supervisor.enqueue(config, { name: 'torch export' });
  expect(await engine.supervisor.waitFor(runId)).toBe('completed');
}, 300_000);
afterAll(async () => {
  await engine?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe.skipIf(torchMissing !== null)('safetensors export into PyTorch', () => {
  it('reproduces the app logits within 1e-4 and its test accuracy exactly', async () => {
    const file = path.join(tmp, 'run.safetensors');
    const lines: string[] = [];
    expect(await main(['export', runId, '--format', 'safetensors', '--out', file, '--db', engine.dbPath], (s) => lines.push(s))).toBe(0);
    expect(lines.join('\n')).toContain('load_vitlab');

    // The seed module's names and PyTorch's [out, in] layout.
    const { tensors, metadata } = decodeSafetensors(fs.readFileSync(file));
    expect(JSON.parse(metadata.config)).toEqual(config);
    expect(tensors['patch_embedding.weight'].shape).toEqual([config.dim, config.patch * config.patch]);
    expect(tensors['transformer_encoders.1.mha.qkv.weight'].shape).toEqual([3 * config.dim, config.dim]);
    expect(tensors['transformer_encoders.0.mlp.mlp.2.weight'].shape).toEqual([config.dim, config.mlp]);
    expect(tensors['mlp_head.1.bias'].shape).toEqual([config.classes]);

    const run = engine.store.get(runId);
    const ds = loadDataset(config.dataset, { limitTrain: config.limitTrain, limitTest: config.limitTest });
    await selectBackend(run.backend ?? 'auto');
    const { weights } = readPlainWeights(run.checkpointPath!);
    const model = modelFromWeights(config, weights);
    const appOut = appLogits(model, ds.test.images, 100, runNormalisation(run.checkpointPath!, config));
    model.dispose();

    fs.writeFileSync(path.join(tmp, 'images.u8'), ds.test.images);
    fs.writeFileSync(path.join(tmp, 'labels.u8'), ds.test.labels);
    const script = path.join(tmp, 'check.py');
    fs.writeFileSync(
      script,
      `${TORCH_SNIPPET}
import sys
model, meta = load_vitlab(sys.argv[1])
c = json.loads(meta['config'])
count = int(sys.argv[4])
raw = torch.frombuffer(bytearray(open(sys.argv[2], 'rb').read()), dtype=torch.uint8)
x = raw.reshape(count, c['image'], c['image'], c['channels']).permute(0, 3, 1, 2)
labels = torch.frombuffer(bytearray(open(sys.argv[3], 'rb').read()), dtype=torch.uint8).long()
with torch.no_grad():
    logits = model(normalise(x, meta))
print(json.dumps({'logits': logits[:100].flatten().tolist(), 'correct': int((logits.argmax(-1) == labels).sum())}))
`,
    );
    const r = spawnSync(PYTHON, [script, file, path.join(tmp, 'images.u8'), path.join(tmp, 'labels.u8'), String(ds.test.count)], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const torchOut = JSON.parse(r.stdout) as { logits: number[]; correct: number };

    expect(torchOut.logits).toHaveLength(100 * config.classes);
    let maxDiff = 0;
    for (let i = 0; i < torchOut.logits.length; i++) maxDiff = Math.max(maxDiff, Math.abs(torchOut.logits[i] - appOut[i]));
    console.log(`PyTorch vs app logits on 100 test images: max |diff| = ${maxDiff.toExponential(2)}`);
    expect(maxDiff).toBeLessThan(1e-4);
    const stored = run.perClass.reduce((s, c) => s + c.correct, 0);
    expect(torchOut.correct).toBe(stored);
    expect(run.testAcc).toBe(stored / ds.test.count);
  }, 120_000);
});
