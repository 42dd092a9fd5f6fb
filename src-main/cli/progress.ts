import type { EpochMetrics, ProgressInfo } from '../train/messages.js';

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}` : `${m}:${String(r).padStart(2, '0')}`;
}

/**
 * A one-line live progress bar on a terminal (redrawn in place), or nothing between epochs when
 * stderr is a file or pipe, where redraws would only fill a log.
 */
export class ProgressBar {
  private drawn = false;
  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  update(p: ProgressInfo): void {
    if (!this.out.isTTY) return;
    const width = 24;
    const done = Math.round((p.batch / p.batches) * width);
    const bar = '█'.repeat(done) + '░'.repeat(width - done);
    const line =
      `epoch ${p.epoch}/${p.epochs} ${bar} batch ${p.batch}/${p.batches}` +
      `  loss ${p.loss.toFixed(4)}  acc ${(100 * p.acc).toFixed(1)}%  ${p.samplesPerSec.toFixed(0)} samples/s  ETA ${formatDuration(p.etaSeconds)}`;
    this.out.write(`\r\x1b[2K${line.slice(0, (this.out.columns || 160) - 1)}`);
    this.drawn = true;
  }

  epoch(m: EpochMetrics, epochs: number): void {
    this.clear();
    this.out.write(
      `epoch ${m.epoch}/${epochs}: train loss ${m.trainLoss.toFixed(4)} acc ${(100 * m.trainAcc).toFixed(2)}%  ` +
        `test loss ${m.testLoss.toFixed(4)} acc ${(100 * m.testAcc).toFixed(2)}%  ${m.seconds.toFixed(1)} s  ${m.samplesPerSec.toFixed(0)} samples/s\n`,
    );
  }

  clear(): void {
    if (this.drawn) this.out.write('\r\x1b[2K');
    this.drawn = false;
  }
}
