import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { storedCheckpointsOf } from '../app/context.js';
import { openEngine } from '../app/engine.js';
import { importRun, readRunFile } from '../app/services/import.js';
import { Inspector } from '../inspect/service.js';
import { localDbPath } from '../store/open-store.js';
import { numberFlag, parseFlags, UsageError } from './args.js';
import { textTable } from './table.js';

export const PREDICT_USAGE = `vitlab predict RUN IMAGE [--invert] [--json] [--db PATH] [--data DIR]
  Runs a PNG or JPEG through a run's model, converted as the training data was (grey, centred on a
  black square, resized to the config's side, normalised with the run's mean and std), and prints
  the class probabilities and where the cls token looks (attention rollout, one cell per patch).
  --invert first turns a dark object on a light background into the data sets' light on black.
  Nothing is stored.`;

export const IMPORT_USAGE = `vitlab import FILE [--db PATH]
  Reads a portable run file (vitlab export ID --format vitlab) back as a run: its config, epochs,
  result and checkpoint, so its mistakes, attention and predictions can be looked at here.`;

function openExisting(db: string | undefined, what: string) {
  const dbPath = resolve(db ?? localDbPath());
  if (!existsSync(dbPath)) throw new Error(`${what}: no database at ${dbPath} (pass --db PATH)`);
  return openEngine({ dbPath });
}

export const MISTAKES_USAGE = `vitlab mistakes RUN [--true C] [--pred C] [--all] [--offset N] [--limit N] [--json] [--db PATH] [--data DIR]
  The run's test images by confusion cell or class, most confident first: --true 6 --pred 0 is the
  cell "true 6, predicted 0"; --true 6 alone the class's mistakes (--all: every image of it).
  The predictions are computed once per checkpoint in a worker and kept beside it.`;

export async function runMistakes(argv: string[], print: (s: string) => void): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    { db: { type: 'string' }, data: { type: 'string' }, true: { type: 'string' }, pred: { type: 'string' }, all: { type: 'boolean' }, offset: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
    { positionals: true, configFlags: false },
  );
  if (values.help) {
    print(MISTAKES_USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('give one run id');
  const int = (name: string) => {
    const v = numberFlag(name, values[name] as string | undefined);
    if (v !== undefined && (!Number.isInteger(v) || v < 0)) throw new UsageError(`--${name}: "${values[name]}" is not a whole number ≥ 0`);
    return v;
  };
  const trueClass = int('true');
  const predicted = int('pred');
  const engine = openExisting(values.db as string | undefined, 'mistakes');
  try {
    const r = await new Inspector(engine.store, { dataDir: values.data as string | undefined, stored: storedCheckpointsOf(engine) }).mistakes({
      id: positionals[0],
      trueClass,
      predicted,
      mistakesOnly: predicted === undefined && !values.all,
      offset: int('offset'),
      limit: int('limit') ?? 20,
    });
    if (values.json) {
      print(JSON.stringify({ ...r, items: r.items.map(({ pixels: _pixels, ...it }) => it) }, null, 1));
      return 0;
    }
    print(`${r.total} test images${r.matchesStored ? '' : ' (these predictions do not reproduce the stored confusion matrix)'}; most confident first:`);
    print(textTable(['test image', 'true', 'predicted', 'confidence'], r.items.map((it) => [String(it.index), String(it.label), String(it.predicted), `${(100 * it.confidence).toFixed(2)} %`])));
    return 0;
  } finally {
    await engine.close();
  }
}

const SHADES = ' .:-=+*#%@';

export async function runPredict(argv: string[], print: (s: string) => void): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    { db: { type: 'string' }, data: { type: 'string' }, invert: { type: 'boolean' }, json: { type: 'boolean' } },
    { positionals: true, configFlags: false },
  );
  if (values.help) {
    print(PREDICT_USAGE);
    return 0;
  }
  if (positionals.length !== 2) throw new UsageError('give a run id and an image file');
  const [id, file] = positionals;
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new Error(`predict: cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  const engine = openExisting(values.db as string | undefined, 'predict');
  try {
    const r = await new Inspector(engine.store, { dataDir: values.data as string | undefined, stored: storedCheckpointsOf(engine) }).predict({ id, image: bytes, invert: values.invert === true });
    if (values.json) {
      print(JSON.stringify(r, null, 1));
      return 0;
    }
    const order = r.probs.map((p, k) => ({ p, k })).sort((a, b) => b.p - a.p);
    print(`${file}: ${r.original?.kind.toUpperCase()} ${r.original?.width}×${r.original?.height} → ${r.side}×${r.side} grey`);
    print(`predicted: ${r.classes[r.predicted]} (${(100 * r.probs[r.predicted]).toFixed(2)} %)\n`);
    for (const { p, k } of order) print(`  ${r.classes[k].padEnd(12)} ${(100 * p).toFixed(2).padStart(6)} %  ${'█'.repeat(Math.round(p * 40))}`);
    const max = Math.max(...r.rollout);
    print(`\nattention rollout (${r.grid}×${r.grid} patches, darkest = most attended):`);
    for (let y = 0; y < r.grid; y++) {
      print(`  ${r.rollout.slice(y * r.grid, (y + 1) * r.grid).map((v) => SHADES[Math.min(9, Math.floor((v / max) * 9.99))].repeat(2)).join('')}`);
    }
    return 0;
  } finally {
    await engine.close();
  }
}

export async function runImport(argv: string[], print: (s: string) => void): Promise<number> {
  const { values, positionals } = parseFlags(argv, { db: { type: 'string' } }, { positionals: true, configFlags: false });
  if (values.help) {
    print(IMPORT_USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('give one .vitlab file');
  // Read and checked before the database is opened: a bad file leaves no trace, not even a new database.
  const portable = readRunFile(positionals[0]);
  // Importing into a new database is fine: the run has to go somewhere.
  const engine = openEngine({ dbPath: values.db as string | undefined });
  try {
    const run = importRun(engine.supervisor, portable);
    print(`imported ${run.id} "${run.name}" (${run.status}, ${run.epochsDone} epochs${run.testAcc != null ? `, test acc ${(100 * run.testAcc).toFixed(2)} %` : ''})`);
    return 0;
  } finally {
    await engine.close();
  }
}
