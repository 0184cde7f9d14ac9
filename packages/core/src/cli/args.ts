/**
 * The `rivulet` command line's argument parsing: each command declares its options, and what does
 * not fit them is a {@link UsageError} (exit code 2) that names the argument and the command's help.
 */
import { parseArgs } from 'node:util';

/** The exit codes of `rivulet`, as `runApp`'s: 0 done, 1 failed, 2 wrong usage or configuration. */
export const CLI_EXIT = { OK: 0, FAILURE: 1, USAGE: 2 } as const;

/** Wrong arguments or configuration: printed with a pointer to `--help`, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** One option of a command. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  /** One line for `--help`. */
  readonly help: string;
  /** Shown as `--name VALUE` in the help. */
  readonly value?: string;
}

/** A command's parsed arguments. */
export interface ParsedArgs {
  readonly positionals: readonly string[];
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
}

/**
 * Parses a command's arguments (after the command name) against its options: `--name value`,
 * `--name=value`, `--flag`. An unknown option, a missing value or a repeated option is a UsageError.
 */
export function parseCommandArgs(command: string, argv: readonly string[], options: Readonly<Record<string, OptionSpec>>): ParsedArgs {
  const config = Object.fromEntries(Object.entries(options).map(([name, o]) => [name, { type: o.type }]));
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: { ...config, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true, tokens: true });
  } catch (error) {
    throw new UsageError(`${command}: ${usageReason(error as Error, Object.keys(options))}`);
  }
  const seen = new Set<string>();
  for (const token of parsed.tokens ?? []) {
    if (token.kind !== 'option') continue;
    if (seen.has(token.name)) throw new UsageError(`${command}: --${token.name} is given more than once`);
    seen.add(token.name);
  }
  return { positionals: parsed.positionals, values: parsed.values as Record<string, string | boolean | undefined> };
}

/** node:util's parse errors, said in the command's terms. */
function usageReason(error: Error, known: readonly string[]): string {
  const code = (error as NodeJS.ErrnoException).code;
  const option = /'(-[^']*)'/.exec(error.message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    return `unknown option ${option ?? error.message}; the options are ${known.map((k) => `--${k}`).join(', ')} (and --help)`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    return /argument missing/.test(error.message) ? `${option?.split(' ')[0] ?? 'an option'} needs a value` : error.message;
  }
  return error.message;
}

/** A required string option, or a UsageError naming it. */
export function requiredString(command: string, args: ParsedArgs, name: string): string {
  const value = args.values[name];
  if (typeof value !== 'string' || value.length === 0) throw new UsageError(`${command}: --${name} is required`);
  return value;
}

/** A comma-separated list option (`a,b`), empty entries dropped; undefined when not given. */
export function listOption(args: ParsedArgs, name: string): string[] | undefined {
  const value = args.values[name];
  if (typeof value !== 'string') return undefined;
  return value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

/** An integer option within bounds, or a UsageError naming it and the value. */
export function integerOption(command: string, args: ParsedArgs, name: string, min: number): number | undefined {
  const value = args.values[name];
  if (value === undefined) return undefined;
  const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`${command}: --${name} must be an integer >= ${min}, got '${String(value)}'`);
  return n;
}

/** The `--help` text of a command: its usage line, what it does and its options. */
export function commandHelp(usage: string, description: string, options: Readonly<Record<string, OptionSpec>>): string {
  const rows: (readonly [string, string])[] = Object.entries(options).map(([name, o]) => [`--${name}${o.value !== undefined ? ` ${o.value}` : ''}`, o.help] as const);
  rows.push(['-h, --help', 'show this help']);
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return `usage: ${usage}\n\n${description}\n\noptions:\n${rows.map(([flag, help]) => `  ${flag.padEnd(width)}  ${help}`).join('\n')}\n`;
}
