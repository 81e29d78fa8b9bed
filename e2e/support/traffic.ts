/**
 * Real connections for the e2e suites through traffic.py (Node can neither read
 * SO_ORIGINAL_DST nor set IP_TRANSPARENT): listeners that answer each connection with
 * `tag=… local=… orig=… peer=…`, and one-shot clients that print that line or `ERR <class>`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** /usr/bin/python3, not whatever is first on PATH: helpers run as other uids (setpriv). */
export const PY = '/usr/bin/python3';
const TRAFFIC = join(dirname(fileURLToPath(import.meta.url)), 'traffic.py');

/**
 * Starts a listener under `enter` (the argv prefix that enters a network namespace) and waits
 * until every socket listens. `specs`: `HOST:PORT` or `udp:HOST:PORT`, IPv6 hosts in brackets.
 */
export async function startListener(
  enter: readonly string[],
  readyFile: string,
  tag: string,
  specs: readonly string[],
  opts: { transparent?: boolean } = {},
): Promise<ChildProcess> {
  rmSync(readyFile, { force: true });
  const argv = [...enter, PY, TRAFFIC, 'listen', readyFile, tag, specs.join(','), ...(opts.transparent ? ['--transparent'] : [])];
  const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  for (let i = 0; i < 250; i++) {
    if (existsSync(readyFile) && readFileSync(readyFile, 'utf8').includes('ready')) return child;
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill('SIGTERM');
  throw new Error(`listener ${tag} did not start: ${err}`);
}

/** The argv of one connection (to run inside a namespace, possibly as another uid). */
export function connectArgv(host: string, port: number, opts: { udp?: boolean } = {}): string[] {
  return [PY, TRAFFIC, 'connect', opts.udp ? 'udp' : 'tcp', host, String(port)];
}
