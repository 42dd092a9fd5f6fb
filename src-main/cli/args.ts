import { parseArgs, type ParseArgsConfig } from 'node:util';
import { FIELD_KEYS, flagOf, isNumeric, type FieldKey } from '../../src-shared/fields.js';
import { resolveConfig, type RunConfig } from '../vit/config.js';

/** A usage error: the CLI prints its message and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** CLI flag name for each config field, from the registry (kebab-case for the two-word ones). */
export const CONFIG_FLAGS: Record<string, FieldKey> = Object.fromEntries(FIELD_KEYS.map((k) => [flagOf(k), k]));

export function configFlagOptions(): ParseArgsConfig['options'] {
  return Object.fromEntries(Object.keys(CONFIG_FLAGS).map((f) => [f, { type: 'string' as const }]));
}

export type FlagValues = Record<string, string | boolean | string[] | undefined>;

export function parseFlags(
  argv: string[],
  extra: ParseArgsConfig['options'],
  opts: { positionals?: boolean; configFlags?: boolean } = {},
): { values: FlagValues; positionals: string[] } {
  try {
    const r = parseArgs({
      args: argv,
      options: { ...(opts.configFlags === false ? {} : configFlagOptions()), ...extra, help: { type: 'boolean', short: 'h' } },
      allowPositionals: opts.positionals ?? false,
      strict: true,
    });
    return { values: r.values as FlagValues, positionals: r.positionals };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** A number flag: the value must be a finite number, else a usage error naming the flag. */
export function numberFlag(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name}: "${raw}" is not a number`);
  return n;
}

/** The run config from `--preset` plus config flags, validated (ConfigError names the field). */
export function configFromFlags(values: Record<string, unknown>): RunConfig {
  const overrides: Partial<Record<keyof RunConfig, unknown>> = {};
  for (const [flag, key] of Object.entries(CONFIG_FLAGS)) {
    const raw = values[flag] as string | undefined;
    if (raw === undefined) continue;
    overrides[key] = isNumeric(key) ? numberFlag(flag, raw) : raw;
  }
  return resolveConfig(overrides as Partial<RunConfig>, (values.preset as string | undefined) ?? 'seed');
}
