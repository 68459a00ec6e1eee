import { UsageError } from './usage-error.js';

/** Parsed `--name value` / `--name=value` flags and bare switches (`--attach`). */
export interface ParsedArgs {
  flags: Map<string, string>;
  switches: Set<string>;
  positionals: string[];
}

/**
 * @param valued flags that take a value; every other `--flag` must be in `switches`.
 */
export function parseArgs(argv: readonly string[], valued: readonly string[], switches: readonly string[] = []): ParsedArgs {
  const result: ParsedArgs = { flags: new Map(), switches: new Set(), positionals: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      result.positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    if (switches.includes(name)) {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`);
      result.switches.add(name);
      continue;
    }
    if (!valued.includes(name)) throw new UsageError(`unknown flag --${name}`);
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined || value === '') throw new UsageError(`--${name} needs a value`);
    result.flags.set(name, value);
  }
  return result;
}

/** A flag holding whole milliseconds (or a port, or a count): a non-negative integer within `[min, max]`. */
export function integerFlag(args: ParsedArgs, name: string, { min = 0, max = 2 ** 31 - 1, unit = 'milliseconds' } = {}): number | undefined {
  const raw = args.flags.get(name);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw new UsageError(`--${name} must be a whole number of ${unit}, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new UsageError(`--${name} must be between ${min} and ${max} ${unit}, got ${raw}`);
  return value;
}
