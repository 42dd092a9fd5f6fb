import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { dispatch, type HandlerContext } from '../../src-main/api/handlers.js';
import { makeContext } from '../../src-main/app/context.js';
import { openEngine, type Engine } from '../../src-main/app/engine.js';
import { main } from '../../src-main/cli.js';
import { loadDataset } from '../../src-main/data/datasets.js';
import { appLogits, modelFromWeights } from '../../src-main/inspect/logits.js';
import { runNormalisation } from '../../src-main/inspect/normalisation.js';
import { decodeSafetensors, encodeSafetensors } from '../../src-main/inspect/safetensors.js';
import { TORCH_SNIPPET } from '../../src-main/inspect/torch.js';
import { readPlainWeights } from '../../src-main/inspect/weights.js';
import { selectBackend } from '../../src-main/train/backend.js';
import { resolveConfig } from '../../src-main/vit/config.js';
import type { ApiEvent } from '../../src-main/api/contract.js';
import { onApiEvents } from '../../src-main/api/events.js';
import { importRun, readRunFile } from '../../src-main/app/services/import.js';

/**
 * Looking inside one run trained in the app (a real worker, a real slice of Fashion-MNIST), over
 * the real API dispatch with real inspection worker processes. Weights out to PyTorch, across frameworks: a run trained in the app (a real worker, a real slice
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
let ctx: HandlerContext;
let runId = '';
// Two layers and two heads so that the qkv split, the heads and the block order all matter.
const config = resolveConfig({ depth: 2, heads: 2, epochs: 2, limitTrain: 2000, limitTest: 500, lr: 3e-3 }, 'tiny');

beforeAll(async () => {
  engine = openEngine({ dbPath: path.join(tmp, 'runs.db') });
  engine.supervisor.start();
  runId = engine.supervisor.enqueue(config, { name: 'torch export' });
  expect(await engine.supervisor.waitFor(runId)).toBe('completed');
  ctx = makeContext(engine);
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

async function call<T>(name: string, input: unknown): Promise<T> {
  const r = await dispatch(name, input, ctx);
  if (!r.ok) throw new Error(`${name}: ${r.error.code}: ${r.error.message}`);
  return r.result as T;
}
async function refusal(name: string, input: unknown) {
  const r = await dispatch(name, input, ctx);
  expect(r.ok).toBe(false);
  return (r as { error: { code: string; message: string } }).error;
}

type Mistakes = { total: number; items: { index: number; label: number; predicted: number; confidence: number; probs: number[]; pixels: string }[]; confusion: number[][]; matchesStored: boolean };
type Attn = { probs: number[]; predicted: number; label?: number; grid: number; input: string; normalised: number[]; layers: number[][][]; rollout: number[] };

function pngOf(width: number, height: number, f: (x: number, y: number) => number): Buffer {
  const p = new PNG({ width, height });
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) p.data.set([f(x, y), f(x, y), f(x, y), 255], 4 * (y * width + x));
  return PNG.sync.write(p);
}

describe('inspecting a trained run over the API', () => {
  it('a confusion cell gives exactly its stored count of test images, most confident first', async () => {
    const run = engine.store.get(runId);
    const confusion = run.confusion!;
    // The largest off-diagonal cell: the run's most common mistake.
    let cell = { t: 0, p: 1, n: -1 };
    confusion.forEach((row, t) => row.forEach((n, p) => { if (t !== p && n > cell.n) cell = { t, p, n }; }));
    expect(cell.n).toBeGreaterThan(0);
    const r = await call<Mistakes>('inspect/mistakes', { id: runId, trueClass: cell.t, predicted: cell.p, limit: 200 });
    expect(r.matchesStored).toBe(true);
    expect(r.confusion).toEqual(confusion);
    expect(r.total).toBe(cell.n);
    expect(r.items).toHaveLength(Math.min(cell.n, 200));
    for (const it of r.items) {
      expect([it.label, it.predicted]).toEqual([cell.t, cell.p]);
      expect(it.probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(it.confidence).toBe(Math.max(...it.probs));
      expect(Buffer.from(it.pixels, 'base64')).toHaveLength(28 * 28);
    }
    for (let i = 1; i < r.items.length; i++) expect(r.items[i - 1].confidence).toBeGreaterThanOrEqual(r.items[i].confidence);
    // Paging: page 2 of size 1 is the second item.
    if (cell.n > 1) expect((await call<Mistakes>('inspect/mistakes', { id: runId, trueClass: cell.t, predicted: cell.p, offset: 1, limit: 1 })).items[0].index).toBe(r.items[1].index);
    // Per class: every mistake of the class, counted as the per-class table counts them.
    const perClass = await call<Mistakes>('inspect/mistakes', { id: runId, trueClass: cell.t, mistakesOnly: true, limit: 5 });
    expect(perClass.total).toBe(run.perClass[cell.t].total - run.perClass[cell.t].correct);
    expect(perClass.items.every((it) => it.label === cell.t && it.predicted !== cell.t)).toBe(true);
    expect((await refusal('inspect/mistakes', { id: runId, trueClass: 10 })).message).toMatch(/classes 0–9/);
    // The same cell from the CLI.
    const lines: string[] = [];
    expect(await main(['mistakes', runId, '--true', String(cell.t), '--pred', String(cell.p), '--limit', '3', '--json', '--db', engine.dbPath], (s) => lines.push(s))).toBe(0);
    const cli = JSON.parse(lines.join('\n')) as Mistakes;
    expect(cli.total).toBe(cell.n);
    expect(cli.items.map((i) => i.index)).toEqual(r.items.slice(0, 3).map((i) => i.index));
  }, 120_000);

  it('a test image: probabilities, the cls attention of every layer and head, and the rollout', async () => {
    const a = await call<Attn>('inspect/attention', { id: runId, index: 3 });
    expect(a.probs.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 5);
    expect(a.label).toBe(loadDataset('fashion-mnist', { limitTest: 10 }).test.labels[3]);
    expect(a.grid).toBe(4);
    expect(a.layers).toHaveLength(config.depth);
    for (const layer of a.layers) {
      expect(layer).toHaveLength(config.heads);
      for (const head of layer) {
        expect(head).toHaveLength(16);
        expect(head.reduce((x, y) => x + y, 0)).toBeLessThanOrEqual(1 + 1e-6);
      }
    }
    expect(a.rollout).toHaveLength(16);
    expect((await refusal('inspect/attention', { id: runId, index: 500 })).code).toBe('invalid_input');
    // Clicking through thumbnails: concurrent requests queue for the worker slots and all answer.
    const many = await Promise.all([5, 6, 7, 3].map((index) => call<Attn>('inspect/attention', { id: runId, index })));
    expect(many.map((x) => x.label)).toEqual([5, 6, 7, 3].map((i) => loadDataset('fashion-mnist', { limitTest: 10 }).test.labels[i]));
    expect(many[3]).toEqual(a);
  }, 90_000);

  it('an own PNG gets probabilities summing to 1; bad files are refused and nothing is stored', async () => {
    const image = pngOf(60, 40, (x, y) => (x > 15 && x < 45 && y > 5 && y < 35 ? 220 : 0));
    const a = await call<Attn>('inspect/predict', { id: runId, image: image.toString('base64') });
    expect(a.probs.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 5);
    expect(Buffer.from(a.input, 'base64')).toHaveLength(784);
    expect(a.rollout).toHaveLength(16);

    const before = { runs: engine.store.list({}).total, files: fs.readdirSync(engine.checkpointRoot, { recursive: true }).length };
    const text = await refusal('inspect/predict', { id: runId, image: Buffer.from('just some text, not a picture').toString('base64') });
    expect(text).toMatchObject({ code: 'invalid_input' });
    expect(text.message).toMatch(/not a PNG or JPEG/);
    const huge = Buffer.from(image);
    huge.writeUInt32BE(10_000, 16);
    huge.writeUInt32BE(10_000, 20);
    const big = await refusal('inspect/predict', { id: runId, image: huge.toString('base64') });
    expect(big).toMatchObject({ code: 'invalid_input' });
    expect(big.message).toMatch(/100\.0 megapixels/);
    const corrupt = Buffer.from(image);
    corrupt.fill(0x33, 45);
    const bad = await refusal('inspect/predict', { id: runId, image: corrupt.toString('base64') });
    expect(bad).toMatchObject({ code: 'invalid_input' });
    expect(bad.message).toMatch(/corrupt PNG/);
    expect({ runs: engine.store.list({}).total, files: fs.readdirSync(engine.checkpointRoot, { recursive: true }).length }).toEqual(before);
  }, 60_000);

  it('exports weights over the API (built in a worker) with the PyTorch snippet; vitlab predict prints the probabilities', async () => {
    const r = await call<{ content: string; snippet?: string; filename: string; bytes: number }>('runs/exportWeights', { id: runId, format: 'safetensors' });
    expect(r.filename).toBe('torch-export.safetensors');
    expect(r.snippet).toContain('class Multi_Head_Attention(nn.Module)');
    const { tensors } = decodeSafetensors(Buffer.from(r.content, 'base64'));
    expect(Object.keys(tensors)).toContain('transformer_encoders.1.mlp.mlp.0.bias');
    expect((await refusal('runs/exportWeights', { id: runId, format: 'safetensors', path: path.join(tmp, 'x.safetensors') })).message).toMatch(/not allowed over this transport/);

    const img = path.join(tmp, 'own.png');
    fs.writeFileSync(img, pngOf(28, 28, (x) => (x > 10 && x < 18 ? 255 : 0)));
    const lines: string[] = [];
    expect(await main(['predict', runId, img, '--db', engine.dbPath], (s) => lines.push(s))).toBe(0);
    const out = lines.join('\n');
    expect(out).toMatch(/PNG 28×28 → 28×28 grey/);
    expect(out).toMatch(/predicted: \S+/);
    const percents = [...out.matchAll(/^ {2}\S.*?\s([\d.]+) %/gm)].map((m) => Number(m[1]));
    expect(percents).toHaveLength(10);
    expect(percents.reduce((a, b) => a + b, 0)).toBeCloseTo(100, 0);
    const errors: string[] = [];
    const orig = console.error;
    console.error = (s: string) => errors.push(s);
    try {
      fs.writeFileSync(path.join(tmp, 'notes.txt'), 'hello');
      // A file the user must fix is invalid_input: exit 2, as for a bad config (src-shared/errors.ts).
      expect(await main(['predict', runId, path.join(tmp, 'notes.txt'), '--db', engine.dbPath], () => {})).toBe(2);
    } finally {
      console.error = orig;
    }
    expect(errors.join('\n')).toMatch(/not a PNG or JPEG/);
  }, 60_000);

  it('the portable run file imports back as a run that can be inspected', async () => {
    const file = path.join(tmp, 'run.vitlab');
    expect(await main(['export', runId, '--format', 'vitlab', '--out', file, '--db', engine.dbPath], () => {})).toBe(0);
    const other = path.join(tmp, 'other.db');
    const lines: string[] = [];
    expect(await main(['import', file, '--db', other], (s) => lines.push(s))).toBe(0);
    const newId = /imported (\S+)/.exec(lines.join('\n'))![1];
    const e2 = openEngine({ dbPath: other });
    try {
      const orig = engine.store.get(runId);
      const imp = e2.store.get(newId);
      expect(imp).toMatchObject({ status: 'completed', name: orig.name, config: orig.config, testAcc: orig.testAcc, testLoss: orig.testLoss, confusion: orig.confusion, epochsDone: orig.epochsDone });
      expect(imp.epochs).toEqual(orig.epochs);
      const r = await dispatch('inspect/mistakes', { id: newId, trueClass: 0, predicted: 0, limit: 1 }, makeContext(e2));
      expect(r.ok && (r.result as Mistakes).matchesStored).toBe(true);
    } finally {
      await e2.close();
    }
    // A file that is not a run file is refused with the reason, and nothing is added.
    const errors: string[] = [];
    const orig = console.error;
    console.error = (s: string) => errors.push(s);
    try {
      expect(await main(['import', path.join(tmp, 'run.safetensors'), '--db', other], () => {})).toBe(2);
      fs.writeFileSync(path.join(tmp, 'junk.vitlab'), 'not a file of ours');
      expect(await main(['import', path.join(tmp, 'junk.vitlab'), '--db', other], () => {})).toBe(2);
      // A run file whose config does not match its weights.
      const { tensors, metadata } = decodeSafetensors(fs.readFileSync(file));
      const wrong = encodeSafetensors(Object.entries(tensors).map(([name, tensor]) => ({ name, tensor })), { ...metadata, config: JSON.stringify({ ...config, mlp: 32 }) });
      fs.writeFileSync(path.join(tmp, 'wrong.vitlab'), wrong);
      expect(await main(['import', path.join(tmp, 'wrong.vitlab'), '--db', other], () => {})).toBe(2);
      // A refused file leaves no trace, not even a new database.
      expect(await main(['import', path.join(tmp, 'junk.vitlab'), '--db', path.join(tmp, 'never.db')], () => {})).toBe(2);
      expect(fs.existsSync(path.join(tmp, 'never.db'))).toBe(false);
    } finally {
      console.error = orig;
    }
    expect(errors.join('\n')).toMatch(/not a ViT Lab run file/);
    expect(errors.join('\n')).toMatch(/not a safetensors file/);
    expect(errors.join('\n')).toMatch(/mlp\.mlp\.0\.weight has shape \[32,64\], the config's model needs \[32,32\]/);
    const e3 = openEngine({ dbPath: other });
    try {
      expect(e3.store.list({}).total).toBe(1);
      // The path the CLI takes (app/services/import.ts) writes through the supervisor, which tells
      // its subscribers (a dashboard on this database) that a run was added.
      const told: ApiEvent[] = [];
      onApiEvents(e3.supervisor, (ev) => told.push(ev));
      const again = importRun(e3.supervisor, readRunFile(file));
      expect(again).toMatchObject({ status: 'completed', name: engine.store.get(runId).name, epochsDone: config.epochs });
      expect(again.id).not.toBe(newId);
      expect(fs.existsSync(again.checkpointPath!)).toBe(true);
      expect(told).toEqual([{ type: 'runs/changed', reason: 'created' }]);
      expect(e3.store.list({}).total).toBe(2);
    } finally {
      await e3.close();
    }
  }, 120_000);
});
