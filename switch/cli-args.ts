/**
 * Command-line options of the hub's CLIs (`mizani`, `mizani pki`, `mizani translate`), on `node:util` parseArgs
 * (`mizani validate` calls parseArgs directly). parseArgs reads the tokens; this module adds what the CLIs promise
 * their users: `-h`/`--help` everywhere, and a precise usage error (exit 2) for an unknown option, a missing or empty
 * value, a value given to a flag, an option given twice, a stray argument or a number out of range. A list option
 * takes `--dns a --dns b`, `--dns a,b` and `--dns a b`.
 */
import { parseArgs } from 'node:util';

export class UsageError extends Error {}

export interface OptionSpec {
  type: 'string' | 'flag' | 'list' | 'int';
  required?: boolean;
  /** One-letter alias (`-x`). */
  short?: string;
  /** Bounds of an `int` (default 1 to 36500). */
  min?: number;
  max?: number;
}

export type OptionValues = Record<string, string | boolean | string[] | number | undefined>;

export interface CommandLine {
  values: OptionValues;
  positionals: string[];
  /** `-h` or `--help` was given (nothing else is checked then). */
  help: boolean;
}

type Token = ReturnType<typeof parseArgs>['tokens'] extends (infer T)[] | undefined ? T : never;

function intValue(name: string, spec: OptionSpec, value: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`option --${name} must be a whole number, got "${value}"`);
  const n = Number(value);
  const min = spec.min ?? 1;
  const max = spec.max ?? 36500;
  if (n < min || n > max) throw new UsageError(`option --${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

/** One option token into `values`; returns whether positionals right after it extend it (a list). */
function takeOption(token: Extract<Token, { kind: 'option' }>, spec: OptionSpec, values: OptionValues): boolean {
  const name = token.name;
  if (spec.type === 'flag') {
    if (token.value !== undefined) throw new UsageError(`option --${name} takes no value`);
    if (values[name]) throw new UsageError(`option --${name} given twice`);
    values[name] = true;
    return false;
  }
  const value = token.value;
  if (value === undefined || value === '' || (!token.inlineValue && value.startsWith('--'))) throw new UsageError(`option --${name} needs a value`);
  if (spec.type === 'list') {
    const list = (values[name] as string[] | undefined) ?? [];
    list.push(
      ...value
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== ''),
    );
    values[name] = list;
    return !token.inlineValue;
  }
  if (values[name] !== undefined) throw new UsageError(`option --${name} given twice`);
  values[name] = spec.type === 'int' ? intValue(name, spec, value) : value;
  return false;
}

/**
 * Reads `args` against `spec`. `where` names the command in messages (`pki init`); `positionals` says how many
 * arguments that are not options it takes (default none).
 */
export function parseCommandLine(args: string[], spec: Record<string, OptionSpec>, where: string, positionals = 0): CommandLine {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, s] of Object.entries(spec)) options[name] = { type: s.type === 'flag' ? 'boolean' : 'string', ...(s.short ? { short: s.short } : {}) };
  const { tokens } = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true });
  if (tokens.some((t) => t.kind === 'option' && t.name === 'help')) return { values: {}, positionals: [], help: true };
  const values: OptionValues = {};
  const rest: string[] = [];
  let extendsList: string | undefined;
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      if (extendsList !== undefined) (values[extendsList] as string[]).push(...token.value.split(',').filter((v) => v !== ''));
      else rest.push(token.value);
      continue;
    }
    const s = spec[token.name];
    if (!s)
      throw new UsageError(
        `unknown option ${token.rawName} for "${where}" (known: ${
          Object.keys(spec)
            .map((k) => `--${k}`)
            .join(', ') || 'none'
        }; -h for help)`,
      );
    extendsList = takeOption(token, s, values) ? token.name : undefined;
  }
  if (rest.length > positionals) throw new UsageError(`unexpected argument "${rest[positionals]}" (options start with --)`);
  for (const [name, s] of Object.entries(spec)) {
    if (s.required && values[name] === undefined) throw new UsageError(`missing required option --${name} for "${where}"`);
  }
  return { values, positionals: rest, help: false };
}
