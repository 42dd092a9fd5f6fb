import type { RunConfig } from '../vit/config.js';
import { VitModel } from '../vit/model.js';

/** Every parameter's name and shape for a config, read off the model itself (model.ts declares them once). */
export function parameterShapes(config: RunConfig): { name: string; shape: number[] }[] {
  const model = new VitModel(config, 0, 'reference');
  try {
    return model.namedVariables().map((v) => ({ name: v.name, shape: [...v.variable.shape] }));
  } finally {
    model.dispose();
  }
}
