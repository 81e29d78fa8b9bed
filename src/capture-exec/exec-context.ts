/** How the executor builds commands: inside a network namespace, with a pod-scoped lock. */
import type { Command, CommandResult, Runner } from './runner.js';

export interface ExecContext {
  readonly runner: Runner;
  /** Run every binary inside this network namespace (`nsenter --net=PATH --`), as the CNI plugin does. */
  readonly netns?: string | undefined;
  /** xtables lock file for iptables binaries (XTABLES_LOCKFILE), e.g. one per pod in CNI mode. */
  readonly xtablesLockFile?: string | undefined;
  readonly log: (line: string) => void;
}

export function run(ctx: ExecContext, argv: readonly string[], stdin?: string, xtables = false): Promise<CommandResult> {
  const full = ctx.netns === undefined ? argv : ['nsenter', `--net=${ctx.netns}`, '--', ...argv];
  const command: Command = {
    argv: full,
    ...(stdin === undefined ? {} : { stdin }),
    ...(xtables && ctx.xtablesLockFile ? { env: { XTABLES_LOCKFILE: ctx.xtablesLockFile } } : {}),
  };
  return ctx.runner.run(command);
}

/** First line of a failed command's output, for error messages. */
export function firstError(r: CommandResult): string {
  const text = `${r.stderr}\n${r.stdout}`.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return text.slice(0, 2).join(' / ') || `exit status ${r.code}`;
}
