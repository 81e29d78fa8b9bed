/**
 * Top-level dispatch: `sidecar-kit <command> …`, `sidecar-kit help [<command> [<subcommand>]]`,
 * `--help`, `--version`. Usage errors exit 2, like every command's (./convention.ts).
 */
import { commands, findCommand } from './commands.js';

const EXIT_USAGE = 2;

export async function runCli(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write(`${await topLevelHelp()}\nerror: no command given\n`);
    return EXIT_USAGE;
  }
  if (name === '--help' || name === '-h') return (process.stdout.write(await topLevelHelp()), 0);
  if (name === 'help') {
    const [topic, ...sub] = rest;
    if (topic === undefined || topic === 'help') return (process.stdout.write(await topLevelHelp()), 0);
    const command = findCommand(topic);
    if (!command) return unknownCommand(topic);
    return (await command.load()).run([...sub, '--help']);
  }
  if (name === '--version' || name === '-V') return (await (findCommand('version') as NonNullable<ReturnType<typeof findCommand>>).load()).run([]);
  const command = findCommand(name);
  if (!command) return unknownCommand(name);
  return (await command.load()).run(rest);
}

function unknownCommand(name: string): number {
  const what = name.startsWith('-') ? `unknown flag: ${name}` : `unknown command ${JSON.stringify(name)}`;
  process.stderr.write(`error: ${what}\nRun 'sidecar-kit --help' for the list of commands.\n`);
  return EXIT_USAGE;
}

async function topLevelHelp(): Promise<string> {
  const { renderHelp } = await import('./help.js');
  return renderHelp({
    name: '',
    summary: '',
    usage: ['<command> [flags]', 'help <command> [<subcommand>]'],
    description:
      'Istio-compatible sidecar injection and traffic capture for Kubernetes.\n\n' +
      'Commands:\n' +
      commands.map((c) => `  ${c.name.padEnd(16)}${c.summary}`).join('\n') +
      `\n  ${'help'.padEnd(16)}show the help of a command (same as <command> --help)`,
    flags: [{ long: 'version', short: 'V', help: 'print the version' }],
    examples: [
      { comment: 'inject the sample manifest', command: 'sidecar-kit kube-inject -f examples/shop.yaml' },
      { comment: 'the flags of a command', command: 'sidecar-kit help istio-iptables' },
    ],
  });
}
