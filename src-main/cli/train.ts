import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resultBlock } from '../report/result-block.js';
import { startWorker } from '../train/launch.js';
import type { EpochMetrics, EvalResult, FromWorker, RunEnvironment } from '../train/messages.js';
import { computeCost } from '../vit/cost.js';
import { modelSummary } from '../vit/summary.js';
import type { RunConfig } from '../vit/config.js';
import { configFromFlags, parseFlags } from './args.js';
import { describeModel } from './cost.js';
import { ProgressBar } from './progress.js';

export const TRAIN_USAGE = `vitlab train [--preset NAME] [config flags] [--epochs N] [--batch N] [--lr X] [--recipe seed|improved]
             [--seed N] [--backend auto|tensorflow|wasm|cpu] [--limit-train N] [--limit-test N] [--data DIR] [--json]
  Trains one ViT in a worker process on Fashion-MNIST (or --dataset mnist) with a live progress bar,
  then prints the test result in the seed report's form. Ctrl-C cancels after the current batch.`;

export interface TrainSummary {
  status: 'completed' | 'cancelled' | 'failed';
  error?: string;
  config: RunConfig;
  env?: RunEnvironment;
  epochs: EpochMetrics[];
  result?: EvalResult;
  params: number;
  macsPerImage: number;
  checkpoint?: string;
}

export async function runTrain(argv: string[], print: (s: string) => void): Promise<number> {
  const { values } = parseFlags(argv, { preset: { type: 'string' }, data: { type: 'string' }, json: { type: 'boolean' }, 'checkpoint-dir': { type: 'string' } });
  if (values.help) {
    print(TRAIN_USAGE);
    return 0;
  }
  const config = configFromFlags(values);
  const json = Boolean(values.json);
  const cost = computeCost(config, config.batch);
  const ckptDir = (values['checkpoint-dir'] as string | undefined) ?? fs.mkdtempSync(path.join(os.tmpdir(), 'vitlab-ckpt-'));
  const bar = new ProgressBar();
  const log = (s: string) => {
    if (!json) process.stderr.write(`${s}\n`);
  };
  log(`Training ViT: ${describeModel(config)}`);
  log(`${cost.params.total.toLocaleString('en-US')} parameters, ${cost.macs.perImage.toLocaleString('en-US')} MACs per image; recipe ${config.recipe}, ${config.epochs} epochs, batch ${config.batch}, lr ${config.lr}`);

  const summary: TrainSummary = { status: 'failed', config, epochs: [], params: cost.params.total, macsPerImage: cost.macs.perImage };
  const handle = startWorker({ type: 'start', runId: 'cli', config, checkpointDir: ckptDir, dataDir: values.data as string | undefined }, (m: FromWorker) => {
    if (m.type === 'started') {
      summary.env = m.env;
      log(`backend ${m.env.backend}; ${m.trainSize} training and ${m.testSize} test images`);
    } else if (m.type === 'progress' && !json) bar.update(m.progress);
    else if (m.type === 'epoch') {
      summary.epochs.push(m.metrics);
      if (!json) bar.epoch(m.metrics, config.epochs);
    } else if (m.type === 'checkpoint') summary.checkpoint = m.path;
    else if (m.type === 'evaluated') summary.result = m.result;
  });
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    bar.clear();
    if (interrupts === 1) {
      log('cancelling after the current batch (Ctrl-C again to stop at once)…');
      handle.cancel();
    } else handle.kill();
  };
  process.on('SIGINT', onSigint);
  const outcome = await handle.done.finally(() => process.off('SIGINT', onSigint));
  bar.clear();
  summary.status = outcome.status;
  if (outcome.error) summary.error = outcome.error;

  if (json) {
    print(JSON.stringify(summary, null, 2));
  } else if (outcome.status === 'completed' && summary.result) {
    print(`\nTraining result:\n\n${resultBlock(summary.result)}\n\nModel:\n\n${modelSummary(config)}`);
    if (summary.checkpoint) log(`\ncheckpoint: ${summary.checkpoint}`);
  } else if (outcome.status === 'cancelled') {
    log(`cancelled after ${summary.epochs.length} finished epoch(s)${summary.checkpoint ? `; last checkpoint ${summary.checkpoint}` : ''}`);
  } else {
    console.error(`training failed: ${outcome.error}`);
  }
  return outcome.status === 'completed' ? 0 : outcome.status === 'cancelled' ? 130 : 1;
}
