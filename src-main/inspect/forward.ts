import type { ModelConfig } from '../vit/config.js';
import type { PlainWeights } from './weights.js';

/**
 * One image through the model in plain JS, keeping every attention matrix: the reference
 * formulation (vit/reference.ts) written out over float32 arrays, so that inspecting a run needs
 * no change to the training engine's kernels (which never materialise attention for the caller).
 * One seed-sized image is ≈ 11 M multiply-adds: milliseconds, run in the inspection worker.
 */
export interface AttentionForward {
  logits: Float32Array;
  /** attention[layer][head]: N × N row-major softmax(QKᵀ/√d), N = patches + 1, token 0 the cls token. */
  attention: Float32Array[][];
}

function get(w: PlainWeights, name: string): Float32Array {
  const t = w[name];
  if (!t) throw new Error(`checkpoint: no weight ${name}`);
  return t.data;
}

/** y[n, out] = b + x[n, in] · W[in, out] (the app's [in, out] layout). */
function linear(x: Float32Array, rows: number, inF: number, W: Float32Array, b: Float32Array): Float32Array {
  const outF = b.length;
  const y = new Float32Array(rows * outF);
  for (let n = 0; n < rows; n++) {
    const yo = n * outF;
    y.set(b, yo);
    for (let i = 0; i < inF; i++) {
      const xv = x[n * inF + i];
      if (xv === 0) continue;
      const wo = i * outF;
      for (let j = 0; j < outF; j++) y[yo + j] += xv * W[wo + j];
    }
  }
  return y;
}

function layerNorm(x: Float32Array, rows: number, d: number, g: Float32Array, b: Float32Array, eps = 1e-5): Float32Array {
  const y = new Float32Array(rows * d);
  for (let n = 0; n < rows; n++) {
    let mean = 0;
    for (let j = 0; j < d; j++) mean += x[n * d + j];
    mean /= d;
    let v = 0;
    for (let j = 0; j < d; j++) v += (x[n * d + j] - mean) ** 2;
    const inv = 1 / Math.sqrt(v / d + eps);
    for (let j = 0; j < d; j++) y[n * d + j] = (x[n * d + j] - mean) * inv * g[j] + b[j];
  }
  return y;
}

/** erf to 1.5e-7 (Abramowitz & Stegun 7.1.26): enough for GELU here, far below float32 noise of the model. */
function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

/** Each activation on one value (a new activation does not type-check until it is here). */
const ACTIVATION = {
  relu: (v: number) => Math.max(0, v),
  gelu: (v: number) => 0.5 * v * (1 + erf(v * Math.SQRT1_2)),
} satisfies Record<ModelConfig['activation'], (v: number) => number>;

export function forwardWithAttention(c: ModelConfig, w: PlainWeights, patches: Float32Array): AttentionForward {
  const d = c.dim;
  const P = (c.image / c.patch) ** 2;
  const F = c.patch * c.patch * c.channels;
  const N = P + 1;
  const h = c.heads;
  const hd = d / h;
  if (patches.length !== P * F) throw new Error(`forward: expected ${P * F} patch values, got ${patches.length}`);
  const emb = linear(patches, P, F, get(w, 'patch_embedding.weight'), get(w, 'patch_embedding.bias'));
  let x = new Float32Array(N * d);
  x.set(get(w, 'cls_token'), 0);
  x.set(emb, d);
  const pos = get(w, 'pos_embedding');
  for (let i = 0; i < N * d; i++) x[i] += pos[i];

  const attention: Float32Array[][] = [];
  for (let l = 0; l < c.depth; l++) {
    const p = `transformer_encoders.${l}`;
    const qkv = linear(layerNorm(x, N, d, get(w, `${p}.norm1.norm.weight`), get(w, `${p}.norm1.norm.bias`)), N, d, get(w, `${p}.mha.qkv.weight`), get(w, `${p}.mha.qkv.bias`));
    const out = new Float32Array(N * d);
    const heads: Float32Array[] = [];
    const scale = 1 / Math.sqrt(hd);
    for (let hh = 0; hh < h; hh++) {
      const a = new Float32Array(N * N);
      for (let n = 0; n < N; n++) {
        let max = -Infinity;
        for (let m = 0; m < N; m++) {
          let s = 0;
          for (let t = 0; t < hd; t++) s += qkv[n * 3 * d + hh * hd + t] * qkv[m * 3 * d + d + hh * hd + t];
          a[n * N + m] = s * scale;
          if (a[n * N + m] > max) max = a[n * N + m];
        }
        let sum = 0;
        for (let m = 0; m < N; m++) {
          a[n * N + m] = Math.exp(a[n * N + m] - max);
          sum += a[n * N + m];
        }
        for (let m = 0; m < N; m++) a[n * N + m] /= sum;
        for (let t = 0; t < hd; t++) {
          let s = 0;
          for (let m = 0; m < N; m++) s += a[n * N + m] * qkv[m * 3 * d + 2 * d + hh * hd + t];
          out[n * d + hh * hd + t] = s;
        }
      }
      heads.push(a);
    }
    attention.push(heads);
    const proj = linear(out, N, d, get(w, `${p}.mha.fc_out.weight`), get(w, `${p}.mha.fc_out.bias`));
    for (let i = 0; i < N * d; i++) x[i] += proj[i];
    const hid = linear(layerNorm(x, N, d, get(w, `${p}.norm2.norm.weight`), get(w, `${p}.norm2.norm.bias`)), N, d, get(w, `${p}.mlp.mlp.0.weight`), get(w, `${p}.mlp.mlp.0.bias`));
    const act = ACTIVATION[c.activation];
    for (let i = 0; i < hid.length; i++) hid[i] = act(hid[i]);
    const mlp = linear(hid, N, c.mlp, get(w, `${p}.mlp.mlp.2.weight`), get(w, `${p}.mlp.mlp.2.bias`));
    const next = new Float32Array(N * d);
    for (let i = 0; i < N * d; i++) next[i] = x[i] + mlp[i];
    x = next;
  }
  const cls = layerNorm(x.subarray(0, d), 1, d, get(w, 'mlp_head.0.weight'), get(w, 'mlp_head.0.bias'));
  return { logits: linear(cls, 1, d, get(w, 'mlp_head.1.weight'), get(w, 'mlp_head.1.bias')), attention };
}
