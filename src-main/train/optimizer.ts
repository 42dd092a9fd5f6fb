import * as tf from '@tensorflow/tfjs';
import { adamwStep } from '../vit/kernels/adam.js';
import type { FlatLayout } from '../vit/params.js';

/**
 * Adam / AdamW (PyTorch's update rule) over the flat parameter layout of params.ts: the moments
 * are two Float32Arrays, the update is one loop (kernels/adam.ts). tfjs has no AdamW, and a run
 * must checkpoint and restore the moments to resume exactly.
 */
export class AdamW {
  readonly m: Float32Array;
  readonly v: Float32Array;
  step = 0;
  private readonly segments;

  constructor(
    readonly layout: FlatLayout,
    readonly weightDecay = 0,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly eps = 1e-8,
  ) {
    this.m = new Float32Array(layout.total);
    this.v = new Float32Array(layout.total);
    this.segments = { offsets: layout.offsets, sizes: layout.sizes, decay: layout.specs.map((s) => s.decay) };
  }

  /** Updates the flat weights `w` in place from the flat gradients `g`. */
  apply(w: Float32Array, g: Float32Array, lr: number): void {
    this.step++;
    adamwStep(w, g, this.m, this.v, this.segments, { lr, beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay: this.weightDecay, step: this.step });
  }

  /** Moments in parameter order as tensors, for checkpoints (the caller disposes them). */
  state(): { name: string; tensor: tf.Tensor }[] {
    const { specs, offsets, sizes } = this.layout;
    return specs.flatMap((s, i) => [
      { name: `${s.name}.exp_avg`, tensor: tf.tensor(this.m.slice(offsets[i], offsets[i] + sizes[i]), s.shape, 'float32') },
      { name: `${s.name}.exp_avg_sq`, tensor: tf.tensor(this.v.slice(offsets[i], offsets[i] + sizes[i]), s.shape, 'float32') },
    ]);
  }

  restore(step: number, tensors: Record<string, tf.Tensor>): void {
    const { specs, offsets, sizes } = this.layout;
    specs.forEach((s, i) => {
      const m = tensors[`${s.name}.exp_avg`];
      const v = tensors[`${s.name}.exp_avg_sq`];
      if (!m || !v) throw new Error(`checkpoint: optimizer state for ${s.name} is missing`);
      if (m.size !== sizes[i] || v.size !== sizes[i]) throw new Error(`checkpoint: optimizer state for ${s.name} has ${m.size} values, the model needs ${sizes[i]}`);
      this.m.set(m.dataSync() as Float32Array, offsets[i]);
      this.v.set(v.dataSync() as Float32Array, offsets[i]);
    });
    this.step = step;
  }
}
