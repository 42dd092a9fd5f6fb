import { EVAL_CHUNK } from '../vit/memory.js';
import type { BatchBuilder } from './batch.js';
import type { Split } from './data.js';
import type { EvalResult } from './messages.js';
import type { StepRunner } from './step-runner.js';

/**
 * The one evaluation: a split in chunks of EVAL_CHUNK through the runner (every instance takes a
 * part of each chunk), the test loss summed part by part, the confusion matrix filled per sample.
 * Chunks, because wasm memory never shrinks: a batch-1000 forward pass alone grew the heap from
 * ≈ 0.5 GB (training, batch 100) to ≈ 1.25 GB; 250 stays within the training footprint.
 */
export function evaluateSplit(runner: StepRunner, batches: BatchBuilder, split: Split, classes: number, chunk = EVAL_CHUNK): EvalResult {
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  let lossSum = 0;
  for (let start = 0; start < split.count; start += chunk) {
    const batch = batches.range(split, start, Math.min(chunk, split.count - start));
    const { partLosses, pred } = runner.evaluate(batch);
    for (const l of partLosses) lossSum += l;
    for (let i = 0; i < batch.n; i++) confusion[batch.labels[i]][pred[i]]++;
  }
  return resultOf(confusion, lossSum, split.count);
}

/** The evaluation result of a filled confusion matrix (rows: true class) and a summed loss. */
export function resultOf(confusion: number[][], lossSum: number, count: number): EvalResult {
  const perClass = confusion.map((row, c) => ({ correct: row[c], total: row.reduce((a, b) => a + b, 0) }));
  const correct = perClass.reduce((s, p) => s + p.correct, 0);
  return { testLoss: lossSum / Math.max(1, count), correct, total: count, perClass, confusion };
}
