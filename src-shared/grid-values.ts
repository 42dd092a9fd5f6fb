/**
 * Parses a sweep's value list ("2, 4,6" → [2, 4, 6], "relu,gelu" → ['relu', 'gelu']). No imports:
 * the CLI and the dashboard's sweep builder share this one rule.
 */
export function parseGridValues(raw: string): (string | number)[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => (/^-?\d+(\.\d+)?(e-?\d+)?$/i.test(s) ? Number(s) : s));
}
