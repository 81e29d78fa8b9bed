/** `sidecar-kit version`: prints the release version. */
import { ExitCode, noPositionals, parseArgs, printHelp, reportUsageError, UsageError, type CommandSpec } from './convention.js';
import { VERSION } from './version.js';

export const spec: CommandSpec = {
  name: 'version',
  summary: 'print the version',
  usage: [''],
  flags: [],
  examples: [{ comment: 'the version of this build', command: 'sidecar-kit version' }],
};

export async function run(args: readonly string[]): Promise<number> {
  try {
    const parsed = parseArgs(args, spec.flags);
    if (parsed.help) return await printHelp(spec);
    noPositionals(parsed);
  } catch (e) {
    if (e instanceof UsageError) return reportUsageError(spec.name, e);
    throw e;
  }
  process.stdout.write(`${VERSION}\n`);
  return ExitCode.ok;
}
