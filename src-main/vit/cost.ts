import type { ModelConfig } from './config.js';
import { tokens } from './tokens.js';

/**
 * Analytic parameter and MAC counts, with the seed report's convention: MACs of the linear layers
 * (bias excluded) plus both attention matmuls; bias adds, LayerNorm, softmax, activations, the
 * cls/pos additions and dropout are not counted. This is fvcore's convention for the matmuls
 * (thop and torchinfo miss the attention matmuls; ptflops also counts some elementwise work).
 */
export const MAC_CONVENTION =
  'MACs count multiply-accumulates of the linear layers (bias excluded) and of both attention matmuls (QKᵀ and attn·V); ' +
  'bias adds, LayerNorm, softmax, activations, the cls/position additions and dropout are excluded. FLOPs = 2 × MACs.';

export interface CostLine {
  name: string;
  /** How the number is computed, in the seed report's words. */
  formula: string;
  value: number;
}

export interface CostBreakdown {
  tokens: number;
  headDim: number;
  batch: number;
  params: {
    layer: CostLine[];
    layerTotal: number;
    model: CostLine[];
    total: number;
  };
  macs: {
    /** One encoder layer at the given batch. */
    layer: CostLine[];
    layerTotal: number;
    /** Whole model at the given batch. */
    model: CostLine[];
    perBatch: number;
    perImage: number;
  };
  flops: { perImage: number; perBatch: number; layer: number };
  convention: string;
}

const linearParams = (inF: number, outF: number) => inF * outF + outF;
const fmt = (n: number) => n.toLocaleString('en-US');

export function layerParams(c: ModelConfig): CostLine[] {
  const d = c.dim;
  return [
    { name: 'norm1', formula: `${d} + ${d}`, value: 2 * d },
    { name: 'qkv', formula: `${d} × ${3 * d} + ${3 * d}`, value: linearParams(d, 3 * d) },
    { name: 'fc_out', formula: `${d} × ${d} + ${d}`, value: linearParams(d, d) },
    { name: 'norm2', formula: `${d} + ${d}`, value: 2 * d },
    { name: 'mlp1', formula: `${d} × ${c.mlp} + ${c.mlp}`, value: linearParams(d, c.mlp) },
    { name: 'mlp2', formula: `${c.mlp} × ${d} + ${d}`, value: linearParams(c.mlp, d) },
  ];
}

export function layerMacs(c: ModelConfig, batch: number): CostLine[] {
  const n = tokens(c);
  const d = c.dim;
  const hd = d / c.heads;
  const lin = (inF: number, outF: number) => ({
    formula: `${batch} × ${n} × ${inF} × ${outF}`,
    value: batch * n * inF * outF,
  });
  return [
    { name: 'qkv', ...lin(d, 3 * d) },
    { name: 'QKᵀ', formula: `${batch} × ${c.heads} × ${n} × (${hd} × ${n})`, value: batch * c.heads * n * hd * n },
    { name: 'attn·V', formula: `${batch} × ${c.heads} × ${n} × (${n} × ${hd})`, value: batch * c.heads * n * n * hd },
    { name: 'fc_out', ...lin(d, d) },
    { name: 'mlp1', ...lin(d, c.mlp) },
    { name: 'mlp2', ...lin(c.mlp, d) },
  ];
}

const sum = (lines: CostLine[]) => lines.reduce((s, l) => s + l.value, 0);

export function computeCost(c: ModelConfig, batch = 100): CostBreakdown {
  const n = tokens(c);
  const d = c.dim;
  const patchIn = c.patch * c.patch * c.channels;
  const lp = layerParams(c);
  const layerTotal = sum(lp);
  const modelParams: CostLine[] = [
    { name: 'patch_embedding', formula: `${patchIn} × ${d} + ${d}`, value: linearParams(patchIn, d) },
    { name: 'cls_token', formula: `${d}`, value: d },
    { name: 'pos_embedding', formula: `${n} × ${d}`, value: n * d },
    { name: 'transformer_encoders', formula: `${c.depth} × ${fmt(layerTotal)}`, value: c.depth * layerTotal },
    { name: 'mlp_head.norm', formula: `${d} + ${d}`, value: 2 * d },
    { name: 'mlp_head.linear', formula: `${d} × ${c.classes} + ${c.classes}`, value: linearParams(d, c.classes) },
  ];
  const lm = layerMacs(c, batch);
  const layerMacTotal = sum(lm);
  const modelMacs: CostLine[] = [
    {
      name: 'patch_embedding',
      formula: `${batch} × ${n - 1} × ${patchIn} × ${d}`,
      value: batch * (n - 1) * patchIn * d,
    },
    { name: 'transformer_encoders', formula: `${c.depth} × ${fmt(layerMacTotal)}`, value: c.depth * layerMacTotal },
    { name: 'mlp_head.linear', formula: `${batch} × ${d} × ${c.classes}`, value: batch * d * c.classes },
  ];
  const perBatch = sum(modelMacs);
  return {
    tokens: n,
    headDim: d / c.heads,
    batch,
    params: { layer: lp, layerTotal, model: modelParams, total: sum(modelParams) },
    macs: { layer: lm, layerTotal: layerMacTotal, model: modelMacs, perBatch, perImage: perBatch / batch },
    flops: { perImage: (2 * perBatch) / batch, perBatch: 2 * perBatch, layer: 2 * layerMacTotal },
    convention: MAC_CONVENTION,
  };
}
