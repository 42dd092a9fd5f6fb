// Is this engine's accuracy after E epochs worse than another engine's, or only a different seed's?
// Trains the seed config once per seed with this checkout's `vitlab train`, and with --against DIR
// (another checkout with its node_modules, e.g. `git worktree add --detach /tmp/old eaf1d6b`) the
// same seeds with that checkout's CLI, one run at a time, then prints each engine's per-seed test
// accuracy, mean and 95 % interval, and the Welch interval of the difference (src-shared/stats.ts,
// the app's own comparison). One run per seed is deterministic for a given thread count, so the
// spread between seeds is the noise any single figure carries. Where both checkouts draw the same
// initial weights for a seed (checked by hashing them), it also prints the paired interval.
// Runs already in --dir's databases are kept per engine (see `engine`), so an interrupted or
// extended measurement picks up where it was.
//   npx tsx bench/engine-accuracy.ts [--seeds 0,1,2,3,4] [--epochs 1] [--against DIR] [--dir DIR]
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { mean, meanInterval, summarize, welchInterval } from '../src-shared/stats.js';
import { loadAverage } from './load-average.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '0,1,2,3,4' },
    epochs: { type: 'string', default: '1' },
    against: { type: 'string' },
    dir: { type: 'string', default: path.join(os.tmpdir(), 'vitlab-engine-accuracy') },
  },
});
const seeds = values.seeds.split(',').map(Number);
if (seeds.some((s) => !Number.isInteger(s) || s < 0)) throw new Error(`--seeds: whole numbers ≥ 0, comma-separated; got "${values.seeds}"`);
const epochs = Number(values.epochs);
const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
fs.mkdirSync(values.dir, { recursive: true });

interface Engine {
  label: string;
  tree: string;
  db: string;
}
const engines: Engine[] = [engine('this checkout', here)];
if (values.against) {
  const tree = path.resolve(values.against);
  if (!fs.existsSync(path.join(tree, 'bin', 'vitlab.js'))) throw new Error(`--against ${tree}: no bin/vitlab.js there`);
  engines.push(engine('--against', tree));
}

function git(tree: string, ...args: string[]): string | null {
  const r = spawnSync('git', ['-C', tree, ...args], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/**
 * A checkout's runs are kept under the identity of its engine: git's tree hashes of the folders
 * that train (the model, the trainer, the data), so a commit elsewhere reuses them and a change to
 * the engine trains afresh. Uncommitted changes there get a database of their own for this call.
 */
function engine(label: string, tree: string): Engine {
  const folders = ['src-main/vit', 'src-main/train', 'src-main/data'];
  const trees = git(tree, 'rev-parse', ...folders.map((f) => `HEAD:${f}`));
  const dirty = git(tree, 'status', '--porcelain', '--', ...folders);
  const key = trees && dirty === '' ? createHash('sha256').update(trees).digest('hex').slice(0, 12) : `uncommitted-${process.pid}`;
  return { label: `${label} (${git(tree, 'rev-parse', '--short', 'HEAD') ?? path.basename(tree)}, engine ${key})`, tree, db: path.join(values.dir, `engine-${key}-e${epochs}.db`) };
}

/** Completed runs of `epochs` epochs in a database, by seed (the columns both schemas have). */
function stored(db: string): Map<number, number> {
  const out = new Map<number, number>();
  if (!fs.existsSync(db)) return out;
  const d = new Database(db, { readonly: true });
  try {
    const rows = d.prepare(`SELECT seed, test_acc FROM runs WHERE status = 'completed' AND epochs = ? AND test_acc IS NOT NULL`).all(epochs) as { seed: number; test_acc: number }[];
    for (const r of rows) out.set(r.seed, r.test_acc);
  } finally {
    d.close();
  }
  return out;
}

/** The seed config's initial weights for INIT_SEEDS, hashed, as a checkout's own VitModel draws them. */
const INIT_SEEDS = [0, 1];
function initialWeightsHash(tree: string): string | null {
  const script = path.join(values.dir, 'init-hash.mts');
  fs.writeFileSync(
    script,
    // tfjs resolved from the model's own folder: the same instance the model uses.
    `const tf = await import(${JSON.stringify(pathToFileURL(createRequire(path.join(tree, 'src-main/vit/model.ts')).resolve('@tensorflow/tfjs')).href)});
import crypto from 'node:crypto';
const { VitModel } = await import(${JSON.stringify(path.join(tree, 'src-main/vit/model.ts'))});
const { resolveConfig } = await import(${JSON.stringify(path.join(tree, 'src-main/vit/config.ts'))});
await tf.setBackend('cpu');
const h = crypto.createHash('sha256');
for (const seed of ${JSON.stringify(INIT_SEEDS)}) {
  const vars = new VitModel(resolveConfig({}, 'seed'), seed).namedVariables();
  for (const v of [...vars].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    h.update(v.name);
    h.update(Buffer.from(v.variable.dataSync().buffer));
  }
}
console.log(h.digest('hex'));
`,
  );
  const r = spawnSync(path.join(tree, 'node_modules', '.bin', 'tsx'), [script], { cwd: tree, encoding: 'utf8' });
  const out = r.stdout.trim().split('\n').at(-1) ?? '';
  return r.status === 0 && /^[0-9a-f]{64}$/.test(out) ? out : null;
}

console.log(`load average at start: ${loadAverage()}; VITLAB_TRAIN_THREADS=${process.env.VITLAB_TRAIN_THREADS ?? '(unset: one instance per core)'}`);
const todo = engines.flatMap((e) => {
  const have = stored(e.db);
  return seeds.filter((s) => !have.has(s)).map((s) => ({ e, s }));
});
const started = Date.now();
// Engines differ several-fold in speed: the ETA uses each engine's own runs so far.
const secondsBy = new Map<Engine, number[]>();
for (const [i, { e, s }] of todo.entries()) {
  const t0 = Date.now();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-acc-home-'));
  const r = spawnSync(process.execPath, [path.join(e.tree, 'bin', 'vitlab.js'), 'train', '--epochs', String(epochs), '--seed', String(s), '--db', e.db], {
    cwd: e.tree,
    encoding: 'utf8',
    env: { ...process.env, VITLAB_HOME: home },
    maxBuffer: 1 << 26,
  });
  fs.rmSync(home, { recursive: true, force: true });
  const seconds = (Date.now() - t0) / 1000;
  secondsBy.set(e, [...(secondsBy.get(e) ?? []), seconds]);
  const acc = stored(e.db).get(s);
  if (r.status !== 0 || acc === undefined) {
    console.log(`${e.label} seed ${s}: FAILED (exit ${r.status}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
    process.exitCode = 1;
    continue;
  }
  const left = todo.length - i - 1;
  const all = [...secondsBy.values()].flat();
  const eta = todo.slice(i + 1).reduce((a, t) => a + mean(secondsBy.get(t.e) ?? all), 0);
  console.log(`${e.label} seed ${s}: ${(100 * acc).toFixed(2)} % in ${seconds.toFixed(0)} s; ${left} run(s) left, about ${Math.round(eta / 60)} min`);
}
if (todo.length) console.log(`trained ${todo.length} run(s) in ${((Date.now() - started) / 60000).toFixed(1)} min; load average ${loadAverage()}`);

const pct = (x: number) => `${(100 * x).toFixed(2)} %`;
/** What an interval on this − against says, the same words for the paired and the Welch interval. */
const verdict = (i: { low: number; high: number }) =>
  i.high < 0 ? 'WORSE: the whole interval is below 0' : i.low > 0 ? 'better: the whole interval is above 0' : 'no difference the seeds can tell apart: the interval holds 0';
const samples = engines.map((e) => {
  const have = stored(e.db);
  const accs = seeds.filter((s) => have.has(s)).map((s) => have.get(s)!);
  const sum = summarize(accs);
  const ci = sum ? meanInterval(sum) : null;
  console.log(`\n${e.label}, ${epochs} epoch(s), seeds ${seeds.join(',')}: ${seeds.map((s) => (have.has(s) ? pct(have.get(s)!) : '—')).join(' ')}`);
  if (sum) console.log(`  mean ${pct(sum.mean)} ± ${pct(sum.std ?? 0)} (std), 95 % interval ${ci ? `${pct(ci.low)} … ${pct(ci.high)}` : '— (one run)'}`);
  return sum;
});
const [mine, theirs] = samples;
// Paired by seed when both checkouts start from the same weights for a seed (and so the same
// initial point; the batch order comes from the seed too): each seed's difference is then the
// engines' float paths alone, and the interval on the mean difference is much narrower.
const [a, b] = engines;
if (a && b) {
  const ha = initialWeightsHash(a.tree);
  const hb = initialWeightsHash(b.tree);
  const sa = stored(a.db);
  const sb = stored(b.db);
  const both = seeds.filter((s) => sa.has(s) && sb.has(s));
  if (ha && ha === hb) {
    const diffs = both.map((s) => sa.get(s)! - sb.get(s)!);
    const sum = summarize(diffs);
    const ci = sum ? meanInterval(sum) : null;
    console.log(`\nsame initial weights in both checkouts for seeds ${INIT_SEEDS.join(',')} (sha256 ${ha.slice(0, 16)}): paired by seed`);
    console.log(`  this − against per seed: ${diffs.map((d) => (100 * d).toFixed(2)).join(' ')} points`);
    if (sum && ci) console.log(`  mean ${(100 * sum.mean).toFixed(2)} points, 95 % paired interval ${(100 * ci.low).toFixed(2)} … ${(100 * ci.high).toFixed(2)}: ${verdict(ci)}`);
  } else {
    console.log(`\nthe checkouts draw different initial weights (${ha?.slice(0, 16) ?? '?'} against ${hb?.slice(0, 16) ?? '?'}): not paired, Welch only`);
  }
}
if (mine && theirs) {
  const w = welchInterval(mine, theirs);
  if (w) {
    console.log(`\nthis − against: ${(100 * w.estimate).toFixed(2)} points, 95 % Welch interval ${(100 * w.low).toFixed(2)} … ${(100 * w.high).toFixed(2)} (df ${w.df.toFixed(1)}): ${verdict(w)}`);
  }
}
