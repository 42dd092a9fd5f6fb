import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { storedCheckpointsOf } from '../app/context.js';
import { openEngine } from '../app/engine.js';
import { checkpointDirOf } from '../inspect/checkpoint-dir.js';
import { exportWeights, WEIGHT_FORMATS, weightsFilename, type WeightFormat } from '../inspect/export.js';
import { localDbPath } from '../store/open-store.js';
import { parseFlags, UsageError } from './args.js';

export const WEIGHTS_EXPORT_USAGE = `vitlab export ID --format safetensors|vitlab [--out PATH] [--force] [--db PATH]
  safetensors: the run's weights as the seed module's PyTorch state dict (patch_embedding.weight,
  transformer_encoders.0.mha.qkv.weight, …, mlp_head.1.bias; [out, in] linear weights), the config
  and normalisation in its metadata; prints the PyTorch code that builds the module and loads it.
  vitlab: the run (record, epochs, result, checkpoint) as one portable file for \`vitlab import\`.
  Default --out: <run name>.<format> in the current folder.`;

/** The weight formats ride on `vitlab export`: the format decides which export it is. */
export function weightsFormatIn(argv: string[]): WeightFormat | null {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = a === '--format' || a === '-f' ? argv[i + 1] : a.startsWith('--format=') ? a.slice(9) : undefined;
    if (v !== undefined && (WEIGHT_FORMATS as readonly string[]).includes(v)) return v as WeightFormat;
  }
  const out = argv.find((a, i) => argv[i - 1] === '--out' || argv[i - 1] === '-o');
  const ext = out?.match(/\.([a-z]+)$/)?.[1];
  return ext && (WEIGHT_FORMATS as readonly string[]).includes(ext) ? (ext as WeightFormat) : null;
}

export async function runWeightsExport(argv: string[], print: (s: string) => void): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    { db: { type: 'string' }, data: { type: 'string' }, format: { type: 'string', short: 'f' }, out: { type: 'string', short: 'o' }, force: { type: 'boolean' } },
    { positionals: true, configFlags: false },
  );
  if (values.help) {
    print(WEIGHTS_EXPORT_USAGE);
    return 0;
  }
  const format = weightsFormatIn(argv);
  if (!format) throw new UsageError(`--format: one of ${WEIGHT_FORMATS.join(', ')}`);
  if (positionals.length !== 1) throw new UsageError(`--format ${format} exports one run: give exactly one run id`);
  const dbPath = resolve((values.db as string | undefined) ?? localDbPath());
  if (!existsSync(dbPath)) throw new Error(`export: no database at ${dbPath} (pass --db PATH)`);
  const engine = openEngine({ dbPath });
  try {
    const run = engine.store.get(positionals[0]);
    const out = (values.out as string | undefined) ?? weightsFilename(run, format);
    const r = await exportWeights(engine.store, { id: run.id, format, path: out, force: values.force === true }, {
      allowWrite: true,
      dataDir: values.data as string | undefined,
      checkpointDir: (r) => checkpointDirOf(r, storedCheckpointsOf(engine)),
    });
    print(`wrote ${r.path} (${format}, ${r.bytes.toLocaleString('en-US')} bytes)`);
    if (r.snippet) print(`\nLoad it in PyTorch:\n\n${r.snippet}\nmodel, meta = load_vitlab(${JSON.stringify(r.path)})`);
    return 0;
  } finally {
    await engine.close();
  }
}

