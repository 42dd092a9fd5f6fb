import { type ModelConfig } from './config.js';

/** PyTorch's printout of each activation module (a new activation does not type-check until it is here). */
const TORCH_ACTIVATION = { relu: 'ReLU()', gelu: "GELU(approximate='none')" } satisfies Record<ModelConfig['activation'], string>;

/**
 * The model as PyTorch's `print(model)` shows it, module names as in the seed report, so a user can
 * paste it into a report beside the seed's. A ModuleList of identical blocks folds to `(0-3): 4 x`.
 */
export function modelSummary(c: ModelConfig): string {
  const linear = (i: number, o: number) => `Linear(in_features=${i}, out_features=${o}, bias=True)`;
  const layerNorm = `LayerNorm((${c.dim},), eps=1e-05, elementwise_affine=True)`;
  const act = TORCH_ACTIVATION[c.activation];
  const dropout = `Dropout(p=${c.dropout}, inplace=False)`;

  const mlpItems =
    c.dropout > 0 ? [linear(c.dim, c.mlp), act, dropout, linear(c.mlp, c.dim), dropout] : [linear(c.dim, c.mlp), act, linear(c.mlp, c.dim)];
  const blockLabel = c.depth === 1 ? '(0): Transformer_Encoder(' : `(0-${c.depth - 1}): ${c.depth} x Transformer_Encoder(`;

  const lines = [
    'ViT(',
    `  (patch_embedding): ${linear(c.patch * c.patch * c.channels, c.dim)}`,
    '  (transformer_encoders): ModuleList(',
    `    ${blockLabel}`,
    '      (norm1): Norm(',
    `        (norm): ${layerNorm}`,
    '      )',
    '      (mha): Multi_Head_Attention(',
    `        (qkv): ${linear(c.dim, 3 * c.dim)}`,
    `        (fc_out): ${linear(c.dim, c.dim)}`,
    '      )',
    '      (norm2): Norm(',
    `        (norm): ${layerNorm}`,
    '      )',
    '      (mlp): MLP(',
    '        (mlp): Sequential(',
    ...mlpItems.map((m, i) => `          (${i}): ${m}`),
    '        )',
    '      )',
    '    )',
    '  )',
    '  (mlp_head): Sequential(',
    `    (0): ${layerNorm}`,
    `    (1): ${linear(c.dim, c.classes)}`,
    '  )',
    ')',
  ];
  return lines.join('\n');
}
