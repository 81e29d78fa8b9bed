/**
 * Real-kernel harness for the capture e2e suite: throw-away network namespaces joined by a
 * veth pair (documentation addresses only), the built CLI, the shared traffic helper's
 * listeners/clients (e2e/support/traffic.ts) and normalised rule dumps.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliPath } from '../support/artefacts.js';
import { asUser, must, privilegedSkipReason, sh, type RunResult } from '../support/process.js';
import { connectArgv, startListener } from '../support/traffic.js';

/** The default sidecar arguments the injector gives istio-init. */
export const SIDECAR_ARGS = ['-p', '15001', '-z', '15006', '-u', '1337', '-m', 'REDIRECT', '-i', '*', '-x', '', '-b', '*', '-d', '15090,15021,15020'];

export const A4 = '198.51.100.1';
export const B4 = '198.51.100.2';
export const A6 = 'fd00::1';
export const B6 = 'fd00::2';

/** Why this machine cannot run the suite, or undefined when it can. */
export function skipReason(): string | undefined {
  const reason = privilegedSkipReason({
    why: 'network namespaces, iptables',
    tools: ['ip', 'nsenter', 'setpriv', 'iptables-nft-restore', 'iptables-legacy-restore', 'ip6tables-nft-restore', 'nft'],
    files: ['/usr/bin/python3'],
    install: 'iptables nftables iproute2 util-linux python3',
  });
  if (reason !== undefined) return reason;
  const probe = spawnSync('ip', ['netns', 'add', `sk-probe-${process.pid}`]);
  spawnSync('ip', ['netns', 'del', `sk-probe-${process.pid}`]);
  if (probe.status !== 0) return `cannot create network namespaces: ${probe.stderr.toString().trim()}`;
  return undefined;
}

let seq = 0;

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
    const env = { ...opts.env, ...(opts.pathPrefix ? { PATH: `${opts.pathPrefix}:${process.env.PATH ?? ''}` } : {}) };
    return sh(['ip', 'netns', 'exec', this.a, ...asUser(opts.uid), process.execPath, cliPath(), 'istio-iptables', ...args], { env });
  }

  exec(ns: 'a' | 'b', argv: readonly string[]): RunResult {
    return sh(['ip', 'netns', 'exec', ns === 'a' ? this.a : this.b, ...argv]);
  }

  /** Starts a listener in a namespace and waits until it listens. */
  async listen(ns: 'a' | 'b', tag: string, specs: readonly string[], transparent = false): Promise<void> {
    const enter = ['ip', 'netns', 'exec', ns === 'a' ? this.a : this.b];
    this.children.push(await startListener(enter, join(this.dir, `${tag}.ready`), tag, specs, { transparent }));
  }

  /** One connection from a namespace (as `uid`, default root); the reply line or `ERR ...`. */
  connect(ns: 'a' | 'b', host: string, port: number, opts: { uid?: number; udp?: boolean } = {}): string {
    return this.exec(ns, [...asUser(opts.uid), ...connectArgv(host, port, { udp: opts.udp })]).stdout.trim();
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
