import { openEngine } from '../app/engine.js';
import { localQueue } from '../app/services/run-queue.js';
import { startRuns } from '../app/services/runs.js';
import { admitRun } from '../runs/admission.js';
import { evalResultOf, resultBlock } from '../report/result-block.js';
import { computeCost } from '../vit/cost.js';
import { modelSummary } from '../vit/summary.js';
import { configFromFlags, parseFlags } from './args.js';
import { REPEAT_FLAGS, runRepeats, seedsFromFlags } from './repeats.js';
import { describeModel } from './cost.js';
import { watchRuns } from './watch.js';

export const TRAIN_USAGE = `vitlab train [--preset NAME] [config flags] [--epochs N] [--batch N] [--lr X] [--recipe seed|improved]
             [--seed N] [--backend auto|tensorflow|wasm|cpu] [--limit-train N] [--limit-test N] [--data DIR]
             [--repeats N | --seeds 0,1,2] [--name NAME] [--db PATH] [--json]
  Trains one ViT in a worker process on Fashion-MNIST (or --dataset mnist) with a live progress bar,
  records the run in the database, then prints the test result in the seed report's form.
  Ctrl-C cancels after the current batch. --repeats N trains N runs of the config with seeds
  seed, seed+1, … (or the --seeds given), one group, and prints its mean ± std and 95 % interval.`;

export const DB_FLAGS = { db: { type: 'string' as const }, data: { type: 'string' as const } };

export async function runTrain(argv: string[], print: (s: string) => void): Promise<number> {
  const { values } = parseFlags(argv, { ...DB_FLAGS, ...REPEAT_FLAGS, preset: { type: 'string' }, json: { type: 'boolean' }, name: { type: 'string' } });
  if (values.help) {
    print(TRAIN_USAGE);
    return 0;
  }
  // The whole run validation before the database is even opened; enqueue applies it again.
  const config = admitRun(configFromFlags(values), { dataDir: values.data as string | undefined });
  const seeds = seedsFromFlags(values, config.seed);
  if (seeds) return runRepeats(values, seeds, config, print);
  const json = Boolean(values.json);
  const cost = computeCost(config, config.batch);
  const log = (s: string) => {
    if (!json) process.stderr.write(`${s}\n`);
  };
  const engine = openEngine({ dbPath: values.db as string | undefined, dataDir: values.data as string | undefined, drainQueue: false });
  try {
    engine.supervisor.start();
    const [id] = await startRuns(localQueue(engine.supervisor), { config, name: values.name as string | undefined });
    log(`run ${id}: ${describeModel(config)}`);
    log(
      `${cost.params.total.toLocaleString('en-US')} parameters, ${cost.macs.perImage.toLocaleString('en-US')} MACs per image; recipe ${config.recipe}, ${config.epochs} epochs, batch ${config.batch}, lr ${config.lr}; database ${engine.dbPath}`,
    );
    const status = (await watchRuns(engine, [id], { quiet: json })).get(id);
    const run = engine.store.get(id);
    if (json) {
      print(JSON.stringify(run, null, 2));
    } else if (status === 'completed' && evalResultOf(run)) {
      print(`\nTraining result:\n\n${resultBlock(evalResultOf(run)!)}\n\nModel:\n\n${modelSummary(config)}`);
    } else if (status === 'cancelled') {
      log(`cancelled after ${run.epochsDone} finished epoch(s); \`vitlab resume ${id}\` continues from the last checkpoint`);
    } else {
      // When the store itself failed, the database may not hold the reason: the supervisor does.
      console.error(`training failed: ${engine.supervisor.endError(id) ?? run.error ?? status}`);
    }
    return status === 'completed' ? 0 : status === 'cancelled' ? 130 : 1;
  } finally {
    await engine.close();
  }
}
