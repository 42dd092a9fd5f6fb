import type { EvalResult } from '../train/messages.js';
import type { RunDetail } from '../store/types.js';

const pct = (correct: number, total: number) => (total ? ((100 * correct) / total).toFixed(2) : '0.00');

/**
 * The seed report's "Training result" block, character for character:
 *   Test Loss: 0.369930 / Test Accuracy of Class 0: 84.70% (847/1000) / Test Accuracy (Overall): …
 */
export function resultBlock(r: EvalResult): string {
  const lines = [`Test Loss: ${r.testLoss.toFixed(6)}`, ''];
  r.perClass.forEach((c, k) => {
    lines.push(
      c.total > 0
        ? `Test Accuracy of Class ${k}: ${pct(c.correct, c.total)}% (${c.correct}/${c.total})`
        : `Test Accuracy of Class ${k}: N/A (no test samples)`,
    );
  });
  lines.push('', `Test Accuracy (Overall): ${pct(r.correct, r.total)}% (${r.correct}/${r.total})`);
  return lines.join('\n');
}

/** The stored final evaluation of a run as an EvalResult, or null before it has one. */
export function evalResultOf(run: Pick<RunDetail, 'perClass' | 'confusion' | 'testLoss'>): EvalResult | null {
  if (run.perClass.length === 0 || run.testLoss == null) return null;
  const perClass = run.perClass.map((c) => ({ correct: c.correct, total: c.total }));
  return {
    testLoss: run.testLoss,
    correct: perClass.reduce((s, c) => s + c.correct, 0),
    total: perClass.reduce((s, c) => s + c.total, 0),
    perClass,
    confusion: run.confusion ?? [],
  };
}
