/**
 * What the capture benchmarks share (bench/capture/bench.ts, bench/istio/capture.ts): the
 * default sidecar args, a timed spawn, a fresh network namespace per run, and the median.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

/** The istio-init args Istio's injector renders by default (REDIRECT, all ports, all CIDRs). */
export const SIDECAR_ARGS = ['-p', '15001', '-z', '15006', '-u', '1337', '-m', 'REDIRECT', '-i', '*', '-x', '', '-b', '*', '-d', '15090,15021,15020'];

export function timed(argv: readonly string[], opts: { stdin?: string; env: NodeJS.ProcessEnv }): { ms: number; stdout: string } {
  const start = performance.now();
  const r = spawnSync(argv[0] as string, argv.slice(1), { input: opts.stdin, env: opts.env, encoding: 'utf8' });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

export interface NetnsOptions {
  /** Namespace name prefix (unique per task: helpers share the machine's namespaces). */
  readonly prefix?: string;
  /** Addresses (CIDR) put on the namespace's `lo`, which is brought up: Istio's istio-iptables
   * reads the pod's IP family from the first non-loopback address and fails without one. */
  readonly addresses?: readonly string[];
}

/** Runs fn in a fresh network namespace (created and deleted around it, not timed). */
export function withNetns<T>(fn: (nsenter: string[], name: string) => T, opts: NetnsOptions = {}): T {
  const name = `${opts.prefix ?? 'sk-bench'}-${process.pid}`;
  spawnSync('ip', ['netns', 'del', name]);
  if (spawnSync('ip', ['netns', 'add', name]).status !== 0) throw new Error('ip netns add failed (root needed)');
  try {
    for (const a of opts.addresses ?? []) {
      const r = spawnSync('ip', ['-n', name, 'addr', 'add', a, 'dev', 'lo', ...(a.includes(':') ? ['nodad'] : [])], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`ip addr add ${a}: ${r.stderr}`);
    }
    if (opts.addresses?.length) spawnSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    return fn(['nsenter', `--net=/run/netns/${name}`, '--'], name);
  } finally {
    spawnSync('ip', ['netns', 'del', name]);
  }
}

/**
 * Whether Node knows the bundle is ESM from a package.json `"type": "module"` above it. Without
 * one (a build copied to /tmp or into an image as is), Node 20.19+ compiles each .js file as
 * CommonJS first, fails, and compiles it again as ESM: ~2 ms more per start, measured here.
 */
export function declaredEsm(file: string): boolean {
  for (let dir = dirname(resolve(file)); ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) return (JSON.parse(readFileSync(pkg, 'utf8')) as { type?: string }).type === 'module';
    if (dirname(dir) === dir) return false;
  }
}

export const quantile = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))] ?? NaN;
