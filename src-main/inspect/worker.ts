import { loadDataset } from '../data/datasets.js';
import { selectBackend } from '../train/backend.js';
import { patchify } from '../vit/model.js';
import { weightsFileBytes } from './export.js';
import { forwardWithAttention } from './forward.js';
import { decodeImage, normaliseBytes, toGrayBytes } from './image.js';
import { appLogits, argmaxRow, modelFromWeights, softmaxRows } from './logits.js';
import type { AttentionResult, AttentionSource, InspectJob, InspectReply, PredictionsResult } from './messages.js';
import { affineOf, runNormalisation } from './normalisation.js';
import { writePredictions } from './predictions.js';
import { attentionRollout, clsRow } from './rollout.js';
import { readPlainWeights } from './weights.js';

/**
 * The inspection worker: one job per process (forked by launch.ts), so decoding a user's image
 * and running the model never block the app or `serve`, and a crash or an out-of-memory in them
 * only fails that request. It reads checkpoints and the data set; it never opens the database.
 */

async function predictions(job: Extract<InspectJob, { type: 'predictions' }>): Promise<PredictionsResult> {
  const { config, weights } = readPlainWeights(job.checkpointDir);
  const norm = runNormalisation(job.checkpointDir, config, job.dataDir);
  const ds = loadDataset(config.dataset, { dir: job.dataDir, limitTrain: 1, limitTest: config.limitTest });
  await selectBackend(job.backend);
  const model = modelFromWeights(config, weights);
  try {
    const logits = appLogits(model, ds.test.images, ds.test.count, norm);
    const per = config.image * config.image * config.channels;
    writePredictions(job.out, { count: ds.test.count, classes: config.classes, labels: ds.test.labels, images: ds.test.images, per, probs: softmaxRows(logits, config.classes) });
    return { count: ds.test.count, classes: config.classes };
  } finally {
    model.dispose();
  }
}

function attention(job: Extract<InspectJob, { type: 'attention' }>): AttentionResult {
  const { config, weights } = readPlainWeights(job.checkpointDir);
  const norm = runNormalisation(job.checkpointDir, config, job.dataDir);
  const side = config.image;
  const per = side * side * config.channels;
  const src: AttentionSource = job.source;
  let bytes: Uint8Array;
  let label: number | undefined;
  let original: AttentionResult['original'];
  if (src.kind === 'test') {
    const ds = loadDataset(config.dataset, { dir: job.dataDir, limitTrain: 1, limitTest: config.limitTest });
    if (!Number.isInteger(src.index) || src.index < 0 || src.index >= ds.test.count) throw new Error(`index: the run's test split has ${ds.test.count} images (0–${ds.test.count - 1}), not ${src.index}`);
    bytes = ds.test.images.slice(src.index * per, (src.index + 1) * per);
    label = ds.test.labels[src.index];
  } else {
    if (config.channels !== 1) throw new Error(`image: the run's model takes ${config.channels} channels; own images are converted to one`);
    const img = decodeImage(src.bytes);
    bytes = toGrayBytes(img, side, { invert: src.invert });
    original = { kind: img.kind, width: img.width, height: img.height };
  }
  const { scale, shift } = affineOf(norm);
  const x = patchify(bytes, 1, side, config.channels, config.patch, undefined, scale, shift);
  const f = forwardWithAttention(config, weights, x);
  const N = (side / config.patch) ** 2 + 1;
  const probs = softmaxRows(f.logits, config.classes);
  return {
    classes: norm.classes,
    probs: Array.from(probs),
    predicted: argmaxRow(probs, 0, config.classes),
    label,
    side,
    grid: side / config.patch,
    input: Buffer.from(bytes).toString('base64'),
    normalised: Array.from(normaliseBytes(bytes, norm)),
    layers: f.attention.map((heads) => heads.map((a) => Array.from(clsRow(a, N)))),
    rollout: Array.from(attentionRollout(f.attention, N)),
    original,
  };
}

function reply(m: InspectReply): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(m, undefined, {}, () => resolve());
  });
}

process.on('disconnect', () => process.exit(2));
process.on('message', (job: InspectJob) => {
  void (async () => {
    try {
      const result =
        job.type === 'predictions' ? await predictions(job) : job.type === 'weights' ? new Uint8Array(weightsFileBytes(job.run, job.format, job.dataDir)) : attention(job);
      await reply({ type: 'done', result });
      process.exit(0);
    } catch (e) {
      await reply({ type: 'error', error: e instanceof Error ? e.message : String(e) });
      process.exit(1);
    }
  })();
});
