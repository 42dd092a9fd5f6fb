import type { ModelConfig, RunConfig } from './config.js';
import { computeCost } from './cost.js';
import { tokens } from './tokens.js';

/**
 * How many bytes a run needs, term by term, so that validation can refuse a config that cannot
 * fit before anything is written. Every term is named and counted in float32 elements (4 bytes)
 * unless it says otherwise; the constants below are the only knobs, kept explicit so that a
 * measurement of the real heap can calibrate them one by one. The estimate is meant to be a
 * little generous: it must catch what cannot train, never refuse what can.
 *
 * Where the bytes live: TensorFlow.js keeps every tensor (weights, gradients, optimizer moments,
 * activations) in the backend's memory — on wasm one 32-bit linear memory per tfjs instance that
 * never shrinks — and the data set and batch buffers in ordinary JS typed arrays.
 */

export const BYTES_PER_FLOAT = 4;

/** Adam/AdamW keeps two moments per weight (m and v), each the weight's size. */
export const ADAM_MOMENTS = 2;

/**
 * Evaluation runs the test split in chunks of this many images (each chunk's forward pass in one
 * tf.tidy, so all of its intermediates live until the chunk ends). It must equal the trainer's
 * chunk (src-main/train/trainer.ts, EVAL_BATCH = 250: a batch-1000 forward pass grew the wasm heap
 * from ≈ 0.5 GB to ≈ 1.25 GB, 250 stays within the training footprint).
 */
export const EVAL_CHUNK = 250;

/**
 * Tensors of the residual width (batch × tokens × dim) one encoder block keeps for its backward
 * pass: the block input, LayerNorm 1's output, q, k and v as one qkv tensor (3) and split into
 * heads (3), attention·V, its merge back to dim, fc_out, the first residual sum, LayerNorm 2's
 * output, mlp2's output and the second residual sum.
 */
export const RESIDUAL_TENSORS_PER_LAYER = 15;
/** Tensors of the MLP width (batch × tokens × mlp) per block: mlp1's output and the activation's. */
export const MLP_TENSORS_PER_LAYER = 2;
/** Tensors of the attention size (batch × heads × tokens²) per block: QKᵀ, its scaled copy, softmax. */
export const ATTENTION_TENSORS_PER_LAYER = 3;
/**
 * Backward pass: gradients with respect to the activations, as a fraction of the saved
 * activations. The fused kernels (vit/kernels/) write each gradient once and tfjs frees it when
 * consumed, so few are alive at a time. Calibrated with bench/memory.ts (2026-12-01, this engine,
 * one instance, batch 100): the seed config's heap grows 162 MB over a training step, where the
 * forward count below at batch 100 is ≈ 162 MB; 0.25 keeps the estimate a little above that.
 */
export const ACTIVATION_GRADIENT_FACTOR = 0.25;

/**
 * Evaluation keeps fewer intermediates than a training forward pass (no tensors saved for a
 * backward). Calibrated with bench/memory.ts (2026-12-01, seed config, one instance): evaluating in
 * chunks of 250 grows the heap 198 MB, against ≈ 405 MB for the forward count at 250 images.
 */
export const EVAL_ACTIVATION_FACTOR = 0.55;

/**
 * GELU runs through the reference ops (tfjs's own erf and products, not a fused kernel), which keep
 * several intermediates per MLP element. Measured (bench/memory.ts, 2026-12-01, one instance, batch
 * 100): the `improved` preset (GELU, and dropout masks) grows the heap 430 MB over training against
 * 162 MB for the same model with ReLU (2.65×; with the gradient factor above, 2.2 covers it).
 */
export const GELU_ACTIVATION_FACTOR = 2.2;
/** Each activation's factor on the activation memory: a new activation does not type-check until it is here. */
const ACTIVATION_MEMORY = { relu: 1, gelu: GELU_ACTIVATION_FACTOR } satisfies Record<ModelConfig['activation'], number>;

/**
 * The largest linear memory the tfjs wasm build can grow to: emscripten's getHeapMax() in
 * @tensorflow/tfjs-backend-wasm 4.22's wasm-out/tfjs-backend-wasm.js returns 4294901760
 * (4 GiB − 64 KiB). Every tensor of one tfjs instance must fit in it.
 */
export const WASM_HEAP_MAX_BYTES = 4_294_901_760;

export type MemoryTermName = 'weights' | 'gradients' | 'optimizer' | 'trainActivations' | 'evalActivations' | 'instances' | 'host' | 'runtime';

/**
 * The worker process before any tensor: Node, V8, TensorFlow.js and its wasm module. Not counted
 * term by term; taken from issue 13's bench of the seed config on one tfjs instance: 721 MB peak
 * RSS, of which the terms below account for ≈ 465 MiB.
 */
export const RUNTIME_BYTES = 256 * 1024 ** 2;

export interface MemoryTerm {
  /** As a message shows it. */
  label: string;
  bytes: number;
  /** How the term is counted, in words a user can check. */
  how: string;
}

export interface MemoryEstimate {
  params: number;
  /** Every term by name (in the order a message lists them). */
  terms: Record<MemoryTermName, MemoryTerm>;
  /** Tensors held during a training step by one instance holding the whole batch. */
  trainStepBytes: number;
  /** Tensors held while one evaluation chunk runs (no gradients then: the step freed them). */
  evalChunkBytes: number;
  /** The most tensor memory one tfjs instance (one wasm heap) needs: max of the two above. */
  perInstanceBytes: number;
  /** The most the whole worker process needs with `instances` tfjs instances, host buffers and runtime included. */
  processBytes: number;
  instances: number;
}

/** The data set sizes the host buffers depend on: images per split, side and channels. */
export interface DataSize {
  trainCount: number;
  testCount: number;
  image: number;
  channels: number;
}

/**
 * Floats of the activations one forward pass keeps, for `batch` images: the patch embedding
 * (input patches, their projection, the cls concat and the position sum), `depth` encoder blocks
 * (see the *_TENSORS_PER_LAYER constants) and the head (its LayerNorm, the logits, softmax and loss).
 */
export function forwardActivationFloats(c: RunConfig, batch: number): number {
  const n = tokens(c);
  const patches = n - 1;
  const patchIn = c.patch * c.patch * c.channels;
  const embed = batch * (patches * patchIn + patches * c.dim + 2 * n * c.dim);
  const perLayer =
    RESIDUAL_TENSORS_PER_LAYER * batch * n * c.dim + MLP_TENSORS_PER_LAYER * batch * n * c.mlp + ATTENTION_TENSORS_PER_LAYER * batch * c.heads * n * n;
  const head = batch * (c.dim + 3 * c.classes);
  return embed + c.depth * perLayer + head;
}

/**
 * The estimate for one run. `instances` tfjs instances train together (each holds the weights and
 * its part's gradients; only the first holds the optimizer moments), `data` sizes the host buffers
 * (the data set's registry sizes when omitted).
 */
export function estimateMemory(c: RunConfig, opts: { instances?: number; data?: DataSize } = {}): MemoryEstimate {
  const instances = Math.max(1, Math.floor(opts.instances ?? 1));
  const data = opts.data ?? { trainCount: 60_000, testCount: 10_000, image: c.image, channels: c.channels };
  const params = computeCost(c, 1).params.total;
  const f = BYTES_PER_FLOAT;
  const weights = params * f;
  const gradients = params * f;
  const moments = ADAM_MOMENTS * params * f;
  // Each of the N instances computes its part of every batch and evaluation chunk (issue 13's
  // engine cuts both into N parts), in its own wasm heap.
  const part = (n: number) => Math.ceil(n / instances);
  const activation = ACTIVATION_MEMORY[c.activation];
  const trainActivations = forwardActivationFloats(c, part(c.batch)) * (1 + ACTIVATION_GRADIENT_FACTOR) * activation * f;
  const evalActivations = forwardActivationFloats(c, part(Math.min(EVAL_CHUNK, Math.max(1, data.testCount)))) * EVAL_ACTIVATION_FACTOR * activation * f;
  // Each further instance: its own heap (weights, gradients and its part's activations, counted in
  // perInstanceBytes), plus the flat weight and gradient buffers the instances exchange them through.
  const copies = (instances - 1) * 2 * params * f;
  const pixels = data.image * data.image * data.channels;
  // The parsed IDX files stay whole in the in-process cache whatever the limits (uint8), and one
  // float32 buffer holds the patches of the largest batch or evaluation chunk.
  const dataset = (data.trainCount + data.testCount) * (pixels + 1);
  const patchBuffer = Math.max(c.batch, EVAL_CHUNK) * (tokens(c) - 1) * c.patch * c.patch * c.channels * f;

  const trainStepBytes = weights + gradients + moments + trainActivations;
  const evalChunkBytes = weights + moments + evalActivations;
  const perInstanceBytes = Math.max(trainStepBytes, evalChunkBytes);
  const terms: Record<MemoryTermName, MemoryTerm> = {
    weights: { label: 'weights', bytes: weights, how: `${params.toLocaleString('en-US')} parameters × 4 bytes` },
    gradients: { label: 'gradients', bytes: gradients, how: 'one float per parameter' },
    optimizer: { label: 'optimizer state', bytes: moments, how: `Adam's ${ADAM_MOMENTS} moments per parameter` },
    trainActivations: { label: 'training activations', bytes: trainActivations, how: `forward pass at batch ${part(c.batch)} per instance kept for backward, and their gradients` },
    evalActivations: { label: 'evaluation activations', bytes: evalActivations, how: `one forward pass over ${part(EVAL_CHUNK)} test images per instance (chunks of ${EVAL_CHUNK})` },
    instances: { label: 'further instances', bytes: copies + (instances - 1) * perInstanceBytes, how: `${instances - 1} more tfjs instance(s), each with a heap like the first, and the exchange buffers` },
    host: { label: 'data set and batch buffers', bytes: dataset + patchBuffer, how: 'images and labels as bytes, patches of one batch as floats' },
    runtime: { label: 'runtime', bytes: RUNTIME_BYTES, how: 'Node, V8, TensorFlow.js and its wasm module' },
  };
  return { params, terms, trainStepBytes, evalChunkBytes, perInstanceBytes, processBytes: instances * perInstanceBytes + copies + dataset + patchBuffer + RUNTIME_BYTES, instances };
}

/** Bytes as GiB or MiB with one decimal, for messages. */
export function formatBytes(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GiB` : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

/** The biggest terms, largest first, as "weights 23.8 GiB, optimizer state 47.7 GiB" (for messages). */
export function largestTerms(e: MemoryEstimate, count = 3): string {
  return Object.values(e.terms)
    .filter((t) => t.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, count)
    .map((t) => `${t.label} ${formatBytes(t.bytes)}`)
    .join(', ');
}

/**
 * The field a memory refusal names and what to change. Batch only when the training step's
 * activations dominate: evaluation runs in chunks of EVAL_CHUNK whatever the batch, and the
 * weights with their gradients and moments do not depend on it.
 */
export function memoryAdvice(e: MemoryEstimate): { field: 'batch' | 'dim'; fix: string } {
  const t = e.terms;
  const states = t.weights.bytes + t.gradients.bytes + t.optimizer.bytes;
  if (t.trainActivations.bytes >= t.evalActivations.bytes && t.trainActivations.bytes >= states) {
    return { field: 'batch', fix: 'lower batch, depth, dim or mlp, or raise patch' };
  }
  return { field: 'dim', fix: t.evalActivations.bytes >= states ? 'lower dim, mlp or depth, or raise patch' : 'lower dim, mlp or depth' };
}
