/**
 * The CLI's command model. Contract: `mtcgcnn <verb> DATA... --option value`; data is positional,
 * everything else an option; `--help` on every verb; non-zero exit with a one-line error on failure.
 */
import { parseArgs } from 'node:util';

export interface OptionSpec {
  type: 'string' | 'boolean';
  description: string;
  /** Shown in help; applied by the command itself (so "not given" stays detectable). */
  default?: string;
  /** Placeholder shown in help, e.g. DIR. */
  valueName?: string;
  short?: string;
  multiple?: boolean;
}

export interface CommandIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Progress lines go to stderr and may be overwritten in a terminal. */
  progress: (line: string) => void;
  isTty: boolean;
}

export interface ParsedArgs {
  positionals: string[];
  options: Record<string, string | boolean | string[] | undefined>;
}

export interface Command {
  name: string;
  summary: string;
  /** e.g. "DATASET_DIR" or "FILE..." */
  positionals: string;
  /** Minimum and maximum count of positionals (max Infinity for "..."). */
  arity: [number, number];
  options: Record<string, OptionSpec>;
  /** Extra paragraphs for --help (examples, units, notes). */
  details?: string;
  run(args: ParsedArgs, io: CommandIo): Promise<number>;
}

/** A usage or input error: printed as one line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure of the work itself: printed as one line, exit code 1 (or the given code). */
export class CommandFailure extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CommandFailure';
  }
}

export function parseCommandArgs(cmd: Command, argv: string[]): ParsedArgs {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, spec] of Object.entries(cmd.options)) {
    options[name] = { type: spec.type, ...(spec.short ? { short: spec.short } : {}), ...(spec.multiple ? { multiple: true } : {}) };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message.split('\n')[0] : String(err));
  }
  const values = parsed.values as ParsedArgs['options'];
  if (values.help) return { positionals: parsed.positionals, options: values };
  const [min, max] = cmd.arity;
  if (parsed.positionals.length < min) throw new UsageError(`missing ${cmd.positionals} (see mtcgcnn ${cmd.name} --help)`);
  if (parsed.positionals.length > max) {
    throw new UsageError(`unexpected argument "${parsed.positionals[max]}" (options start with --; see mtcgcnn ${cmd.name} --help)`);
  }
  return { positionals: parsed.positionals, options: values };
}

export function commandHelp(cmd: Command): string {
  const lines = [`Usage: mtcgcnn ${cmd.name}${cmd.positionals ? ' ' + cmd.positionals : ''} [options]`, '', cmd.summary, '', 'Options:'];
  const rows = Object.entries(cmd.options).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.type === 'string' ? ` ${spec.valueName ?? 'VALUE'}` : ''}`;
    const def = spec.default !== undefined ? ` (default: ${spec.default})` : '';
    return [flag, spec.description + def] as const;
  });
  rows.push(['-h, --help', 'show this help']);
  const width = Math.max(...rows.map(([f]) => f.length)) + 2;
  for (const [flag, text] of rows) lines.push(`  ${flag.padEnd(width)}${text}`);
  if (cmd.details) lines.push('', cmd.details.trim());
  return lines.join('\n');
}

/**
 * Runs one verb with the arguments after it, as `mtcgcnn <verb> ...` does: --help, then the command; a UsageError
 * exits 2, a CommandFailure its code, anything else 1, each with one line `mtcgcnn <verb>: error: <message>`.
 */
export async function runCommand(cmd: Command, argv: string[], io: CommandIo): Promise<number> {
  try {
    const args = parseCommandArgs(cmd, argv);
    if (args.options.help) {
      io.out(commandHelp(cmd));
      return 0;
    }
    return await cmd.run(args, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`mtcgcnn ${cmd.name}: error: ${err.message}`);
      return 2;
    }
    if (err instanceof CommandFailure) {
      io.err(`mtcgcnn ${cmd.name}: error: ${err.message}`);
      return err.exitCode;
    }
    const message = err instanceof Error ? err.message : String(err);
    io.err(`mtcgcnn ${cmd.name}: error: ${message.split('\n')[0]}`);
    if (process.env.MTCGCNN_DEBUG && err instanceof Error) io.err(err.stack ?? '');
    return 1;
  }
}

// ---- option readers (each throws UsageError with the option's name) ----

export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const v = args.options[name];
  return typeof v === 'string' ? v : undefined;
}

export function requiredString(args: ParsedArgs, name: string): string {
  const v = stringOption(args, name);
  if (v === undefined || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

export function numberOption(
  args: ParsedArgs,
  name: string,
  fallback: number,
  range: { min?: number; max?: number; integer?: boolean } = {},
): number {
  const raw = stringOption(args, name);
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v)) throw new UsageError(`--${name} must be a number, got "${raw}"`);
  if (range.integer && !Number.isInteger(v)) throw new UsageError(`--${name} must be an integer, got "${raw}"`);
  if (range.min !== undefined && v < range.min) throw new UsageError(`--${name} must be at least ${range.min}, got ${raw}`);
  if (range.max !== undefined && v > range.max) throw new UsageError(`--${name} must be at most ${range.max}, got ${raw}`);
  return v;
}

export function booleanOption(args: ParsedArgs, name: string): boolean {
  return args.options[name] === true;
}

export function choiceOption<T extends string>(args: ParsedArgs, name: string, choices: readonly T[], fallback: T): T {
  const raw = stringOption(args, name);
  if (raw === undefined) return fallback;
  if (!(choices as readonly string[]).includes(raw)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got "${raw}"`);
  return raw as T;
}
