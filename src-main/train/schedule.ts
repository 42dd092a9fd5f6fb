import type { RunConfig } from '../vit/config.js';

/** The two recipes' fixed hyper-parameters; the user chooses the recipe, lr, batch and epochs. */
export interface Recipe {
  optimizer: 'adam' | 'adamw';
  weightDecay: number;
  warmupEpochs: number;
  cosine: boolean;
  labelSmoothing: number;
  augment: boolean;
}

/** The recipe's hyper-parameters, with the config's own label smoothing where it sets one (not null). */
export function recipeOf(c: Pick<RunConfig, 'recipe' | 'epochs'> & Partial<Pick<RunConfig, 'labelSmoothing'>>): Recipe {
  const own = c.labelSmoothing ?? undefined;
  if (c.recipe === 'seed') {
    // The seed report: plain Adam at a constant rate, no regularisation.
    return { optimizer: 'adam', weightDecay: 0, warmupEpochs: 0, cosine: false, labelSmoothing: own ?? 0, augment: false };
  }
  return {
    optimizer: 'adamw',
    weightDecay: 0.05,
    // A short run still gets a warmup, but never one that eats the whole run.
    warmupEpochs: Math.min(5, Math.max(c.epochs * 0.1, c.epochs > 1 ? 0.5 : 0)),
    cosine: true,
    labelSmoothing: own ?? 0.1,
    augment: true,
  };
}

/** Learning rate at a global step: linear warmup, then cosine decay to zero at the last step. */
export function learningRate(base: number, recipe: Recipe, step: number, stepsPerEpoch: number, epochs: number): number {
  const total = stepsPerEpoch * epochs;
  const warm = Math.round(recipe.warmupEpochs * stepsPerEpoch);
  if (step < warm) return (base * (step + 1)) / warm;
  if (!recipe.cosine) return base;
  const progress = (step - warm) / Math.max(1, total - warm);
  return base * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, progress)));
}
