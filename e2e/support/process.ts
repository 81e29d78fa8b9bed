/**
 * Process helpers shared by the e2e suites: run a command and capture it, run it or throw with
 * its message, wait for a condition, and say why the machine cannot run a suite.
 */
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { join } from 'node:path';

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly input?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Default 60 s. */
  readonly timeoutMs?: number;
  readonly cwd?: string;
}

export function sh(argv: readonly string[], opts: RunOptions = {}): RunResult {
  const r = spawnSync(argv[0] as string, argv.slice(1), {
    input: opts.input,
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 60_000,
    maxBuffer: 64 << 20,
  });
  return { code: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? r.error?.message ?? '' };
}

/**
 * Like `sh`, without blocking the event loop (long builds): output is collected, and each line
 * of it is also passed to `onLine` when given. Killed (SIGKILL) after `timeoutMs`.
 */
export function run(argv: readonly string[], opts: RunOptions & { readonly onLine?: (line: string) => void } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(argv[0] as string, argv.slice(1), { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let partial = '';
    const collect = (into: Buffer[]) => (d: Buffer) => {
      into.push(d);
      if (!opts.onLine) return;
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) opts.onLine(l);
    };
    child.stdout.on('data', collect(out));
    child.stderr.on('data', collect(err));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', (e) => err.push(Buffer.from(e.message)));
    child.on('close', (code) => {
      clearTimeout(timer);
      if (partial && opts.onLine) opts.onLine(partial);
      resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
    child.stdin.end(opts.input);
  });
}

/** Runs argv and returns its stdout; throws with the tool's message when it fails. */
export function must(argv: readonly string[], opts: RunOptions = {}): string {
  const r = sh(argv, opts);
  if (r.code !== 0) throw new Error(`${argv.join(' ')} failed (${r.code}): ${(r.stderr || r.stdout).trim().slice(-3000)}`);
  return r.stdout;
}

/** The argv prefix that runs a command as another uid/gid (none for undefined). */
export function asUser(uid: number | undefined): string[] {
  return uid === undefined ? [] : ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups'];
}

/** Polls `cond` every `everyMs` until it holds; throws after `ms`. */
export async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 15_000, everyMs = 100): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

// The sbin directories too: root's tools are there whatever PATH the test runner got.
const SEARCH_PATH = [...(process.env.PATH ?? '').split(':'), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'].filter((d) => d !== '');

function onPath(name: string): boolean {
  return SEARCH_PATH.some((d) => {
    try {
      accessSync(join(d, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Why this machine cannot run a privileged suite, or undefined when it can: Linux, root (`why`
 * says what for), the `tools` on PATH and the `files`; `install` names the Debian packages.
 */
export function privilegedSkipReason(req: { why: string; tools: readonly string[]; files?: readonly string[]; install: string }): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux';
  if (process.getuid?.() !== 0) return `needs root (${req.why})`;
  const missing = [...req.tools.filter((t) => !onPath(t)), ...(req.files ?? []).filter((f) => !existsSync(f))];
  if (missing.length > 0) return `missing: ${missing.join(', ')} (apt-get install ${req.install})`;
  return undefined;
}
