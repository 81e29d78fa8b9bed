/**
 * Every OS call of the capture executor goes through `Runner`: a real implementation that
 * spawns the binary, and a recording one that is both `--dry-run` and the test double.
 */
import { spawnSync } from 'node:child_process';

export interface Command {
  readonly argv: readonly string[];
  /** Text written to the command's stdin (restore input, nft transaction, ip batch). */
  readonly stdin?: string;
  /** Extra environment variables. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Runner {
  run(command: Command): Promise<CommandResult>;
}

/**
 * Spawns each command; `spawned` counts processes (start-up cost on the pod's path).
 *
 * `spawnSync`, not `spawn`: the executor runs one command at a time anyway, and the
 * asynchronous spawn sets up stream sockets for the pipes and an event-loop round trip per
 * event, which measured ~4 ms more per start of `istio-iptables` (Node 20). A child that exits
 * without reading all its input (EPIPE) still reports its own exit status.
 */
export class ProcessRunner implements Runner {
  spawned = 0;

  run(command: Command): Promise<CommandResult> {
    const [file, ...args] = command.argv;
    if (file === undefined) return Promise.resolve({ code: 127, stdout: '', stderr: 'empty command' });
    this.spawned++;
    const env = command.env ? { ...process.env, ...command.env } : process.env;
    const r = spawnSync(file, args, {
      env,
      ...(command.stdin === undefined ? { stdio: ['ignore', 'pipe', 'pipe'] as const } : { input: command.stdin }),
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    const stdout = r.stdout ?? '';
    const stderr = r.stderr ?? '';
    if (r.status === null && r.error) return Promise.resolve({ code: 127, stdout, stderr: `${stderr}${r.error.message}` });
    return Promise.resolve({ code: r.status ?? 1, stdout, stderr });
  }
}

/**
 * Records commands instead of running them. `respond` scripts results for tests; by default
 * every command succeeds with empty output, which is what a dry run needs.
 */
export class RecordingRunner implements Runner {
  readonly commands: Command[] = [];

  constructor(private readonly respond: (command: Command) => Partial<CommandResult> | undefined = () => undefined) {}

  run(command: Command): Promise<CommandResult> {
    this.commands.push(command);
    return Promise.resolve({ code: 0, stdout: '', stderr: '', ...this.respond(command) });
  }

  /**
   * Istio's dry-run record: a command without input as `binary args...`, a command with input
   * as its input lines (the restore text / nft transaction), one item per line.
   */
  transcript(): string {
    const lines = this.commands.flatMap((c) => (c.stdin === undefined ? [c.argv.join(' ')] : c.stdin.replace(/\n$/, '').split('\n')));
    return lines.length > 0 ? `${lines.join('\n')}\n` : '';
  }
}
