import * as tf from '@tensorflow/tfjs';

export interface OptimizedVariable {
  name: string;
  variable: tf.Variable;
  decay: boolean;
}

/**
 * Adam / AdamW written out (PyTorch's update rule, eps outside the square root), because tfjs has
 * no AdamW, and because a run must checkpoint and restore the moments to resume exactly.
 */
export class AdamW {
  readonly m: tf.Variable[];
  readonly v: tf.Variable[];
  step = 0;

  constructor(
    readonly vars: OptimizedVariable[],
    readonly weightDecay = 0,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly eps = 1e-8,
  ) {
    this.m = vars.map((v) => tf.variable(tf.zerosLike(v.variable), false));
    this.v = vars.map((v) => tf.variable(tf.zerosLike(v.variable), false));
  }

  apply(grads: Record<string, tf.Tensor>, lr: number): void {
    this.step++;
    const bc1 = 1 - this.beta1 ** this.step;
    const bc2 = 1 - this.beta2 ** this.step;
    tf.tidy(() => {
      this.vars.forEach((ov, i) => {
        const g = grads[ov.variable.name];
        if (!g) throw new Error(`optimizer: no gradient for ${ov.name}`);
        const m = this.m[i].mul(this.beta1).add(g.mul(1 - this.beta1));
        const v = this.v[i].mul(this.beta2).add(g.square().mul(1 - this.beta2));
        this.m[i].assign(m);
        this.v[i].assign(v);
        let w: tf.Tensor = ov.variable;
        if (this.weightDecay > 0 && ov.decay) w = w.mul(1 - lr * this.weightDecay);
        const denom = v.sqrt().div(Math.sqrt(bc2)).add(this.eps);
        ov.variable.assign(w.sub(m.div(denom).mul(lr / bc1)));
      });
    });
  }

  /** Moments in variable order, for checkpoints. */
  state(): { name: string; tensor: tf.Tensor }[] {
    return this.vars.flatMap((ov, i) => [
      { name: `${ov.name}.exp_avg`, tensor: this.m[i] as tf.Tensor },
      { name: `${ov.name}.exp_avg_sq`, tensor: this.v[i] as tf.Tensor },
    ]);
  }

  restore(step: number, tensors: Record<string, tf.Tensor>): void {
    this.step = step;
    this.vars.forEach((ov, i) => {
      const m = tensors[`${ov.name}.exp_avg`];
      const v = tensors[`${ov.name}.exp_avg_sq`];
      if (!m || !v) throw new Error(`checkpoint: optimizer state for ${ov.name} is missing`);
      this.m[i].assign(m);
      this.v[i].assign(v);
    });
  }

  dispose(): void {
    for (const t of [...this.m, ...this.v]) t.dispose();
  }
}
