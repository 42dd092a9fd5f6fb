/**
 * Tokens of one image: its patches plus the cls token. Its own module because the config
 * validation (config.ts), the cost model (cost.ts) and the memory estimate (memory.ts) all need
 * it, and config.ts uses the other two: here it depends on nothing.
 */
export function tokens(c: { image: number; patch: number }): number {
  return (c.image / c.patch) ** 2 + 1;
}
