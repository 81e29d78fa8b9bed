/**
 * sidecar-kit entry point. Each subcommand lives in its own module and is imported only when
 * it is the one being run, so a CLI process pays the start-up cost of its own command alone.
 */
import { commands, findCommand } from './commands.js';

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 1 : 0;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`${process.env.SIDECAR_KIT_VERSION ?? '0.1.0'}\n`);
    return 0;
  }
  const command = findCommand(name);
  if (!command) {
    process.stderr.write(`error: unknown command '${name}'\n\n${usage()}`);
    return 1;
  }
  const mod = await command.load();
  return mod.run(rest);
}

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `Usage: sidecar-kit <command> [options]\n\nCommands:\n${lines.join('\n')}\n`;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
