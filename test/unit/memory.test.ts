import { describe, expect, it } from 'vitest';
import { PRESETS, SEED_CONFIG } from '../../src-main/vit/config.js';
import {
  ACTIVATION_GRADIENT_FACTOR,
  ADAM_MOMENTS,
  BYTES_PER_FLOAT,
  EVAL_CHUNK,
  estimateMemory,
  forwardActivationFloats,
  memoryAdvice,
  EVAL_ACTIVATION_FACTOR,
  RUNTIME_BYTES,
} from '../../src-main/vit/memory.js';

describe('memory estimate', () => {
  it('counts weights, gradients and Adam moments from the analytic parameter count (seed: 205,066)', () => {
    const e = estimateMemory(SEED_CONFIG);
    expect(e.params).toBe(205_066);
    expect(e.terms.weights.bytes).toBe(205_066 * BYTES_PER_FLOAT);
    expect(e.terms.gradients.bytes).toBe(205_066 * BYTES_PER_FLOAT);
    expect(e.terms.optimizer.bytes).toBe(ADAM_MOMENTS * 205_066 * BYTES_PER_FLOAT);
  });

  it('training activations scale with the batch, evaluation activations with the fixed chunk', () => {
    const a = estimateMemory({ ...SEED_CONFIG, batch: 100 });
    const b = estimateMemory({ ...SEED_CONFIG, batch: 200 });
    expect(a.terms.trainActivations.bytes).toBe(forwardActivationFloats(SEED_CONFIG, 100) * (1 + ACTIVATION_GRADIENT_FACTOR) * BYTES_PER_FLOAT);
    expect(b.terms.trainActivations.bytes).toBeCloseTo(2 * a.terms.trainActivations.bytes, -3);
    expect(b.terms.evalActivations.bytes).toBe(a.terms.evalActivations.bytes);
    expect(a.terms.evalActivations.bytes).toBe(forwardActivationFloats(SEED_CONFIG, EVAL_CHUNK) * EVAL_ACTIVATION_FACTOR * BYTES_PER_FLOAT);
  });

  it('the peak of one instance is the larger of a training step and an evaluation chunk', () => {
    for (const p of Object.values(PRESETS)) {
      const e = estimateMemory(p.config);
      const t = e.terms;
      expect(e.trainStepBytes).toBe(t.weights.bytes + t.gradients.bytes + t.optimizer.bytes + t.trainActivations.bytes);
      expect(e.evalChunkBytes).toBe(t.weights.bytes + t.optimizer.bytes + t.evalActivations.bytes);
      expect(e.perInstanceBytes).toBe(Math.max(e.trainStepBytes, e.evalChunkBytes));
    }
  });

  it('N instances each hold a heap for their part of the batch, plus exchange buffers; the data set is counted once', () => {
    const one = estimateMemory(SEED_CONFIG, { instances: 1 });
    const three = estimateMemory(SEED_CONFIG, { instances: 3 });
    expect(one.terms.instances.bytes).toBe(0);
    // Batch 100 in parts of 34, evaluation chunks of 250 in parts of 84.
    expect(three.terms.trainActivations.bytes).toBe(forwardActivationFloats(SEED_CONFIG, 34) * (1 + ACTIVATION_GRADIENT_FACTOR) * BYTES_PER_FLOAT);
    expect(three.terms.evalActivations.bytes).toBe(forwardActivationFloats(SEED_CONFIG, 84) * EVAL_ACTIVATION_FACTOR * BYTES_PER_FLOAT);
    expect(three.terms.instances.bytes).toBe(2 * 2 * 205_066 * BYTES_PER_FLOAT + 2 * three.perInstanceBytes);
    expect(three.processBytes).toBe(3 * three.perInstanceBytes + 2 * 2 * 205_066 * BYTES_PER_FLOAT + one.terms.host.bytes + RUNTIME_BYTES);
    // 70,000 images of 784 bytes plus a label byte each, and the patch buffer of 250 images.
    expect(one.terms.host.bytes).toBe(70_000 * 785 + 250 * 49 * 16 * BYTES_PER_FLOAT);
  });

  it('names batch when the training step dominates, dim when weights or evaluation chunks do', () => {
    expect(memoryAdvice(estimateMemory({ ...SEED_CONFIG, batch: 4096 })).field).toBe('batch');
    expect(memoryAdvice(estimateMemory({ ...SEED_CONFIG, batch: 1 })).field).toBe('dim');
    expect(memoryAdvice(estimateMemory({ ...SEED_CONFIG, patch: 28, dim: 4096, mlp: 16_384, heads: 8, batch: 1 }))).toEqual({ field: 'dim', fix: 'lower dim, mlp or depth' });
  });
});
