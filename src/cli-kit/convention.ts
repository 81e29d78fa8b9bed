/**
 * The command-line convention every sidecar-kit command follows (docs/cli.md): one flag table
 * per command (`CommandSpec`), parsed here with Go pflag semantics (istioctl's and pilot-agent's
 * flags, which our commands reproduce), exit codes 0/1/2, usage errors that name the flag, the
 * argument or the environment variable at fault.
 *
 * Hand-written rather than commander: pflag accepts `--bool=false`, `-n=false`, short groups
 * (`-nb '*'`), attached short values (`-p15001`) and takes the next argument as a value even
 * when it is empty or starts with `-` (`-x ""`, `-b -`); commander rejects or reinterprets
 * several of these and Istio's own init-container arguments rely on them. One parser for every
 * command keeps those rules (and the refusal of repeated flags) the same everywhere, and it adds
 * nothing to the start-up of `istio-iptables` and `kube-inject`: commander cost ~3 ms per process
 * (measured in the commit that introduced this module). Help text is rendered by ./help.ts, which
 * only `--help` loads.
 */
import { parseGoBool } from '../core/format/go-strconv.js';

/** Exit codes of every command (documented in docs/cli.md and in every `--help`). */
export const ExitCode = {
  /** The command did what was asked. */
  ok: 0,
  /** It could not: a file, the kernel, the network, a bad input document. */
  failure: 1,
  /** The command line or the environment is wrong: nothing was attempted. */
  usage: 2,
} as const;

export interface FlagSpec {
  readonly long: string;
  readonly short?: string;
  /** Placeholder of the value (`FILE`, `PORT`); absent for a boolean flag. */
  readonly value?: string;
  /** The default as help shows it (`15017`); absent when there is none. */
  readonly default?: string;
  /** Environment variables that set the same thing when the flag is absent. */
  readonly env?: readonly string[];
  readonly help: string;
  /** Help lists the flag under this heading instead of "Flags". */
  readonly group?: string;
}

export interface CommandSpec {
  /** As typed after `sidecar-kit`: `kube-inject`, `cni-install merge-conflist`. */
  readonly name: string;
  readonly summary: string;
  /** Synopses, each written after `sidecar-kit <name> `. */
  readonly usage: readonly string[];
  readonly description?: string;
  readonly flags: readonly FlagSpec[];
  readonly subcommands?: readonly { readonly name: string; readonly summary: string }[];
  /** Variables read besides the flags' own `env`. */
  readonly environment?: readonly { readonly name: string; readonly help: string; readonly default?: string }[];
  readonly examples: readonly { readonly comment: string; readonly command: string }[];
  /** Exit codes beyond 0/1/2. */
  readonly exitCodes?: readonly { readonly code: number; readonly meaning: string }[];
}

/** Every command's help flag; the parser recognises it before anything else. */
export const HELP_FLAG: FlagSpec = { long: 'help', short: 'h', help: 'show this help' };

/** A wrong command line or environment (exit code 2); the message names what the user typed. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface ParsedArgs {
  /** Values by long flag name (booleans as written: `true`, `false`, `1`, …). */
  readonly values: ReadonlyMap<string, string>;
  readonly positionals: readonly string[];
  /** How the user wrote each given flag (`-f` or `--filename`), for messages. */
  readonly spelled: ReadonlyMap<string, string>;
  /** `-h`/`--help` was given (parsing stopped there). */
  readonly help: boolean;
}

/** Flag booleans are Go `strconv.ParseBool` values, as pflag parses them. */
export { parseGoBool };

export function flagName(f: FlagSpec): string {
  return f.short ? `-${f.short}/--${f.long}` : `--${f.long}`;
}

/**
 * Parses argv with pflag semantics. A flag taking a value may be given once (a second
 * occurrence is refused, naming both values); a boolean may be repeated with the same value.
 * Throws UsageError with pflag's wording for syntax errors.
 */
export function parseArgs(argv: readonly string[], flags: readonly FlagSpec[]): ParsedArgs {
  const byLong = new Map<string, FlagSpec>([[HELP_FLAG.long, HELP_FLAG]]);
  const byShort = new Map<string, FlagSpec>([[HELP_FLAG.short as string, HELP_FLAG]]);
  for (const f of flags) {
    byLong.set(f.long, f);
    if (f.short) byShort.set(f.short, f);
  }
  const values = new Map<string, string>();
  const spelled = new Map<string, string>();
  const positionals: string[] = [];
  const set = (f: FlagSpec, v: string, written: string): boolean => {
    if (f === HELP_FLAG) return true;
    if (!f.value && parseGoBool(v) === undefined) throw new UsageError(`invalid argument ${JSON.stringify(v)} for ${written}: expected true or false`);
    const before = values.get(f.long);
    if (before !== undefined && (f.value || parseGoBool(before) !== parseGoBool(v))) {
      throw new UsageError(`flag ${flagName(f)} given twice (${JSON.stringify(before)}, then ${JSON.stringify(v)}): it takes one value`);
    }
    values.set(f.long, v);
    spelled.set(f.long, written);
    return false;
  };
  const args = [...argv];
  while (args.length > 0) {
    const a = args.shift() as string;
    if (a === '--') {
      positionals.push(...args.splice(0));
    } else if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      if (name === '' || name.startsWith('-') || name.startsWith('=')) throw new UsageError(`bad flag syntax: ${a}`);
      const f = byLong.get(name);
      if (!f) throw new UsageError(`unknown flag: --${name}`);
      let v: string;
      if (eq >= 0) v = a.slice(eq + 1);
      else if (!f.value) v = 'true';
      else if (args.length > 0) v = args.shift() as string;
      else throw new UsageError(`flag needs an argument: --${name}`);
      if (set(f, v, `--${name}`)) return { values, positionals, spelled, help: true };
    } else if (a.startsWith('-') && a.length > 1) {
      let shorts = a.slice(1);
      while (shorts.length > 0) {
        const c = shorts[0] as string;
        const f = byShort.get(c);
        if (!f) throw new UsageError(`unknown shorthand flag: '${c}' in -${shorts}`);
        let v: string;
        if (shorts.length > 2 && shorts[1] === '=') {
          v = shorts.slice(2);
          shorts = '';
        } else if (!f.value) {
          v = 'true';
          shorts = shorts.slice(1);
        } else if (shorts.length > 1) {
          v = shorts.slice(1);
          shorts = '';
        } else if (args.length > 0) {
          v = args.shift() as string;
          shorts = '';
        } else {
          throw new UsageError(`flag needs an argument: '${c}' in -${shorts}`);
        }
        if (set(f, v, `-${c}`)) return { values, positionals, spelled, help: true };
      }
    } else {
      positionals.push(a);
    }
  }
  return { values, positionals, spelled, help: false };
}

/** A value and where it came from, for messages: `--port` or `WEBHOOK_PORT (--port)`. */
export interface Sourced {
  readonly text: string;
  readonly from: string;
}

/**
 * The value of a flag: the flag itself, else the first non-empty variable of its `env`, else
 * undefined (callers apply defaults, so the message of a bad default-free value names its source).
 */
export function flagValue(parsed: ParsedArgs, f: FlagSpec, env: Readonly<Record<string, string | undefined>>): Sourced | undefined {
  const v = parsed.values.get(f.long);
  if (v !== undefined) return { text: v, from: parsed.spelled.get(f.long) ?? `--${f.long}` };
  for (const name of f.env ?? []) {
    const e = env[name];
    if (e !== undefined && e !== '') return { text: e, from: `${name} (--${f.long})` };
  }
  return undefined;
}

/** A boolean flag or variable; undefined when neither is set. Throws UsageError naming the source. */
export function flagBool(parsed: ParsedArgs, f: FlagSpec, env: Readonly<Record<string, string | undefined>>): boolean | undefined {
  const s = flagValue(parsed, f, env);
  if (s === undefined) return undefined;
  const b = parseGoBool(s.text);
  if (b === undefined) throw new UsageError(`${s.from}: ${JSON.stringify(s.text)}: expected true or false`);
  return b;
}

/** Refuses positional arguments for commands that take none. */
export function noPositionals(parsed: ParsedArgs): void {
  const first = parsed.positionals[0];
  if (first !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(first)}`);
}

/** Writes a usage error the same way in every command; returns exit code 2. */
export function reportUsageError(command: string, err: UsageError): number {
  process.stderr.write(`error: ${err.message}\nRun 'sidecar-kit ${command} --help' for usage.\n`);
  return ExitCode.usage;
}

/** Writes a failure (`error: …`) the same way in every command; returns exit code 1. */
export function reportFailure(message: string): number {
  process.stderr.write(`error: ${message}\n`);
  return ExitCode.failure;
}

/** What a command's parser returns for `-h`/`--help`; parseCommandLine prints the help. */
export const HELP: unique symbol = Symbol('help');

/**
 * The opening every command shares. Runs `parse`: HELP prints `spec`'s help (exit 0), a
 * UsageError is reported naming the command (exit 2) — both give `{ exit }` for the command to
 * return; otherwise `{ value }`, what `parse` read. Any other error propagates.
 */
export async function parseCommandLine<T>(spec: CommandSpec, parse: () => T | typeof HELP): Promise<{ readonly exit: number } | { readonly exit?: undefined; readonly value: T }> {
  let value: T | typeof HELP;
  try {
    value = parse();
  } catch (err) {
    if (err instanceof UsageError) return { exit: reportUsageError(spec.name, err) };
    throw err;
  }
  return value === HELP ? { exit: await printHelp(spec) } : { value };
}

/** Prints the help of `spec` on stdout (the renderer is loaded only now); returns 0. */
export async function printHelp(spec: CommandSpec): Promise<number> {
  const { renderHelp } = await import('./help.js');
  process.stdout.write(renderHelp(spec));
  return ExitCode.ok;
}
