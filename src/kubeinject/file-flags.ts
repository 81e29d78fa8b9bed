/**
 * The input flags kube-inject and kube-uninject share: `-f` (required) and `--maxInputBytes`
 * (a size with an optional unit). Bad values are UsageErrors naming the flag.
 */
import { flagValue, UsageError, type FlagSpec, type ParsedArgs } from '../cli-kit/convention.js';
import { DEFAULT_MAX_INPUT_BYTES, formatByteSize, parseByteSize } from './io.js';

/** The shared flag specs; each command words the `-f` help itself. */
export function inputFlags(filenameHelp: string): readonly FlagSpec[] {
  return [
    { long: 'filename', short: 'f', value: 'FILE', help: filenameHelp },
    { long: 'output', short: 'o', value: 'FILE', help: 'write the result to FILE (replaced atomically, through symlinks; regular files only) instead of stdout' },
    { long: 'maxInputBytes', value: 'SIZE', help: 'refuse input larger than SIZE in all (bytes, or with a Ki, Mi, Gi, k, M or G suffix)', default: formatByteSize(DEFAULT_MAX_INPUT_BYTES) },
  ];
}

export interface InputFlags {
  /** The `-f` value: a file, a directory or `-` for stdin. */
  readonly filename: string;
  /** How `-f` was spelled on the command line, for messages. */
  readonly filenameFlag: string;
  /** The `-o` value, if given, and its spelling. */
  readonly output?: { readonly path: string; readonly flag: string };
  readonly maxInputBytes: number;
}

/** Reads `-f`, `-o` and `--maxInputBytes` from `parsed`; throws a UsageError naming the flag. */
export function readInputFlags(parsed: ParsedArgs, flags: readonly FlagSpec[]): InputFlags {
  const spec = (long: string): FlagSpec => {
    const f = flags.find((x) => x.long === long);
    if (f === undefined) throw new Error(`flag --${long} is not declared`);
    return f;
  };
  const filename = flagValue(parsed, spec('filename'), {})?.text;
  if (!filename) throw new UsageError('filename not specified (see --filename or -f)');
  const sizeText = flagValue(parsed, spec('maxInputBytes'), {});
  const maxInputBytes = sizeText === undefined ? DEFAULT_MAX_INPUT_BYTES : parseByteSize(sizeText.text);
  if (maxInputBytes === undefined || maxInputBytes <= 0) {
    throw new UsageError(`${sizeText?.from}: ${JSON.stringify(sizeText?.text)}: expected a size in bytes, optionally with a Ki, Mi, Gi, k, M or G suffix`);
  }
  const outputPath = flagValue(parsed, spec('output'), {})?.text;
  return {
    filename,
    filenameFlag: parsed.spelled.get('filename') ?? '-f',
    ...(outputPath === undefined ? {} : { output: { path: outputPath, flag: parsed.spelled.get('output') ?? '-o' } }),
    maxInputBytes,
  };
}
