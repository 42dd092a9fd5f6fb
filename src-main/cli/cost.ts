import { MODEL_KEYS, tokens, type RunConfig } from '../vit/config.js';
import { computeCost, type CostBreakdown } from '../vit/cost.js';
import { configFromFlags, numberFlag, parseFlags, UsageError } from './args.js';
import { textTable } from './table.js';

export const COST_USAGE = `vitlab cost [--preset NAME] [--depth N --heads N --patch N --dim N --mlp N --image N --channels N --classes N] [--batch N] [--json]
  Parameters and MACs of a ViT, per encoder layer, per block and for the whole model.`;

export function describeModel(c: RunConfig): string {
  return `image ${c.image}×${c.image}×${c.channels}, patch ${c.patch} → N = ${tokens(c)} tokens, dim ${c.dim}, depth ${c.depth}, heads ${c.heads} (head dim ${c.dim / c.heads}), mlp ${c.mlp}, ${c.classes} classes`;
}

export function costText(c: RunConfig, cost: CostBreakdown): string {
  const B = cost.batch;
  const out: string[] = [];
  out.push(`ViT cost: ${describeModel(c)}`, '');
  out.push('Parameters, one encoder layer');
  out.push(textTable(['layer', 'formula', 'params'], [...cost.params.layer.map((l) => [l.name, l.formula, l.value]), ['total', '', cost.params.layerTotal]], { indent: '  ' }));
  out.push('', 'Parameters, whole model');
  out.push(textTable(['part', 'formula', 'params'], [...cost.params.model.map((l) => [l.name, l.formula, l.value]), ['total', '', cost.params.total]], { indent: '  ' }));
  out.push('', `MACs, one encoder layer (B = ${B}, N = ${cost.tokens})`);
  out.push(
    textTable(
      ['op', 'formula', 'MACs', 'FLOPs'],
      [...cost.macs.layer.map((l) => [l.name, l.formula, l.value, 2 * l.value]), ['total', '', cost.macs.layerTotal, 2 * cost.macs.layerTotal]],
      { indent: '  ' },
    ),
  );
  out.push('', `MACs, whole model`);
  out.push(
    textTable(
      ['part', `per batch (B = ${B})`, 'per image'],
      [...cost.macs.model.map((l) => [l.name, l.value, l.value / B]), ['total MACs', cost.macs.perBatch, cost.macs.perImage], ['total FLOPs', cost.flops.perBatch, cost.flops.perImage]],
      { indent: '  ' },
    ),
  );
  out.push('', `Convention: ${cost.convention}`);
  return out.join('\n');
}

export function runCost(argv: string[], print: (s: string) => void): number {
  const { values } = parseFlags(argv, { preset: { type: 'string' }, json: { type: 'boolean' } });
  if (values.help) {
    print(COST_USAGE);
    return 0;
  }
  const config = configFromFlags(values);
  const batch = numberFlag('batch', values.batch as string | undefined) ?? config.batch;
  if (!Number.isInteger(batch) || batch < 1) throw new UsageError(`--batch: must be a positive whole number`);
  const cost = computeCost(config, batch);
  if (values.json) {
    const model = Object.fromEntries(MODEL_KEYS.map((k) => [k, config[k]]));
    print(JSON.stringify({ config: model, ...cost }, null, 2));
  } else {
    print(costText(config, cost));
  }
  return 0;
}
