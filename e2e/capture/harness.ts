/**
 * Real-kernel harness for the capture e2e suite: throw-away network namespaces joined by a
 * veth pair (documentation addresses only), the built CLI, Python listeners/clients (Node can
 * read neither SO_ORIGINAL_DST nor set IP_TRANSPARENT) and normalised rule dumps.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
export const PY = '/usr/bin/python3';
const LISTENER = join(here, 'listener.py');
const CLIENT = join(here, 'client.py');

/** The default sidecar arguments the injector gives istio-init. */
export const SIDECAR_ARGS = ['-p', '15001', '-z', '15006', '-u', '1337', '-m', 'REDIRECT', '-i', '*', '-x', '', '-b', '*', '-d', '15090,15021,15020'];

export const A4 = '198.51.100.1';
export const B4 = '198.51.100.2';
export const A6 = 'fd00::1';
export const B6 = 'fd00::2';

function onPath(name: string): boolean {
  return (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').some((d) => {
    try {
      accessSync(join(d, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Why this machine cannot run the suite, or undefined when it can. */
export function skipReason(): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux network namespaces';
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, iptables)';
  const tools = ['ip', 'nsenter', 'setpriv', 'iptables-nft-restore', 'iptables-legacy-restore', 'ip6tables-nft-restore', 'nft'];
  const missing = tools.filter((t) => !onPath(t));
  if (!existsSync(PY)) missing.push(PY);
  if (missing.length > 0) return `missing tools: ${missing.join(', ')} (apt-get install iptables nftables iproute2 util-linux python3)`;
  const probe = spawnSync('ip', ['netns', 'add', `sk-probe-${process.pid}`]);
  spawnSync('ip', ['netns', 'del', `sk-probe-${process.pid}`]);
  if (probe.status !== 0) return `cannot create network namespaces: ${probe.stderr.toString().trim()}`;
  return undefined;
}

let cliCache: string | undefined;

/** The bundled CLI: $SK_CLI, else dist/ (npm test builds it), else a fresh build in a temp dir. */
export function cliPath(): string {
  if (cliCache) return cliCache;
  if (process.env.SK_CLI) return (cliCache = process.env.SK_CLI);
  const dist = join(root, 'dist', 'sidecar-kit.js');
  if (existsSync(dist)) return (cliCache = dist);
  const out = mkdtempSync(join(tmpdir(), 'sk-e2e-capture-'));
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, env: { ...process.env, SK_OUTDIR: out }, stdio: 'inherit' });
  return (cliCache = join(out, 'sidecar-kit.js'));
}

let seq = 0;

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function sh(argv: readonly string[], opts: { input?: string; env?: Record<string, string> } = {}): RunResult {
  const r = spawnSync(argv[0] as string, argv.slice(1), { input: opts.input, env: { ...process.env, ...opts.env }, encoding: 'utf8' });
  return { code: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function must(argv: readonly string[]): string {
  const r = sh(argv);
  if (r.code !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** A pod namespace "a" and a peer "b" joined by a veth pair, dual-stack. */
export class Topology {
  readonly a: string;
  readonly b: string;
  private readonly children: ChildProcess[] = [];
  private readonly dir = mkdtempSync(join(tmpdir(), 'sk-cap-'));

  constructor(opts: { peer?: boolean } = {}) {
    const id = `${process.pid}-${++seq}`;
    this.a = `sk-a-${id}`;
    this.b = `sk-b-${id}`;
    must(['ip', 'netns', 'add', this.a]);
    must(['ip', '-n', this.a, 'link', 'set', 'lo', 'up']);
    if (opts.peer === false) return;
    must(['ip', 'netns', 'add', this.b]);
    must(['ip', '-n', this.b, 'link', 'set', 'lo', 'up']);
    const va = `va${seq}-${process.pid % 100000}`;
    const vb = `vb${seq}-${process.pid % 100000}`;
    must(['ip', 'link', 'add', va, 'netns', this.a, 'type', 'veth', 'peer', 'name', vb, 'netns', this.b]);
    must(['ip', '-n', this.a, 'addr', 'add', `${A4}/24`, 'dev', va]);
    must(['ip', '-n', this.b, 'addr', 'add', `${B4}/24`, 'dev', vb]);
    must(['ip', '-n', this.a, 'addr', 'add', `${A6}/64`, 'dev', va, 'nodad']);
    must(['ip', '-n', this.b, 'addr', 'add', `${B6}/64`, 'dev', vb, 'nodad']);
    must(['ip', '-n', this.a, 'link', 'set', va, 'up']);
    must(['ip', '-n', this.b, 'link', 'set', vb, 'up']);
  }

  /** Runs the CLI's istio-iptables inside "a" (optionally as another uid, with a PATH prefix). */
  cli(args: readonly string[], opts: { uid?: number; pathPrefix?: string; env?: Record<string, string> } = {}): RunResult {
    const asUser = opts.uid === undefined ? [] : ['setpriv', `--reuid=${opts.uid}`, `--regid=${opts.uid}`, '--clear-groups'];
    const env = { ...opts.env, ...(opts.pathPrefix ? { PATH: `${opts.pathPrefix}:${process.env.PATH ?? ''}` } : {}) };
    return sh(['ip', 'netns', 'exec', this.a, ...asUser, process.execPath, cliPath(), 'istio-iptables', ...args], { env });
  }

  exec(ns: 'a' | 'b', argv: readonly string[]): RunResult {
    return sh(['ip', 'netns', 'exec', ns === 'a' ? this.a : this.b, ...argv]);
  }

  /** Starts a listener in a namespace and waits until it listens. */
  async listen(ns: 'a' | 'b', tag: string, specs: readonly string[], transparent = false): Promise<void> {
    const ready = join(this.dir, `${tag}.ready`);
    const args = ['netns', 'exec', ns === 'a' ? this.a : this.b, PY, LISTENER, ready, tag, specs.join(','), ...(transparent ? ['--transparent'] : [])];
    const child = spawn('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    this.children.push(child);
    for (let i = 0; i < 100; i++) {
      if (existsSync(ready) && readFileSync(ready, 'utf8').includes('ready')) return;
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`listener ${tag} did not start: ${err}`);
  }

  /** One connection from a namespace (as `uid`, default root); the reply line or `ERR ...`. */
  connect(ns: 'a' | 'b', host: string, port: number, opts: { uid?: number; udp?: boolean } = {}): string {
    const asUser = opts.uid === undefined ? [] : ['setpriv', `--reuid=${opts.uid}`, `--regid=${opts.uid}`, '--clear-groups'];
    return this.exec(ns, [...asUser, PY, CLIENT, opts.udp ? 'udp' : 'tcp', host, String(port)]).stdout.trim();
  }

  /** iptables-save of both families and the nft ruleset, normalised (no comments, counters). */
  dump(): string {
    const save = (bin: string): string =>
      this.exec('a', [bin])
        .stdout.split('\n')
        .filter((l) => !l.startsWith('#'))
        .map((l) => l.replace(/\[\d+:\d+\]/g, '[0:0]'))
        .join('\n');
    const nft = this.exec('a', ['nft', 'list', 'ruleset']).stdout.replace(/packets \d+ bytes \d+/g, 'packets 0 bytes 0');
    return [save('iptables-nft-save'), save('ip6tables-nft-save'), save('iptables-legacy-save'), save('ip6tables-legacy-save'), nft].join('\n---\n');
  }

  /**
   * The rules only, canonically: per save binary, per table and chain (sorted), the rule lines
   * in kernel order, without empty built-in chains or tables; plus Istio's native nft tables.
   * Two namespaces with the same rules compare equal whatever order tables were created in.
   */
  rules(): string {
    const out: string[] = [];
    for (const bin of ['iptables-nft-save', 'ip6tables-nft-save', 'iptables-legacy-save', 'ip6tables-legacy-save']) {
      let table = '';
      const chains = new Map<string, string[]>();
      for (const line of this.exec('a', [bin]).stdout.split('\n')) {
        if (line.startsWith('*')) table = line.slice(1);
        const m = /^:(\S+) (\S+)/.exec(line);
        if (m && m[2] === '-') chains.set(`${table} ${m[1]}`, chains.get(`${table} ${m[1]}`) ?? []);
        const r = /^-A (\S+) /.exec(line);
        if (r) chains.set(`${table} ${r[1]}`, [...(chains.get(`${table} ${r[1]}`) ?? []), line]);
      }
      for (const key of [...chains.keys()].sort()) out.push(`${bin} ${key}`, ...(chains.get(key) ?? []));
    }
    for (const table of ['istio-proxy-nat', 'istio-proxy-mangle', 'istio-proxy-raw']) {
      const r = this.exec('a', ['nft', 'list', 'table', 'inet', table]);
      if (r.code === 0) out.push(r.stdout.replace(/packets \d+ bytes \d+/g, 'packets 0 bytes 0'));
    }
    return out.join('\n');
  }

  destroy(): void {
    for (const c of this.children) c.kill('SIGTERM');
    sh(['ip', 'netns', 'del', this.a]);
    sh(['ip', 'netns', 'del', this.b]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The three ways of programming rules the suite covers, as extra CLI arguments. */
export const BACKENDS = [
  { name: 'iptables-nft', args: [] as string[], nft: false },
  { name: 'iptables-legacy', args: ['--force-iptables-binary', 'legacy'], nft: false },
  { name: 'native nft', args: ['--native-nftables'], nft: true },
] as const;

/** Whether the namespace holds any Istio rule, route or table. */
export function istioTrace(t: Topology): string[] {
  const found: string[] = [];
  for (const bin of ['iptables-nft-save', 'ip6tables-nft-save', 'iptables-legacy-save', 'ip6tables-legacy-save']) {
    if (t.exec('a', [bin]).stdout.includes('ISTIO')) found.push(bin);
  }
  if (t.exec('a', ['nft', 'list', 'tables']).stdout.includes('istio-proxy')) found.push('nft tables');
  for (const fam of ['-4', '-6']) if (t.exec('a', ['ip', fam, 'rule']).stdout.includes('lookup 133')) found.push(`ip ${fam} rule`);
  return found;
}
