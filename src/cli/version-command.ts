/** `sidecar-kit version`: prints the release version. */
import { ExitCode, HELP, noPositionals, parseArgs, parseCommandLine, type CommandSpec } from '../cli-kit/convention.js';
import { VERSION } from './version.js';

export const spec: CommandSpec = {
  name: 'version',
  summary: 'print the version',
  usage: [''],
  flags: [],
  examples: [{ comment: 'the version of this build', command: 'sidecar-kit version' }],
};

export async function run(args: readonly string[]): Promise<number> {
  const cl = await parseCommandLine(spec, () => {
    const parsed = parseArgs(args, spec.flags);
    if (parsed.help) return HELP;
    noPositionals(parsed);
    return parsed;
  });
  if (cl.exit !== undefined) return cl.exit;
  process.stdout.write(`${VERSION}\n`);
  return ExitCode.ok;
}
